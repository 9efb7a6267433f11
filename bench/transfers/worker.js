'use strict';
/**
 * One transfer variant in a process of its own, driven by run.js over IPC: open, verify, timed
 * batches, a round-trip count, close. Transfer i debits PostgreSQL account 1 + i mod n and
 * credits MariaDB account 1 + (i * 7919) mod n with 1 + i mod 9; the worker adds up what it
 * moved, so the parent can check both databases' sums at the end.
 */
const { performance } = require('node:perf_hooks');
const { countRoundTrips } = require('./common');

let variant;
let instance;
let settings;
let next = 0;
let moved = 0;
let transfers = 0;

function one() {
  const i = next++;
  const n = settings.accounts;
  const amount = 1 + (i % 9);
  return instance.transfer(1 + (i % n), 1 + ((i * 7919) % n), amount).then(() => {
    moved += amount;
    transfers++;
  });
}

/**
 * Run transfers for `durationMs` with `concurrency` in flight: ops, elapsed ms, and this
 * process's CPU time (user + system) in the batch, which the servers' fsyncs do not inflate.
 */
async function timed(durationMs) {
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  const lane = async () => {
    while (performance.now() < end) {
      await one();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, lane));
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ops, ms, cpuMs: (used.user + used.system) / 1000 };
}

const handlers = {
  async open({ variantFile, ctx, settings: given }) {
    settings = given;
    variant = require(variantFile);
    instance = await variant.open(ctx, settings);
    return { label: instance.label };
  },

  /** One transfer of a known amount, checked by the parent; returns what moved so far. */
  async once() {
    await one();
    await instance.settle?.();
    return { moved, transfers };
  },

  async run({ durationMs }) {
    return timed(durationMs);
  },

  /** `count` transfers one after the other with the drivers instrumented: statements per transfer. */
  async count({ count }) {
    await instance.settle?.();
    const counter = countRoundTrips();
    let statements;
    try {
      for (let i = 0; i < count; i++) await one();
      await instance.settle?.();
    } finally {
      statements = counter.stop();
    }
    return statements.map((s) => ({ ...s, perTransfer: s.count / count }));
  },

  async close() {
    await instance?.settle?.().catch(() => undefined);
    await instance?.close();
    instance = undefined;
    return { moved, transfers };
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    const handler = handlers[command];
    if (!handler) throw new Error(`unknown command '${command}'`);
    process.send({ id, ok: true, result: await handler(args ?? {}) });
  } catch (error) {
    process.send({ id, ok: false, error: error && error.stack ? error.stack : String(error) });
  }
});

process.on('disconnect', () => process.exit(0));
