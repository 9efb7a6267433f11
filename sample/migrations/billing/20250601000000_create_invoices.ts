import type { SchemaBuilder } from 'nestjs-activerecord';

/*
 * The invoices table, as `npx nestjs-activerecord migration:generate create_invoices` wrote it
 * from the Invoice model. Earlier versions of the sample made this table with `synchronize`; a
 * database left by one is adopted as it is.
 */

export async function up(schema: SchemaBuilder): Promise<void> {
  if (await schema.hasTable('invoices')) return;
  await schema.createTable('invoices', (t) => {
    t.primaryKey();
    t.column('orderId', 'integer');
    t.column('customer', 'string', { length: 100 });
    t.column('amount', 'decimal');
  });
}

export async function down(schema: SchemaBuilder): Promise<void> {
  await schema.dropTable('invoices');
}
