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

const steps = processWide('saga-steps', () => new Map<string, SagaStepDefinition>());

export function registerStep<Input, Result>(key: string, options: SagaStepOptions<Input, Result>): SagaStepDefinition<Input, Result> {
  if (typeof options?.name !== 'string' || options.name === '' || typeof options.run !== 'function') {
    throw new ConfigurationError(`A saga step needs a name and a run function (got ${JSON.stringify(options?.name)})`);
  }
  if (options.compensate !== undefined && typeof options.compensate !== 'function') {
    throw new ConfigurationError(`Saga step '${options.name}': compensate must be a function`);
  }
  const definition = { ...options, key } as SagaStepDefinition<Input, Result>;
  steps.set(key, definition as SagaStepDefinition);
  return definition;
}

export function findStep(key: string): SagaStepDefinition | undefined {
  return steps.get(key);
}
