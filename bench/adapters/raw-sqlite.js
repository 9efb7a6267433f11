'use strict';
/**
 * Raw better-sqlite3, as an expert writes it for the same result as the model API: statements
 * prepared once, the sync API, rows read as arrays (`.raw(true)`) and turned into objects by a
 * hand-written mapper (no per-row property lookups in the driver; the technique Drizzle uses),
 * which also makes the Date, the boolean and the property names the caller gets from the
 * library. Bulk inserts: multi-row prepared INSERTs of the library's chunk size (1,000 rows for
 * this table) inside db.transaction().
 */
const sqlite = require('../backends/sqlite');

const SELECT = 'SELECT id, name, email, age, score, active, created_at, amount FROM items';
const INSERT_COLUMNS = 'name, email, age, score, active, created_at, amount';
const WIDTH = 7;
const CHUNK = 1000;

const toItem = (v) => ({
  id: v[0],
  name: v[1],
  email: v[2],
  age: v[3],
  score: v[4],
  active: v[5] !== 0,
  createdAt: new Date(v[6]),
  amount: v[7],
});

function mapAll(rows) {
  for (let i = 0; i < rows.length; i++) rows[i] = toItem(rows[i]);
  return rows;
}

const tuples = (rows) => Array.from({ length: rows }, () => `(${new Array(WIDTH).fill('?').join(', ')})`).join(', ');

module.exports = {
  library: 'raw',
  backend: 'sqlite',
  label: () => `raw ${sqlite.driverLabel().split(' (')[0]}`,

  async open(ctx) {
    const Database = require('better-sqlite3');
    const db = new Database(ctx.file);
    sqlite.applyPragmas(db);
    const insert = db.prepare(`INSERT INTO inserts (${INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const find = db.prepare(`${SELECT} WHERE id = ?`).raw(true);
    const range = db.prepare(`${SELECT} WHERE id BETWEEN ? AND ?`).raw(true);
    const all = db.prepare(SELECT).raw(true);
    const chunks = new Map();
    const chunkStatement = (rows) => {
      let statement = chunks.get(rows);
      if (statement === undefined) {
        statement = db.prepare(`INSERT INTO bulk (${INSERT_COLUMNS}) VALUES ${tuples(rows)}`);
        chunks.set(rows, statement);
      }
      return statement;
    };
    const bulk = db.transaction((rows) => {
      for (let start = 0; start < rows.length; start += CHUNK) {
        const end = Math.min(start + CHUNK, rows.length);
        const values = new Array((end - start) * WIDTH);
        for (let r = start, k = 0; r < end; r++) {
          const row = rows[r];
          values[k++] = row.name;
          values[k++] = row.email;
          values[k++] = row.age;
          values[k++] = row.score;
          values[k++] = row.active ? 1 : 0;
          values[k++] = row.createdAt.toISOString();
          values[k++] = row.amount;
        }
        chunkStatement(end - start).run(values);
      }
      return rows.length;
    });
    return {
      sync: true,
      insertOne: (r) => insert.run(r.name, r.email, r.age, r.score, r.active ? 1 : 0, r.createdAt.toISOString(), r.amount).lastInsertRowid,
      findById: (id) => {
        const v = find.get(id);
        return v === undefined ? undefined : toItem(v);
      },
      range: (lo, hi) => mapAll(range.all(lo, hi)),
      bulkInsert: (rows) => bulk(rows),
      stream: function* () {
        for (const v of all.iterate()) yield toItem(v);
      },
      close: () => db.close(),
    };
  },
};
