'use strict';
/**
 * Drizzle on better-sqlite3, as its docs advise for speed: prepared queries with placeholders,
 * the driver's synchronous API, multi-row inserts in chunks inside one (sync) transaction.
 */
const sqlite = require('../backends/sqlite');
const { peer, peerVersion } = require('./common/peer');

module.exports = {
  library: 'drizzle',
  backend: 'sqlite',
  label: () => `Drizzle ${peerVersion('drizzle-orm')}`,
  open: async (ctx) => {
    const { drizzle } = peer('drizzle-orm/better-sqlite3');
    const { sqliteTable, integer, text, real, customType } = peer('drizzle-orm/sqlite-core');
    const { eq, between, sql } = peer('drizzle-orm');
    const Database = require('better-sqlite3');
    // The table keeps instants as ISO-8601 text (as the library does); Drizzle's own timestamp
    // modes are integers, so a Drizzle user with such a table writes this custom type.
    const isoDate = customType({
      dataType: () => 'text',
      toDriver: (value) => value.toISOString(),
      fromDriver: (value) => new Date(value),
    });
    const table = (name) =>
      sqliteTable(name, {
        id: integer('id').primaryKey({ autoIncrement: true }),
        name: text('name').notNull(),
        email: text('email').notNull(),
        age: integer('age').notNull(),
        score: real('score').notNull(),
        active: integer('active', { mode: 'boolean' }).notNull(),
        createdAt: isoDate('created_at').notNull(),
        amount: text('amount').notNull(),
      });
    const items = table('items');
    const inserts = table('inserts');
    const bulk = table('bulk');
    const client = new Database(ctx.file);
    sqlite.applyPragmas(client);
    const db = drizzle({ client });
    const find = db.select().from(items).where(eq(items.id, sql.placeholder('id'))).prepare();
    const range = db
      .select()
      .from(items)
      .where(between(items.id, sql.placeholder('lo'), sql.placeholder('hi')))
      .prepare();
    const all = db.select().from(items).prepare();
    const CHUNK = 1000;
    return {
      sync: true,
      insertOne: (row) => db.insert(inserts).values(row).run(),
      findById: (id) => find.get({ id }),
      range: (lo, hi) => range.all({ lo, hi }),
      bulkInsert: (rows) =>
        db.transaction((tx) => {
          for (let i = 0; i < rows.length; i += CHUNK) tx.insert(bulk).values(rows.slice(i, i + CHUNK)).run();
        }),
      stream: () => all.iterate(),
      close: () => client.close(),
    };
  },
};
