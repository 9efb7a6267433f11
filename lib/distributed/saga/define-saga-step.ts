import { executeStep } from './saga-runner';
import { registerStep, type SagaStepDefinition, type SagaStepOptions } from './saga-step';

export interface SagaStep<Input, Result> extends SagaStepDefinition<Input, Result> {
  /** Run the step as part of the saga of the running code (a @Transactional({ mode: 'saga' }) method). */
  execute(input: Input): Promise<Result>;
}

/**
 * Define a saga step once, at module level, so that recovery in a new process can find its
 * compensation by name:
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
  const definition = registerStep(options.name, options);
  return { ...definition, execute: (input: Input) => executeStep(definition, input) };
}
