'use strict';
/** Drizzle on mysql2: prepared queries with placeholders, multi-row inserts in one transaction. */
const { peer, peerVersion } = require('./common/peer');

module.exports = {
  library: 'drizzle',
  backend: 'mariadb',
  label: () => `Drizzle ${peerVersion('drizzle-orm')}`,
  open: async (ctx) => {
    const { drizzle } = peer('drizzle-orm/mysql2');
    const { mysqlTable, int, varchar, double, boolean, datetime, decimal } = peer('drizzle-orm/mysql-core');
    const { eq, between, sql } = peer('drizzle-orm');
    const mysql = require('mysql2/promise');
    const table = (name) =>
      mysqlTable(name, {
        id: int('id').primaryKey().autoincrement(),
        name: varchar('name', { length: 255 }).notNull(),
        email: varchar('email', { length: 255 }).notNull(),
        age: int('age').notNull(),
        score: double('score').notNull(),
        active: boolean('active').notNull(),
        createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
        amount: decimal('amount', { precision: 12, scale: 2 }).notNull(),
      });
    const items = table('items');
    const inserts = table('inserts');
    const bulk = table('bulk');
    const pool = mysql.createPool({
      host: ctx.host,
      port: ctx.port,
      user: ctx.user,
      password: ctx.password,
      database: ctx.database,
      connectionLimit: 10,
      timezone: 'Z',
    });
    const db = drizzle({ client: pool });
    const find = db.select().from(items).where(eq(items.id, sql.placeholder('id'))).prepare();
    const range = db
      .select()
      .from(items)
      .where(between(items.id, sql.placeholder('lo'), sql.placeholder('hi')))
      .prepare();
    const CHUNK = 1000;
    return {
      insertOne: (row) => db.insert(inserts).values(row),
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
