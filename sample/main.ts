import 'reflect-metadata';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ActiveRecordExceptionFilter, RecordNotFoundError } from 'nestjs-activerecord';
import { AppModule } from './app.module';
import { CROSS_DATABASE_MODE } from './database-config';
import { OrderService } from './orders/order.service';

/**
 * `npm run sample`            runs a short demo against the two databases and exits.
 * `npm run sample -- serve`   serves the same over HTTP (PORT, default 3000).
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'serve') return serve();
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  const shop = app.get(OrderService);
  console.log(`orders and billing commit together as a ${CROSS_DATABASE_MODE === 'saga' ? 'saga (two SQLite files cannot prepare)' : 'two-phase commit'}`);
  const placed = [
    await shop.placeOrder('ada', 'widget', 3),
    await shop.placeOrder('grace', 'gizmo', 1),
  ];
  for (const { order, invoice } of placed) {
    console.log(`order #${order.id} (${order.customer}: ${order.quantity} x ${order.product}) on 'orders' -> invoice #${invoice.id} for ${invoice.amount} on 'billing'`);
  }
  for (const [customer, product] of [['linus', 'spaceship'], ['mallory', 'widget']] as const) {
    const before = await shop.summary();
    try {
      await shop.placeOrder(customer, product, 1);
    } catch (error) {
      const after = await shop.summary();
      const untouched = after.orders === before.orders && after.invoices === before.invoices;
      console.log(`refused: ${(error as Error).message}; ${untouched ? 'neither database kept anything' : 'DATABASES DISAGREE'}`);
    }
  }
  console.log('totals:', await shop.summary());
  await app.close();
}

async function serve(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  // RecordNotFoundError -> 404, ValidationError -> 400, unique conflicts -> 409.
  app.useGlobalFilters(new ActiveRecordExceptionFilter(app.get(HttpAdapterHost).httpAdapter));
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  console.log(`Sample shop on http://localhost:${port}`);
  console.log(`  curl -X POST localhost:${port}/orders -H 'content-type: application/json' -d '{"customer":"ada","product":"widget","quantity":2}'`);
  console.log(`  curl localhost:${port}/orders   curl localhost:${port}/orders/summary`);
}

main().catch((error: unknown) => {
  console.error(error instanceof RecordNotFoundError ? error.message : error);
  process.exit(1);
});
