import { ConfigurationError } from '../../errors';
import type { SagaStepDefinition, SagaStepOptions, SagaSteps } from './saga-step';
import { executeStep } from './saga-runner';

/** What a finished saga returns: each step's result by step name. */
export type SagaResults = Record<string, unknown>;

/** What a builder needs from the coordinator that made it. */
export interface SagaBuilderHost {
  /** The application's step table (recovery finds compensations there after a restart). */
  readonly steps: SagaSteps;
  /** Run `work` as a saga unit named `name` over the steps' connections. */
  runSaga(name: string, connections: readonly string[], input: unknown, work: () => Promise<void>): Promise<void>;
}

/**
 * `coordinator.saga('place-order').step({...}).step({...}).execute(input)`. Each step commits
 * at once; if one fails, the completed ones are compensated newest first, each receiving what its
 * `run` returned. The saga log lets recovery finish a compensation that a crash interrupted, in
 * a new process, as long as the same saga is defined there: build sagas once (at module level or
 * in a provider's constructor). Steps are registered as `<saga name>/<step name>`; a saga without
 * a name is named after its steps (`saga(reserve > charge)`).
 */
export class SagaBuilder<Input> {
  private readonly steps: SagaStepOptions<Input, unknown>[] = [];

  constructor(
    private readonly host: SagaBuilderHost,
    private readonly name: string | undefined,
  ) {}

  step<Result>(options: SagaStepOptions<Input, Result>): SagaBuilder<Input> {
    if (this.steps.some((step) => step.name === options?.name)) {
      throw new ConfigurationError(`Saga '${this.name ?? 'anonymous'}' has two steps named '${options.name}'`);
    }
    this.steps.push(options as SagaStepOptions<Input, unknown>);
    return this;
  }

  async execute(input?: Input): Promise<SagaResults> {
    if (this.steps.length === 0) throw new ConfigurationError(`Saga '${this.name ?? 'anonymous'}' has no steps`);
    const name = this.name ?? `saga(${this.steps.map((step) => step.name).join(' > ')})`;
    const definitions: SagaStepDefinition<Input, unknown>[] = this.steps.map((step) => this.host.steps.register(`${name}/${step.name}`, step, `saga '${name}'`));
    const connections = [...new Set(definitions.flatMap((step) => (step.connection ? [step.connection] : [])))];
    const results: SagaResults = {};
    await this.host.runSaga(name, connections, input, async () => {
      for (const step of definitions) results[step.name] = await executeStep(step, input as Input);
    });
    return results;
  }
}
