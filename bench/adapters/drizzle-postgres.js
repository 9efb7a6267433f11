'use strict';
/** Drizzle on pg: named prepared queries with placeholders, multi-row inserts in one transaction. */
const { peer, peerVersion } = require('./common/peer');

module.exports = {
  library: 'drizzle',
  backend: 'postgres',
  label: () => `Drizzle ${peerVersion('drizzle-orm')}`,
  open: async (ctx) => {
    const { drizzle } = peer('drizzle-orm/node-postgres');
    const { pgTable, serial, varchar, integer, doublePrecision, boolean, timestamp, numeric } = peer('drizzle-orm/pg-core');
    const { eq, between, sql } = peer('drizzle-orm');
    const pg = require('pg');
    const table = (name) =>
      pgTable(name, {
        id: serial('id').primaryKey(),
        name: varchar('name', { length: 255 }).notNull(),
        email: varchar('email', { length: 255 }).notNull(),
        age: integer('age').notNull(),
        score: doublePrecision('score').notNull(),
        active: boolean('active').notNull(),
        createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
        amount: numeric('amount', { precision: 12, scale: 2 }).notNull(),
      });
    const items = table('items');
    const inserts = table('inserts');
    const bulk = table('bulk');
    const pool = new pg.Pool({ connectionString: ctx.url, max: 10 });
    const db = drizzle({ client: pool });
    const find = db.select().from(items).where(eq(items.id, sql.placeholder('id'))).prepare('find');
    const range = db
      .select()
      .from(items)
      .where(between(items.id, sql.placeholder('lo'), sql.placeholder('hi')))
      .prepare('range');
    const CHUNK = 1000;
    return {
      insertOne: (row) => db.insert(inserts).values(row).returning({ id: inserts.id }),
      findById: async (id) => (await find.execute({ id }))[0],
      range: (lo, hi) => range.execute({ lo, hi }),
      bulkInsert: (rows) =>
        db.transaction(async (tx) => {
          for (let i = 0; i < rows.length; i += CHUNK) await tx.insert(bulk).values(rows.slice(i, i + CHUNK));
        }),
      close: () => pool.end(),
    };
  },
};
