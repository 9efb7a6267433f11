import { executeStep } from './saga-runner';
import { moduleSteps, type SagaStepDefinition, type SagaStepOptions } from './saga-step';

export interface SagaStep<Input, Result> extends SagaStepDefinition<Input, Result> {
  /** Run the step as part of the saga of the running code (a @Transactional({ mode: 'saga' }) method). */
  execute(input: Input): Promise<Result>;
}

/**
 * Define a saga step once, at module level, so that recovery in a new process can find its
 * compensation by name (a name defined twice with different code is a ConfigurationError):
 *
 * ```ts
 * export const reserveStock = defineSagaStep({
 *   name: 'reserve-stock',
 *   connection: 'inventory',
 *   run: (order: OrderInput) => Reservation.create({ sku: order.sku, quantity: order.quantity }),
 *   compensate: (reservation) => Reservation.where({ id: reservation.id }).deleteAll(),
 * });
 * // inside @Transactional({ connections: ['inventory', 'billing'], mode: 'saga' }):
 * const reservation = await reserveStock.execute(order);
 * ```
 */
export function defineSagaStep<Input, Result>(options: SagaStepOptions<Input, Result>): SagaStep<Input, Result> {
  const definition = moduleSteps.register(options.name, options, 'defineSagaStep');
  return { ...definition, execute: (input: Input) => executeStep(definition, input) };
}
