'use strict';
/**
 * Run settings, from the environment. Quick mode (BENCH_QUICK=1) is a sanity run: fewer and
 * shorter repetitions, a smaller table, a smaller stream. Its numbers are too noisy to quote.
 */
const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');

function int(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

function list(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((item) => item.trim()).filter(Boolean);
}

const settings = {
  quick: QUICK,
  /** Measured repetitions; every library runs once per repetition, in rotating order. */
  reps: int('BENCH_REPS', QUICK ? 3 : 7),
  /** Length of one timed batch of a single-row workload (and the least a bulk batch runs). */
  durationMs: int('BENCH_DURATION_MS', QUICK ? 250 : 1000),
  /** Untimed warm-up per library and workload before the first repetition (JIT, caches). */
  warmupMs: int('BENCH_WARMUP_MS', QUICK ? 250 : 1500),
  /** Rows in the table that point and range selects read. */
  seedRows: int('BENCH_SEED_ROWS', QUICK ? 10_000 : 100_000),
  /** Rows per bulk insert. */
  bulkRows: int('BENCH_BULK_ROWS', 10_000),
  /** Rows per range select. */
  rangeRows: 100,
  /** Rows streamed through models in the memory measurement (0 skips it). */
  streamRows: int('BENCH_STREAM_ROWS', QUICK ? 100_000 : 1_000_000),
  backends: list('BENCH_BACKENDS', ['sqlite', 'postgres', 'mariadb']),
  libraries: list('BENCH_LIBRARIES', ['raw', 'ours', 'knex', 'typeorm', 'sequelize', 'drizzle', 'mikro-orm']),
  workloads: list('BENCH_WORKLOADS', ['insert', 'find', 'range', 'bulk']),
  /** Replace the results section of bench/README.md with this run's tables. */
  updateReadme: /^(1|true|yes)$/i.test(process.env.BENCH_UPDATE_README ?? ''),
};

module.exports = { settings };
