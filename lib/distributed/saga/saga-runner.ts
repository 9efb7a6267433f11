import { currentScope } from '../../connection/ambient-scope';
import type { Connection } from '../../connection/connection';
import { HeuristicCompletionError, TransactionError } from '../../errors';
import type { Branch } from '../../transaction/branch';
import { UnitFrame, type CommitStrategy, type Unit, type UnitLevel } from '../../transaction/unit';
import type { CoordinatorEvents } from '../coordinator-events';
import { newGlobalId } from '../global-id';
import { asJson, runCompensation, runForward } from './barrier';
import type { SagaLog, SagaRecord, SagaState, StepRecord } from './saga-log';
import type { SagaStepDefinition, SagaSteps } from './saga-step';

/** What the saga runner needs from the coordinator. */
export interface SagaContext {
  readonly nodeId: string;
  readonly events: CoordinatorEvents;
  /** How long a saga's driver may go silent before recovery takes it over. */
  readonly leaseMs: number;
  /** This application's saga steps (with the module-level ones behind them). */
  readonly steps: SagaSteps;
  /** Hold this node's lease (once). */
  startLease(): Promise<void>;
  sagaLog(): SagaLog;
  connection(name: string): Connection;
  warn(message: string): void;
}

const COMPENSATION_ATTEMPTS = 3;

/** One running saga: its log row, its steps so far, and the lease that keeps it ours. */
export class SagaInstance {
  private readonly steps: StepRecord[];
  private state: SagaState;

  constructor(
    private readonly context: SagaContext,
    readonly id: string,
    readonly name: string,
    readonly input: unknown,
    record?: SagaRecord,
  ) {
    this.steps = record ? record.steps.map((step) => ({ ...step })) : [];
    this.state = record?.state ?? 'running';
  }

  static async start(context: SagaContext, name: string, input: unknown): Promise<SagaInstance> {
    const log = context.sagaLog();
    await log.ensureTable();
    const instance = new SagaInstance(context, newGlobalId(context.nodeId), name, asJson(input));
    await log.start({ id: instance.id, name, node: context.nodeId, state: 'running', input: instance.input, steps: [], leaseUntil: instance.lease() });
    return instance;
  }

  /** Run one step now: logged as started, run (committed at once), logged as done. */
  async runStep<Input, Result>(step: SagaStepDefinition<Input, Result>, input: Input): Promise<Result> {
    if (this.state !== 'running') throw new TransactionError(`Saga ${this.name} (${this.id}) is ${this.state}; it runs no more steps`);
    const record: StepRecord = { key: step.key, status: 'started' };
    this.steps.push(record);
    await this.save();
    await this.context.events.emit({ type: 'saga-step-started', sagaId: this.id, step: step.key });
    try {
      const barrierId = `${this.id}:${this.steps.length}:${step.key}`;
      const run = async () => step.run(input);
      const result = step.connection
        ? (await runForward(this.context.connection(step.connection), barrierId, run)).result
        : asJson(await run());
      await this.context.events.emit({ type: 'saga-step-committed', sagaId: this.id, step: step.key });
      record.status = 'done';
      record.result = result;
      await this.save();
      await this.context.events.emit({ type: 'saga-step-done', sagaId: this.id, step: step.key });
      return result as Result;
    } catch (error) {
      record.status = 'failed';
      await this.save().catch(() => undefined);
      throw error;
    }
  }

  async complete(): Promise<void> {
    this.state = 'completed';
    await this.save();
    await this.context.events.emit({ type: 'saga-done', sagaId: this.id, outcome: 'completed' });
  }

  /**
   * Undo the steps that ran, newest first. Steps that failed or only started are compensated
   * too: with a connection, their barrier says whether the work committed; without one, the
   * compensation receives no result and must tolerate a step that never happened.
   */
  async compensate(): Promise<void> {
    this.state = 'compensating';
    await this.save();
    await this.compensateFrom(0);
    this.state = 'compensated';
    await this.save();
    await this.context.events.emit({ type: 'saga-done', sagaId: this.id, outcome: 'compensated' });
  }

  /** How many steps ran so far: a NESTED level's mark. */
  get stepCount(): number {
    return this.steps.length;
  }

  /**
   * Undo the steps from `first` on, newest first (a failed NESTED level of a saga): the saga
   * goes on running, those steps stay in its log as compensated.
   */
  async compensateLevel(first: number): Promise<void> {
    await this.compensateFrom(first);
    await this.save();
  }

  private async compensateFrom(first: number): Promise<void> {
    for (let index = this.steps.length - 1; index >= first; index--) {
      const record = this.steps[index]!;
      if (record.status === 'compensated') continue;
      const step = this.context.steps.find(record.key);
      if (!step) {
        await this.fail(`its step '${record.key}' is not defined in this process (define saga steps at module level, before recovery runs)`);
      }
      await this.context.events.emit({ type: 'saga-compensating', sagaId: this.id, step: record.key });
      await this.compensateStep(step!, record, index);
      record.status = 'compensated';
      await this.save();
      await this.context.events.emit({ type: 'saga-compensated', sagaId: this.id, step: record.key });
    }
  }

  private async compensateStep(step: SagaStepDefinition, record: StepRecord, index: number): Promise<void> {
    const undo = async (result: unknown) => {
      if (step.compensate) await step.compensate(result, this.input);
    };
    for (let attempt = 1; ; attempt++) {
      try {
        if (step.connection) {
          await runCompensation(this.context.connection(step.connection), `${this.id}:${index + 1}:${step.key}`, undo);
        } else {
          await undo(record.status === 'done' ? record.result : undefined);
        }
        return;
      } catch (error) {
        if (attempt >= COMPENSATION_ATTEMPTS) {
          await this.fail(`compensating step '${step.key}' failed ${attempt} times: ${error instanceof Error ? error.message : String(error)}`, error);
        }
        this.context.warn(`Compensating step '${step.key}' of saga ${this.id} failed (attempt ${attempt}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async fail(reason: string, cause?: unknown): Promise<never> {
    this.state = 'failed';
    await this.save().catch(() => undefined);
    await this.context.events.emit({ type: 'saga-done', sagaId: this.id, outcome: 'failed' });
    throw new HeuristicCompletionError(
      `Saga ${this.name} (${this.id}) could not be compensated: ${reason}. It is marked failed in the saga log; ` +
        `a human must look (the steps before it may stay applied)`,
      { cause },
    );
  }

  private lease(): Date {
    return new Date(Date.now() + this.context.leaseMs);
  }

  private async save(): Promise<void> {
    const saved = await this.context.sagaLog().save(this.id, this.context.nodeId, this.state, this.steps, this.lease());
    if (!saved) throw new TransactionError(`Saga ${this.id} was taken over by recovery (its lease expired); this process stops driving it`);
  }
}

/**
 * Sagas as a commit strategy of the transaction engine. A saga unit holds no session: each step
 * commits at once in a local transaction of its own (with its barrier row); the unit's "commit"
 * marks the saga completed, its "rollback" runs the compensations of the steps done, newest
 * first, and a NESTED level compensates only its own steps. Propagation, timeouts, retries and
 * hooks are the engine's, as for any unit.
 */
export class SagaStrategy implements CommitStrategy {
  readonly kind = 'saga' as const;

  constructor(private readonly context: () => SagaContext) {}

  async admit(): Promise<void> {
    const context = this.context();
    await context.sagaLog().ensureTable();
    await context.startLease();
  }

  beginBranch(_unit: Unit, branch: Branch): Promise<void> {
    return Promise.reject(new TransactionError(`A saga holds no transaction on connection '${branch.connection.name}'; its steps commit on their own`));
  }

  adoptBranch(unit: Unit, branch: Branch): Promise<void> {
    return this.beginBranch(unit, branch);
  }

  async started(unit: Unit): Promise<void> {
    const state = unit.strategyState as { input?: unknown; instance?: SagaInstance };
    state.instance = await SagaInstance.start(this.context(), unit.name, state.input);
    unit.gid = state.instance.id;
  }

  async commit(unit: Unit): Promise<void> {
    await instanceOf(unit)?.complete();
  }

  /** Compensate; a compensation that cannot be completed raises HeuristicCompletionError. */
  async rollback(unit: Unit): Promise<void> {
    await instanceOf(unit)?.compensate();
  }

  async openLevel(unit: Unit): Promise<UnitLevel> {
    const instance = instanceOf(unit)!;
    const mark = instance.stepCount;
    return { name: `${instance.id}@${mark}`, undo: () => instance.compensateLevel(mark), keep: async () => undefined };
  }
}

function instanceOf(unit: Unit): SagaInstance | undefined {
  return (unit.strategyState as { instance?: SagaInstance } | undefined)?.instance;
}

/**
 * Run a registered step inside the saga of the running code. Inside a transaction that is not a
 * saga (a two-phase unit across the same connections), the step simply runs: the unit makes it
 * atomic, so one method can run as a saga or under two-phase commit by configuration alone.
 */
export async function executeStep<Input, Result>(step: SagaStepDefinition<Input, Result>, input: Input): Promise<Result> {
  for (const binding of currentScope().allBindings()) {
    if (!(binding instanceof UnitFrame) || !binding.unit.isActive) continue;
    // The innermost open unit decides.
    return binding.unit.strategy.kind === 'saga' ? instanceOf(binding.unit)!.runStep(step, input) : step.run(input);
  }
  throw new TransactionError(`Saga step '${step.name}' runs only inside a saga (@Transactional({ mode: 'saga' }), coordinator.saga()) or a transaction`);
}

/** Resume the compensation of a saga whose driver died (used by recovery). */
export async function compensateRecorded(context: SagaContext, record: SagaRecord): Promise<void> {
  const instance = new SagaInstance(context, record.id, record.name, record.input, record);
  await instance.compensate();
}
