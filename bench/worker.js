'use strict';
/**
 * One library on one backend, in a process of its own: the parent (run.js) asks it to open,
 * check, and run timed batches, one at a time. A process per library keeps libraries from
 * sharing a heap, a JIT, or process-wide state (an AsyncLocalStorage's promise hooks slow every
 * promise in the process), while the parent still interleaves them batch by batch.
 */
const { WorkloadRunner } = require('./harness/workloads');
const { row } = require('./harness/data');

let adapter;
let instance;
let admin;
let runner;

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const handlers = {
  async open({ adapterFile, ctx, settings }) {
    adapter = require(adapterFile);
    const backend = require(`./backends/${adapter.backend}`);
    try {
      instance = await adapter.open(ctx, settings);
    } catch (error) {
      if (error && error.skip) return { skipped: error.message };
      throw error;
    }
    admin = await backend.openAdmin(ctx);
    runner = new WorkloadRunner(instance, admin, settings);
    return { label: adapter.label(), sync: Boolean(instance.sync), note: adapter.note };
  },

  /** Each operation once, untimed, with its result checked: a fast wrong answer counts for nothing. */
  async verify({ settings }) {
    const expected = row(7);
    const one = await instance.findById(7);
    check(one && Number(one.id) === 7, `findById(7) returned ${JSON.stringify(one)}`);
    check(one.name === expected.name && one.email === expected.email, 'findById(7) has the seeded name and email');
    check(Number(one.age) === expected.age && Math.abs(Number(one.score) - expected.score) < 1e-9, 'findById(7) has the seeded numbers');
    check(Boolean(Number(one.active)) === expected.active, `findById(7).active is ${one.active}`);
    const created = one.createdAt ?? one.created_at;
    check(created !== undefined && new Date(created).getTime() === expected.createdAt.getTime(), `findById(7) created at ${created}`);
    const amount = one.amount;
    check(amount !== undefined && Number(amount) === Number(expected.amount), `findById(7).amount is ${amount}`);
    // The row shape handed to the caller, reported with the results where it differs.
    const shape = [];
    if (!(created instanceof Date)) shape.push(`dates as ${typeof created}s`);
    if (typeof amount !== 'string') shape.push(`decimals as ${typeof amount}s`);

    const lo = 11;
    const rows = await instance.range(lo, lo + settings.rangeRows - 1);
    check(Array.isArray(rows) && rows.length === settings.rangeRows, `range returned ${rows && rows.length} rows`);
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    check(ids[0] === lo && ids[ids.length - 1] === lo + settings.rangeRows - 1, 'range returned the right ids');
    check(rows.every((r) => r.name === `name ${r.id}`), 'range rows carry their names');

    await admin.reset('inserts');
    await instance.insertOne(row(1));
    check((await admin.count('inserts')) === 1, 'insertOne stored one row');
    await admin.reset('inserts');

    await admin.reset('bulk');
    const many = Array.from({ length: 2500 }, (_, i) => row(i + 1));
    await instance.bulkInsert(many);
    check((await admin.count('bulk')) === many.length, `bulkInsert stored ${many.length} rows`);
    await admin.reset('bulk');
    return { ok: true, shape: shape.join(', ') };
  },

  async reset({ workload }) {
    await runner.reset(workload);
    return {};
  },

  async run({ workload, durationMs }) {
    return runner.run(workload, durationMs);
  },

  async close() {
    try {
      if (instance) await instance.close();
    } finally {
      if (admin) await admin.close();
      instance = undefined;
      admin = undefined;
    }
    return {};
  },
};

process.on('message', async (message) => {
  const { id, command, args } = message;
  try {
    const handler = handlers[command];
    if (!handler) throw new Error(`unknown command '${command}'`);
    const result = await handler(args ?? {});
    process.send({ id, ok: true, result });
  } catch (error) {
    process.send({ id, ok: false, error: error && error.stack ? error.stack : String(error) });
  }
});

process.on('disconnect', () => process.exit(0));
