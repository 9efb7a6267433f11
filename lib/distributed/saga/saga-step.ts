import { ConfigurationError } from '../../errors';
import { processWide } from '../../util/process-wide';

/**
 * One step of a saga. `run` commits at once; if a later step fails, `compensate` undoes it,
 * receiving what `run` returned (so a compensation needs nothing else: it can run in another
 * process after a crash). Both should be idempotent; with a `connection`, the library makes them
 * so (a barrier row in the same local transaction as the step's writes).
 */
export interface SagaStepOptions<Input, Result> {
  /** Unique among the steps of the process: recovery finds the compensation by it. */
  readonly name: string;
  /**
   * The connection the step writes to. `run` and `compensate` then each run in one local
   * transaction there, together with a barrier row: a repeated forward step returns the first
   * result, a compensation of a step that never ran does nothing, and a forward step arriving
   * after its compensation is refused.
   */
  readonly connection?: string;
  run(input: Input): Promise<Result> | Result;
  /** Undo the step. `result` is undefined when the step may never have run (no barrier to tell). */
  compensate?(result: Result, input: Input): Promise<void> | void;
}

export interface SagaStepDefinition<Input = unknown, Result = unknown> extends SagaStepOptions<Input, Result> {
  readonly key: string;
}

/**
 * Saga steps by key. Recovery finds a crashed saga's compensations here by the keys its log
 * recorded, so a key must always mean one step: defining it again with different code is a
 * ConfigurationError naming it, never a silent overwrite (the same definition again, such as a
 * builder that runs once per call, is fine). Each application's coordinator has its own table,
 * so two applications in one process never take each other's steps; steps defined at module
 * level with defineSagaStep live in the process-wide one, which every application also reads.
 */
export class SagaSteps {
  private readonly steps = new Map<string, SagaStepDefinition>();

  constructor(private readonly fallback?: SagaSteps) {}

  register<Input, Result>(key: string, options: SagaStepOptions<Input, Result>, owner: string): SagaStepDefinition<Input, Result> {
    if (typeof options?.name !== 'string' || options.name === '' || typeof options.run !== 'function') {
      throw new ConfigurationError(`A saga step needs a name and a run function (got ${JSON.stringify(options?.name)})`);
    }
    if (options.compensate !== undefined && typeof options.compensate !== 'function') {
      throw new ConfigurationError(`Saga step '${options.name}': compensate must be a function`);
    }
    const definition = { ...options, key } as SagaStepDefinition<Input, Result>;
    const existing = this.steps.get(key);
    if (existing && !sameCode(existing, definition)) {
      throw new ConfigurationError(
        `Saga step '${key}' is defined twice with different code (${owner}); recovery finds compensations by this key, so ` +
          `each must be unique: give the saga or the step another name`,
      );
    }
    this.steps.set(key, definition as SagaStepDefinition);
    return definition;
  }

  find(key: string): SagaStepDefinition | undefined {
    return this.steps.get(key) ?? this.fallback?.find(key);
  }
}

/** Module-level steps (defineSagaStep), shared by every copy of the library in the process. */
export const moduleSteps = processWide('saga-steps', () => new SagaSteps());

/** The same step defined again (a builder run once per call): same connection and the same code. */
function sameCode(a: SagaStepDefinition, b: SagaStepDefinition): boolean {
  return a.connection === b.connection && String(a.run) === String(b.run) && String(a.compensate) === String(b.compensate);
}
