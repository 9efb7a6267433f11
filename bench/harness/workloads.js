'use strict';
/**
 * The workloads, the same for every library and backend. Each adapter instance implements:
 *
 *   insertOne(row)        insert one row, autocommit (resolve when it is stored)
 *   findById(id)          read one row by primary key, as the library's record/object
 *   range(lo, hi)         read the rows with lo <= id <= hi (100 of them), as records
 *   bulkInsert(rows)      insert all rows in one transaction
 *   stream()              optional: an (async) iterable over every row of `items`
 *   close()
 *
 * and sets `sync: true` when its methods return plain values rather than promises (raw
 * better-sqlite3, Drizzle on better-sqlite3): the timing loop then calls them without `await`,
 * as their users would.
 */
const { row, idSequence } = require('./data');

const WORKLOADS = {
  insert: {
    title: 'single insert',
    detail: 'one row per op, autocommit',
    unit: 'ops/s',
    timing: 'duration',
    table: 'inserts',
  },
  find: {
    title: 'point select by id',
    detail: 'one row by primary key, hydrated',
    unit: 'ops/s',
    timing: 'duration',
  },
  range: {
    title: 'range select, 100 rows',
    detail: 'id BETWEEN a AND a+99, hydrated',
    unit: 'ops/s',
    timing: 'duration',
  },
  bulk: {
    title: 'bulk insert',
    detail: 'rows in one transaction',
    unit: 'ops/s',
    timing: 'each',
    table: 'bulk',
  },
};

const SEQUENCE_LENGTH = 1 << 16;
const MASK = SEQUENCE_LENGTH - 1;
/** Time is read once per this many ops, so reading the clock costs next to nothing. */
const CHUNK = 16;

/**
 * Runs workloads against one adapter instance. Keeps its own position in the id sequence
 * across batches, so successive batches read different rows.
 */
class WorkloadRunner {
  constructor(instance, admin, settings) {
    this.instance = instance;
    this.admin = admin;
    this.settings = settings;
    this.ids = idSequence(SEQUENCE_LENGTH, settings.seedRows);
    this.starts = idSequence(SEQUENCE_LENGTH, Math.max(1, settings.seedRows - settings.rangeRows + 1));
    this.position = 0;
    this.inserted = 0;
  }

  /** One batch of a workload; returns { ops, ms } of timed work only. */
  async run(workload, durationMs) {
    switch (workload) {
      case 'insert':
        return this.timed(durationMs, this.instance.sync ? this.insertSync() : this.insertAsync());
      case 'find':
        return this.timed(durationMs, this.instance.sync ? this.findSync() : this.findAsync());
      case 'range':
        return this.timed(durationMs, this.instance.sync ? this.rangeSync() : this.rangeAsync());
      case 'bulk':
        return this.bulk(durationMs);
      default:
        throw new Error(`unknown workload '${workload}'`);
    }
  }

  /** Untimed: empty the table a workload writes to. */
  async reset(workload) {
    const table = WORKLOADS[workload]?.table;
    if (table) await this.admin.reset(table);
  }

  async timed(durationMs, loop) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const deadline = start + durationMs;
    const ops = await loop(deadline);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { ops, ms, cpuMicros: used.user + used.system };
  }

  // The loops below are written out per workload (rather than one loop calling a closure) so
  // that each is a tight monomorphic loop, the way a user's code would call the library.

  insertSync() {
    return (deadline) => {
      const db = this.instance;
      let ops = 0;
      do {
        for (let k = 0; k < CHUNK; k++) db.insertOne(row(++this.inserted));
        ops += CHUNK;
      } while (performance.now() < deadline);
      return ops;
    };
  }

  insertAsync() {
    return async (deadline) => {
      const db = this.instance;
      let ops = 0;
      do {
        for (let k = 0; k < CHUNK; k++) await db.insertOne(row(++this.inserted));
        ops += CHUNK;
      } while (performance.now() < deadline);
      return ops;
    };
  }

  findSync() {
    return (deadline) => {
      const db = this.instance;
      const ids = this.ids;
      let ops = 0;
      let p = this.position;
      do {
        for (let k = 0; k < CHUNK; k++) db.findById(ids[p++ & MASK]);
        ops += CHUNK;
      } while (performance.now() < deadline);
      this.position = p;
      return ops;
    };
  }

  findAsync() {
    return async (deadline) => {
      const db = this.instance;
      const ids = this.ids;
      let ops = 0;
      let p = this.position;
      do {
        for (let k = 0; k < CHUNK; k++) await db.findById(ids[p++ & MASK]);
        ops += CHUNK;
      } while (performance.now() < deadline);
      this.position = p;
      return ops;
    };
  }

  rangeSync() {
    const span = this.settings.rangeRows - 1;
    return (deadline) => {
      const db = this.instance;
      const starts = this.starts;
      let ops = 0;
      let p = this.position;
      do {
        for (let k = 0; k < CHUNK; k++) {
          const lo = starts[p++ & MASK];
          db.range(lo, lo + span);
        }
        ops += CHUNK;
      } while (performance.now() < deadline);
      this.position = p;
      return ops;
    };
  }

  rangeAsync() {
    const span = this.settings.rangeRows - 1;
    return async (deadline) => {
      const db = this.instance;
      const starts = this.starts;
      let ops = 0;
      let p = this.position;
      do {
        for (let k = 0; k < CHUNK; k++) {
          const lo = starts[p++ & MASK];
          await db.range(lo, lo + span);
        }
        ops += CHUNK;
      } while (performance.now() < deadline);
      this.position = p;
      return ops;
    };
  }

  /** Bulk inserts, each timed alone: rows are built and the table emptied outside the clock. */
  async bulk(durationMs) {
    let ops = 0;
    let timed = 0;
    let cpuMicros = 0;
    const wallStart = performance.now();
    do {
      const rows = this.bulkRows();
      await this.admin.reset('bulk');
      const cpu = process.cpuUsage();
      const start = performance.now();
      const result = this.instance.bulkInsert(rows);
      if (!this.instance.sync) await result;
      timed += performance.now() - start;
      const used = process.cpuUsage(cpu);
      cpuMicros += used.user + used.system;
      ops++;
    } while (performance.now() - wallStart < durationMs || ops < 2);
    return { ops, ms: timed, cpuMicros };
  }

  bulkRows() {
    const rows = new Array(this.settings.bulkRows);
    const base = this.settings.seedRows;
    for (let i = 0; i < rows.length; i++) rows[i] = row(base + i + 1);
    return rows;
  }
}

module.exports = { WORKLOADS, WorkloadRunner };
