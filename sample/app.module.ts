import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { ActiveRecordModule } from 'nestjs-activerecord';
import { Invoice } from './billing/invoice.model';
import { BILLING_DB, connectionFromUrl, ORDERS_DB } from './database-config';
import { Order } from './orders/order.model';
import { OrderService } from './orders/order.service';
import { OrdersController } from './orders/orders.controller';

@Module({
  imports: [
    ActiveRecordModule.forRootAsync({
      useFactory: () => ({
        connections: {
          orders: connectionFromUrl(ORDERS_DB),
          billing: connectionFromUrl(BILLING_DB),
          // Where the coordinator keeps its decision and saga logs.
          journal: { backend: 'sqlite', database: './data/journal.db' },
        },
        defaultConnection: 'orders',
        models: [Order, Invoice],
        coordinator: { log: { connection: 'journal' } },
        // migrations/orders/ and migrations/billing/, compiled beside this file.
        migrations: { directory: join(__dirname, 'migrations') },
      }),
    }),
  ],
  controllers: [OrdersController],
  providers: [OrderService],
})
export class AppModule {}
