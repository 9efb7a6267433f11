'use strict';
/**
 * Settings of the associations bench, from the environment (ASSOC_*). ASSOC_QUICK=1 is a sanity
 * run: fewer, shorter repetitions, too noisy to quote.
 */
const QUICK = /^(1|true|yes)$/i.test(process.env.ASSOC_QUICK ?? '');

function int(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

function list(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((item) => item.trim()).filter(Boolean);
}

const settings = {
  quick: QUICK,
  reps: int('ASSOC_REPS', QUICK ? 3 : 7),
  durationMs: int('ASSOC_DURATION_MS', QUICK ? 300 : 1000),
  warmupMs: int('ASSOC_WARMUP_MS', QUICK ? 300 : 1500),
  /** Authors in the table; each operation reads a window of `window` of them. */
  authors: int('ASSOC_AUTHORS', 1000),
  booksPerAuthor: int('ASSOC_BOOKS_PER_AUTHOR', 10),
  window: int('ASSOC_WINDOW', 100),
  backends: list('ASSOC_BACKENDS', ['sqlite', 'postgres', 'mariadb']),
  contenders: list('ASSOC_CONTENDERS', ['raw', 'ours', 'typeorm', 'mikro-orm']),
  updateReadme: /^(1|true|yes)$/i.test(process.env.ASSOC_UPDATE_README ?? ''),
};

module.exports = { settings };
