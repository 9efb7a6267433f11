import { Injectable } from '@nestjs/common';
import { Transactional } from 'nestjs-activerecord';
import { Invoice } from '../billing/invoice.model';
import { CROSS_DATABASE_MODE } from '../database-config';
import { billOrder, recordOrder } from './order-steps';
import { Order } from './order.model';

const PRICES: Record<string, string> = { widget: '9.99', gadget: '24.50', gizmo: '120.00' };

/** Places an order on the `orders` database and bills it on the `billing` database, together. */
@Injectable()
export class OrderService {
  /**
   * Both writes land, or neither does: a saga on two SQLite files (the default), real two-phase
   * commit when either database can prepare (PostgreSQL, MariaDB), by configuration alone.
   */
  @Transactional({ connections: ['orders', 'billing'], mode: CROSS_DATABASE_MODE })
  async placeOrder(customer: string, product: string, quantity: number) {
    const price = PRICES[product];
    if (!price) throw new Error(`Unknown product '${product}' (try: ${Object.keys(PRICES).join(', ')})`);
    const order = await recordOrder.execute({ customer, product, quantity });
    const amount = (Number(price) * quantity).toFixed(2);
    const invoice = await billOrder.execute({ orderId: order.id, customer, amount });
    return { order, invoice };
  }

  async summary(): Promise<{ orders: number; invoices: number; billed: string }> {
    const amounts = await Invoice.pluck('amount');
    const billed = amounts.reduce((sum, amount) => sum + Number(amount), 0).toFixed(2);
    return { orders: await Order.count(), invoices: await Invoice.count(), billed };
  }
}
