import type { SchemaBuilder } from 'nestjs-activerecord';

/*
 * The orders table, as `npx nestjs-activerecord migration:generate create_orders` wrote it from
 * the Order model. Earlier versions of the sample made this table with `synchronize`; a database
 * left by one is adopted as it is.
 */

export async function up(schema: SchemaBuilder): Promise<void> {
  if (await schema.hasTable('orders')) return;
  await schema.createTable('orders', (t) => {
    t.primaryKey();
    t.column('customer', 'string', { length: 100 });
    t.column('product', 'string', { length: 100 });
    t.column('quantity', 'integer');
    t.column('status', 'string', { default: 'placed', length: 20 });
    t.column('placedAt', 'datetime');
  });
}

export async function down(schema: SchemaBuilder): Promise<void> {
  await schema.dropTable('orders');
}
