'use strict';
/**
 * SQLite: one database file per library under bench/.data, with the pragmas the library uses for
 * file databases (see lib/backend/sqlite/backend.ts): journal_mode=WAL, synchronous=NORMAL,
 * foreign_keys=ON. Every adapter that opens the file itself applies them too.
 */
const fs = require('node:fs');
const path = require('node:path');
const { row, COLUMNS } = require('../harness/data');

const DATA_DIR = path.join(__dirname, '..', '.data');
const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON'];
const TABLES = ['items', 'inserts', 'bulk'];

const tableDdl = (table) =>
  `CREATE TABLE "${table}" (` +
  `"id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "email" TEXT NOT NULL, ` +
  `"age" INTEGER NOT NULL, "score" REAL NOT NULL, "active" INTEGER NOT NULL, ` +
  // As the library stores them: instants as ISO-8601 UTC text, decimals as text.
  `"created_at" TEXT NOT NULL, "amount" TEXT NOT NULL)`;

function driver() {
  return require('better-sqlite3');
}

function applyPragmas(db) {
  for (const pragma of PRAGMAS) db.pragma(pragma);
}

function removeFile(file) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

module.exports = {
  name: 'sqlite',
  title: 'SQLite',
  PRAGMAS,
  applyPragmas,

  driverLabel() {
    const version = require('better-sqlite3/package.json').version;
    const sqlite = new (driver())(':memory:').prepare('SELECT sqlite_version() AS v').get().v;
    return `better-sqlite3 ${version} (SQLite ${sqlite})`;
  },

  /** Why this backend cannot run here, or null. */
  async probe() {
    try {
      driver();
      return null;
    } catch (error) {
      return `better-sqlite3 does not load: ${error.message.split('\n')[0]}`;
    }
  },

  /** Create the library's database with the shared schema and `seedRows` rows in `items`. */
  async prepare(key, { seedRows }) {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    const file = path.join(DATA_DIR, `sqlite-${key}.db`);
    removeFile(file);
    const Database = driver();
    const db = new Database(file);
    try {
      applyPragmas(db);
      for (const table of TABLES) db.exec(tableDdl(table));
      const insert = db.prepare(`INSERT INTO items (${COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      db.transaction(() => {
        for (let i = 1; i <= seedRows; i++) {
          const r = row(i);
          insert.run(r.name, r.email, r.age, r.score, r.active ? 1 : 0, r.createdAt.toISOString(), r.amount);
        }
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return { backend: 'sqlite', file };
  },

  async cleanup(ctx) {
    removeFile(ctx.file);
  },

  /** A side connection for untimed chores (emptying tables, counting rows). */
  async openAdmin(ctx) {
    const Database = driver();
    const db = new Database(ctx.file);
    applyPragmas(db);
    return {
      async reset(table) {
        db.exec(`DELETE FROM "${table}"`);
      },
      async count(table) {
        return db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get().n;
      },
      /** Untimed setup SQL of the cliff checks. */
      async exec(sql) {
        db.exec(sql);
      },
      async close() {
        db.close();
      },
    };
  },
};
