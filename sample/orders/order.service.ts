import { Injectable } from '@nestjs/common';
import { Transactional } from 'nestjs-activerecord';
import { Invoice } from '../billing/invoice.model';
import { CROSS_DATABASE_MODE } from '../database-config';
import { billOrder, recordOrder, type OrderInput } from './order-steps';
import { Order } from './order.model';
import { UnknownProductError } from './shop-errors';

/**
 * Prices in cents (money is counted in whole cents, never in floating-point dollars). A Map, not
 * an object literal: a product named 'constructor' or '__proto__' must not find a price.
 */
const PRICES_IN_CENTS = new Map<string, number>([
  ['widget', 999],
  ['gadget', 2450],
  ['gizmo', 12000],
]);

const toCents = (amount: string) => Math.round(Number(amount) * 100);
const fromCents = (cents: number) => (cents / 100).toFixed(2);

/** Places an order on the `orders` database and bills it on the `billing` database, together. */
@Injectable()
export class OrderService {
  /**
   * Both writes land, or neither does: a saga on two SQLite files (the default), real two-phase
   * commit when either database can prepare (PostgreSQL, MariaDB), by configuration alone.
   */
  @Transactional({ connections: ['orders', 'billing'], mode: CROSS_DATABASE_MODE })
  async placeOrder({ customer, product, quantity }: OrderInput) {
    const price = PRICES_IN_CENTS.get(product);
    if (price === undefined) throw new UnknownProductError(product, [...PRICES_IN_CENTS.keys()]);
    const order = await recordOrder.execute({ customer, product, quantity });
    const amount = fromCents(price * quantity);
    const invoice = await billOrder.execute({ orderId: order.id, customer, amount });
    return { order, invoice };
  }

  async summary(): Promise<{ orders: number; invoices: number; billed: string }> {
    const amounts = await Invoice.pluck('amount');
    const billed = fromCents(amounts.reduce((sum, amount) => sum + toCents(amount), 0));
    return { orders: await Order.count(), invoices: await Invoice.count(), billed };
  }
}
