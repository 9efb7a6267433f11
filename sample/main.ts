import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ActiveRecordExceptionFilter } from 'nestjs-activerecord';
import { AppModule } from './app.module';
import { CROSS_DATABASE_MODE } from './database-config';
import { OrderService } from './orders/order.service';
import { ShopExceptionFilter } from './orders/shop-exception.filter';

/**
 * `npm run sample`            runs a short demo against the two databases and exits.
 * `npm run sample -- serve`   serves the same over HTTP (PORT, default 3000; 0 picks a free port).
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'serve') return serve();
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  const shop = app.get(OrderService);
  console.log(`orders and billing commit together as a ${CROSS_DATABASE_MODE === 'saga' ? 'saga (two SQLite files cannot prepare)' : 'two-phase commit'}`);
  const placed = [
    await shop.placeOrder({ customer: 'ada', product: 'widget', quantity: 3 }),
    await shop.placeOrder({ customer: 'grace', product: 'gizmo', quantity: 1 }),
  ];
  for (const { order, invoice } of placed) {
    console.log(`order #${order.id} (${order.customer}: ${order.quantity} x ${order.product}) on 'orders' -> invoice #${invoice.id} for ${invoice.amount} on 'billing'`);
  }
  for (const [customer, product] of [['linus', 'spaceship'], ['mallory', 'widget']] as const) {
    const before = await shop.summary();
    try {
      await shop.placeOrder({ customer, product, quantity: 1 });
    } catch (error) {
      const after = await shop.summary();
      const untouched = after.orders === before.orders && after.invoices === before.invoices;
      console.log(`refused: ${(error as Error).message}; ${untouched ? 'neither database kept anything' : 'DATABASES DISAGREE'}`);
    }
  }
  console.log('totals:', await shop.summary());
  await app.close();
}

/**
 * What every HTTP entry point of the shop needs: the library's errors as 404/400/409, the
 * shop's own refusals as 422/402 (anything else stays a logged 500), and shutdown hooks so that
 * connections close on SIGTERM.
 */
export function configureShop(app: INestApplication): void {
  const { httpAdapter } = app.get(HttpAdapterHost);
  app.useGlobalFilters(new ActiveRecordExceptionFilter(httpAdapter), new ShopExceptionFilter(httpAdapter));
  app.enableShutdownHooks();
}

async function serve(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  configureShop(app);
  await app.listen(Number(process.env.PORT ?? 3000));
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  console.log(`Sample shop (${CROSS_DATABASE_MODE === 'saga' ? 'saga' : 'two-phase commit'}) on ${url}`);
  console.log(`  curl -X POST ${url}/orders -H 'content-type: application/json' -d '{"customer":"ada","product":"widget","quantity":2}'`);
  console.log(`  curl ${url}/orders   curl ${url}/orders/summary   curl ${url}/orders/1`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
