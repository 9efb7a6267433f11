'use strict';
/**
 * Raw better-sqlite3, the way a careful user writes it: statements prepared once, the sync API,
 * a per-row prepared insert inside db.transaction() for bulk work.
 */
const sqlite = require('../backends/sqlite');

const SELECT = 'SELECT id, name, email, age, score, active FROM items';

module.exports = {
  library: 'raw',
  backend: 'sqlite',
  label: () => `raw ${sqlite.driverLabel().split(' (')[0]}`,

  async open(ctx) {
    const Database = require('better-sqlite3');
    const db = new Database(ctx.file);
    sqlite.applyPragmas(db);
    const insert = db.prepare('INSERT INTO inserts (name, email, age, score, active) VALUES (?, ?, ?, ?, ?)');
    const find = db.prepare(`${SELECT} WHERE id = ?`);
    const range = db.prepare(`${SELECT} WHERE id BETWEEN ? AND ?`);
    const all = db.prepare(SELECT);
    const bulkInsert = db.prepare('INSERT INTO bulk (name, email, age, score, active) VALUES (?, ?, ?, ?, ?)');
    const bulk = db.transaction((rows) => {
      for (const r of rows) bulkInsert.run(r.name, r.email, r.age, r.score, r.active ? 1 : 0);
      return rows.length;
    });
    return {
      sync: true,
      insertOne: (r) => insert.run(r.name, r.email, r.age, r.score, r.active ? 1 : 0).lastInsertRowid,
      findById: (id) => find.get(id),
      range: (lo, hi) => range.all(lo, hi),
      bulkInsert: (rows) => bulk(rows),
      stream: () => all.iterate(),
      close: () => db.close(),
    };
  },
};
