'use strict';
/**
 * The four cliffs of issue #16 as benchmark checks: the same result through the raw driver and
 * through the model API, each variant in a process of its own (worker.js). Each scenario has
 * `setup(admin)` (untimed: tables, rows, indexes, run once by the parent) and, per variant,
 * `open(ctx)` returning `{ op(), close() }` where `op()` does one unit of the work.
 */
const { loadLibrary } = require('../adapters/common/ours');

const PAGE_READINGS = 100_000;
const WIDE_COLUMNS = 100;
const WIDE_ROWS = 2000;
const IN_LIST = 70_000;

/** Models of the checks, defined on the built library as ours.js does (decorators by hand). */
function models(ar) {
  const Reading = class Reading extends ar.ActiveRecord {};
  ar.PrimaryKey({ type: 'integer' })(Reading.prototype, 'id');
  ar.Column({ type: 'integer' })(Reading.prototype, 'score');
  ar.Column({ type: 'string' })(Reading.prototype, 'label');
  ar.Model({ table: 'readings', connection: 'bench' })(Reading);

  const Wide = class Wide extends ar.ActiveRecord {};
  ar.PrimaryKey({ type: 'integer' })(Wide.prototype, 'id');
  for (let i = 0; i < WIDE_COLUMNS; i++) ar.Column({ type: 'string' })(Wide.prototype, `c${i}`);
  ar.Model({ table: 'wide', connection: 'bench' })(Wide);

  const Item = class Item extends ar.ActiveRecord {};
  ar.PrimaryKey({ type: 'integer' })(Item.prototype, 'id');
  for (const [property, type, name] of [
    ['name', 'string'],
    ['email', 'string'],
    ['age', 'integer'],
    ['score', 'float'],
    ['active', 'boolean'],
    ['createdAt', 'datetime', 'created_at'],
  ]) {
    ar.Column({ type, ...(name ? { name } : {}) })(Item.prototype, property);
  }
  ar.Column({ type: 'decimal', precision: 12, scale: 2 })(Item.prototype, 'amount');
  ar.Model({ table: 'items', connection: 'bench' })(Item);
  return { Reading, Wide, Item };
}

async function openOursModels(ctx) {
  const ar = loadLibrary();
  const all = models(ar);
  const connection =
    ctx.backend === 'sqlite' ? { backend: 'sqlite', database: ctx.file } : { backend: ctx.backend === 'mariadb' ? 'mariadb' : 'postgres', url: ctx.url };
  const registry = await ar.ConnectionRegistry.open({
    connections: { bench: connection },
    models: Object.values(all),
    logger: { log() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), debug() {} },
  });
  return { ...all, close: () => registry.close() };
}

const wideRow = (r) => {
  const row = {};
  for (let i = 0; i < WIDE_COLUMNS; i++) row[`c${i}`] = `value ${r}-${i}`;
  return row;
};
const wideColumns = Array.from({ length: WIDE_COLUMNS }, (_, i) => `c${i}`);

let cursor = 0;
/** Pseudo-random page starts, the same sequence in every process. */
const nextStart = () => (cursor = (cursor * 1103515245 + 12345) % 2147483648) % (PAGE_READINGS - 200);

const SCENARIOS = {
  /** Cliff 1: a paged range query on PostgreSQL, prepared, after PostgreSQL's five custom plans. */
  'paged-range': {
    backends: ['postgres'],
    title: 'paged range select (score BETWEEN a AND a+199 ORDER BY id LIMIT 100, indexed score)',
    target: 0.9,
    async setup(admin) {
      await admin.exec('CREATE TABLE readings (id SERIAL PRIMARY KEY, score INTEGER NOT NULL, label VARCHAR(255) NOT NULL)');
      await admin.exec(
        `INSERT INTO readings (score, label) SELECT (i * 7919) % 100000, 'r' || i FROM generate_series(1, ${PAGE_READINGS}) AS i`,
      );
      await admin.exec('CREATE INDEX readings_score ON readings (score)');
      await admin.exec('VACUUM ANALYZE readings');
    },
    variants: {
      // What an expert writes: a named statement, the page size written into it.
      raw: async (ctx) => {
        const pool = new (require('pg').Pool)({ connectionString: ctx.url, max: 10 });
        const text = 'SELECT id, score, label FROM readings WHERE score BETWEEN $1 AND $2 ORDER BY id LIMIT 100';
        return {
          op: async () => {
            const a = nextStart();
            const { rows } = await pool.query({ name: 'page', text, values: [a, a + 199] });
            if (rows.length === 0) throw new Error('empty page');
          },
          close: () => pool.end(),
        };
      },
      ours: async (ctx) => {
        const { Reading, close } = await openOursModels(ctx);
        return {
          op: async () => {
            const a = nextStart();
            const rows = await Reading.where({ score: { between: [a, a + 199] } }).orderBy('id').limit(100).all();
            if (rows.length === 0) throw new Error('empty page');
          },
          close,
        };
      },
    },
  },

  /** Cliff 2: bulk inserts of a 100-column model on PostgreSQL. */
  'wide-bulk': {
    backends: ['postgres'],
    title: `bulk insert of ${WIDE_ROWS.toLocaleString('en-US')} rows x ${WIDE_COLUMNS} columns`,
    target: 0.9,
    unit: 'inserts/s',
    async setup(admin) {
      await admin.exec(`CREATE TABLE wide (id SERIAL PRIMARY KEY, ${wideColumns.map((c) => `${c} VARCHAR(255) NOT NULL`).join(', ')})`);
    },
    reset: (admin) => admin.exec('TRUNCATE wide'),
    variants: {
      // The issue's baseline: 100-row multi-row INSERTs, prepared (named), in one transaction.
      raw: async (ctx) => {
        const pool = new (require('pg').Pool)({ connectionString: ctx.url, max: 10 });
        const CHUNK = 100;
        const tuples = Array.from({ length: CHUNK }, (_, r) => `(${wideColumns.map((_, c) => `$${r * WIDE_COLUMNS + c + 1}`).join(', ')})`);
        const text = `INSERT INTO wide (${wideColumns.join(', ')}) VALUES ${tuples.join(', ')}`;
        const rows = Array.from({ length: WIDE_ROWS }, (_, r) => wideRow(r));
        return {
          op: async () => {
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              for (let s = 0; s < rows.length; s += CHUNK) {
                const values = [];
                for (let r = s; r < s + CHUNK; r++) for (const c of wideColumns) values.push(rows[r][c]);
                await client.query({ name: 'wide', text, values });
              }
              await client.query('COMMIT');
            } finally {
              client.release();
            }
          },
          close: () => pool.end(),
        };
      },
      ours: async (ctx) => {
        const { Wide, close } = await openOursModels(ctx);
        const rows = Array.from({ length: WIDE_ROWS }, (_, r) => wideRow(r));
        return { op: () => Wide.insertAll(rows), close };
      },
    },
  },

  /** Cliff 3: an IN list past every placeholder limit. */
  'in-list': {
    backends: ['sqlite', 'postgres', 'mariadb'],
    title: `count by an IN list of ${IN_LIST.toLocaleString('en-US')} ids`,
    target: 0,
    variants: {
      // What works with the raw drivers: PostgreSQL's array parameter, SQLite's json_each, and
      // mysql2's text protocol (query(), which escapes the values into the SQL text).
      raw: async (ctx) => {
        const ids = Array.from({ length: IN_LIST }, (_, i) => i * 3 + 1);
        if (ctx.backend === 'sqlite') {
          const db = new (require('better-sqlite3'))(ctx.file);
          const statement = db.prepare('SELECT COUNT(*) AS n FROM items WHERE id IN (SELECT value FROM json_each(?))');
          return { sync: true, op: () => statement.get(JSON.stringify(ids)).n, close: () => db.close() };
        }
        if (ctx.backend === 'postgres') {
          const pool = new (require('pg').Pool)({ connectionString: ctx.url, max: 10 });
          return {
            op: async () => (await pool.query({ name: 'in', text: 'SELECT COUNT(*) AS n FROM items WHERE id = ANY($1)', values: [ids] })).rows[0].n,
            close: () => pool.end(),
          };
        }
        const pool = require('mysql2/promise').createPool({ uri: ctx.url, connectionLimit: 10 });
        return { op: async () => (await pool.query('SELECT COUNT(*) AS n FROM items WHERE id IN (?)', [ids]))[0][0].n, close: () => pool.end() };
      },
      ours: async (ctx) => {
        const { Item, close } = await openOursModels(ctx);
        const ids = Array.from({ length: IN_LIST }, (_, i) => i * 3 + 1);
        return { op: () => Item.where({ id: ids }).count(), close };
      },
    },
  },

  /** Cliff 4: time to the first row of a stream over the whole table, left after 10 rows. */
  'stream-start': {
    backends: ['sqlite', 'postgres', 'mariadb'],
    title: 'stream(): time to the first 10 rows of the whole table (leaving the loop untimed)',
    // MariaDB reads as it goes too, but a stream left early outside a transaction closes its
    // connection (a result in flight cannot be stopped otherwise), so the next one waits for a
    // new connection: shown, not held to the target (bench/README.md).
    target: { sqlite: 0.5, postgres: 0.5, mariadb: 0 },
    unit: 'starts/s',
    variants: {
      // The model API's own baseline: findInBatches reads its first batch with one query.
      'first batch': async (ctx) => {
        const { Item, close } = await openOursModels(ctx);
        return {
          op: async () => {
            const start = performance.now();
            let timed = 0;
            for await (const batch of Item.findInBatches({ batchSize: 1000 })) {
              if (batch.length === 0) throw new Error('no rows');
              timed = performance.now() - start;
              break;
            }
            return { timedMs: timed };
          },
          close,
        };
      },
      ours: async (ctx) => {
        const { Item, close } = await openOursModels(ctx);
        return {
          op: async () => {
            const start = performance.now();
            let timed = 0;
            let n = 0;
            for await (const _item of Item.stream({ batchSize: 1000 })) {
              if (++n === 10) {
                timed = performance.now() - start;
                break;
              }
            }
            if (n !== 10) throw new Error('no rows');
            return { timedMs: timed };
          },
          close,
        };
      },
    },
  },
};

module.exports = { SCENARIOS };
