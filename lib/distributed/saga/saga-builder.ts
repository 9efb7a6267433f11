import { ConfigurationError } from '../../errors';
import { registerStep, type SagaStepDefinition, type SagaStepOptions } from './saga-step';
import { executeStep, runSaga, type SagaContext } from './saga-runner';

/** What a finished saga returns: each step's result by step name. */
export type SagaResults = Record<string, unknown>;

/**
 * `coordinator.saga('place-order').step({...}).step({...}).execute(input)`. Each step commits
 * at once; if one fails, the completed ones are compensated newest first, each receiving what its
 * `run` returned. The saga log lets recovery finish a compensation that a crash interrupted, in
 * a new process, as long as the same saga is defined there: build sagas once (at module level or
 * in a provider's constructor), not inside the method that executes them.
 */
export class SagaBuilder<Input> {
  private readonly steps: SagaStepDefinition<Input, unknown>[] = [];

  constructor(
    private readonly context: () => SagaContext,
    private readonly name: string | undefined,
  ) {}

  step<Result>(options: SagaStepOptions<Input, Result>): SagaBuilder<Input> {
    if (this.steps.some((step) => step.name === options?.name)) {
      throw new ConfigurationError(`Saga '${this.name ?? 'anonymous'}' has two steps named '${options.name}'`);
    }
    // Registered under the saga's name, so recovery finds the compensation after a restart.
    const key = `${this.name ?? 'saga'}/${options.name}`;
    this.steps.push(registerStep(key, options as SagaStepOptions<Input, unknown>));
    return this;
  }

  async execute(input?: Input): Promise<SagaResults> {
    if (this.steps.length === 0) throw new ConfigurationError(`Saga '${this.name ?? 'anonymous'}' has no steps`);
    const name = this.name ?? `saga(${this.steps.map((step) => step.name).join(' > ')})`;
    const results: SagaResults = {};
    await runSaga(this.context(), name, input, async () => {
      for (const step of this.steps) results[step.name] = await executeStep(step, input as Input);
    });
    return results;
  }
}
