'use strict';
/**
 * One model variant on one backend, in a process of its own (a variant whose saves open
 * transactions turns on AsyncLocalStorage, whose promise hooks would slow every other variant
 * sharing the process). Driven by run.js over IPC: open, verify, then timed batches.
 */
const path = require('node:path');
const { defineVariant, row } = require('./models');

const lib = require(process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(__dirname, '..', '..', 'dist'));

let registry;
let Item;
let Insert;
let seeded = 0;
let rangeRows = 100;
let cursor = 0;
let inserted = 0;

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const handlers = {
  async open({ variant, connection, key, settings }) {
    Item = defineVariant(lib, variant, `life_${variant}_items`);
    Insert = defineVariant(lib, variant, `life_${variant}_inserts`);
    registry = await lib.ConnectionRegistry.open({
      connections: { main: connection },
      models: [Item, Insert],
      encryption: { keys: [{ id: 'bench', key }] },
      logger: { log() {}, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) },
    });
    await registry.schema.dropTables();
    await registry.schema.createTables();
    const rows = Array.from({ length: settings.seedRows }, (_, i) => row(i + 1));
    for (let start = 0; start < rows.length; start += 5000) await Item.insertAll(rows.slice(start, start + 5000));
    seeded = settings.seedRows;
    rangeRows = settings.rangeRows;
    return { seeded };
  },

  async verify() {
    const one = await Item.find(7);
    check(one.email === 'user7@example.com' && one.name === 'name 7', `find(7) read ${one.email}`);
    const rows = await Item.where({ id: { between: [11, 10 + rangeRows] } }).all();
    check(rows.length === rangeRows && rows.every((r) => r.email === `user${r.id}@example.com`), 'range reads every row, decrypted');
    const made = await Insert.create(row(1));
    check(typeof made.id === 'number' && (await Insert.count()) === 1, 'create stored one row');
    await Insert.deleteAll();
    return {};
  },

  async reset({ workload }) {
    if (workload === 'insert') await Insert.deleteAll();
    return {};
  },

  async run({ workload, durationMs }) {
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(durationMs) * 1_000_000n;
    let ops = 0;
    let now = start;
    while (now < deadline) {
      for (let k = 0; k < 16; k++) {
        if (workload === 'insert') {
          await Insert.create(row(++inserted));
        } else if (workload === 'select') {
          const lo = 1 + (cursor++ * 37) % (seeded - rangeRows);
          const rows = await Item.where({ id: { between: [lo, lo + rangeRows - 1] } }).all();
          if (rows.length !== rangeRows) throw new Error(`range read ${rows.length} rows`);
        } else {
          const id = 1 + (cursor++ * 7919) % seeded;
          await Item.find(id);
        }
        ops++;
      }
      now = process.hrtime.bigint();
    }
    return { ops, ms: Number(now - start) / 1e6 };
  },

  async close() {
    if (registry) {
      await registry.schema.dropTables().catch(() => undefined);
      await registry.close();
    }
    return {};
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    const result = await handlers[command](args);
    process.send({ id, ok: true, result });
  } catch (error) {
    process.send({ id, ok: false, error: error && error.stack ? error.stack : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
