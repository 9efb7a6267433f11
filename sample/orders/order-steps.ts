import { defineSagaStep } from 'nestjs-activerecord';
import { Invoice } from '../billing/invoice.model';
import { Order } from './order.model';
import { PaymentDeclinedError } from './shop-errors';

/**
 * The two writes of placing an order, as steps that know how to undo themselves. Under two-phase
 * commit (PostgreSQL + MariaDB) they simply run inside the unit; as a saga (two SQLite files,
 * which cannot prepare) each commits at once and a later failure runs the compensations.
 * Defined at module level so that recovery, after a crash, finds the compensations by name.
 */

export interface OrderInput {
  customer: string;
  product: string;
  quantity: number;
}

export const recordOrder = defineSagaStep({
  name: 'shop.record-order',
  connection: 'orders',
  run: async (input: OrderInput) => (await Order.create({ ...input, placedAt: new Date() })).toJSON(),
  compensate: async (order) => {
    await Order.where({ id: order.id }).deleteAll();
  },
});

export const billOrder = defineSagaStep({
  name: 'shop.bill-order',
  connection: 'billing',
  run: async (input: { orderId: number; customer: string; amount: string }) => {
    // The sample's payment provider declines one customer, to show a unit undone.
    if (input.customer === 'mallory') throw new PaymentDeclinedError(input.customer);
    return (await Invoice.create(input)).toJSON();
  },
  compensate: async (invoice) => {
    await Invoice.where({ id: invoice.id }).deleteAll();
  },
});
