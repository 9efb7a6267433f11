'use strict';
/**
 * What the model lifecycle costs: insert (`create`), point select (`find`) and 100-row range
 * select through a plain model and through the same model with callbacks, with timestamps, with
 * an encrypted column, and with all of it, on SQLite, PostgreSQL and MariaDB. Every variant runs
 * in a process of its own, interleaved repetition by repetition (rotating order), and is reported
 * as its median ops/s and its paired ratio to the plain model (plain = 1.00x; lower is slower).
 * `npm run bench:lifecycle` (builds dist/ first); LIFE_QUICK=1 for a sanity run. See bench/README.md.
 */
const fs = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { describeMachine } = require('../harness/machine');
const { WorkerProcess } = require('../harness/worker-process');
const { replaceReadmeSection } = require('../harness/readme-section');
const { median, spread, pairedRatio } = require('../harness/stats');
const { VARIANTS } = require('./models');

const QUICK = /^(1|true|yes)$/i.test(process.env.LIFE_QUICK ?? '');
const int = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
};
const list = (name, fallback) => (process.env[name]?.trim() ? process.env[name].split(',').map((s) => s.trim()).filter(Boolean) : fallback);

const settings = {
  reps: int('LIFE_REPS', QUICK ? 3 : 7),
  durationMs: int('LIFE_DURATION_MS', QUICK ? 250 : 1000),
  warmupMs: int('LIFE_WARMUP_MS', QUICK ? 250 : 1500),
  seedRows: int('LIFE_SEED_ROWS', QUICK ? 2_000 : 10_000),
  rangeRows: 100,
  backends: list('LIFE_BACKENDS', ['sqlite', 'postgres', 'mariadb']),
  variants: list('LIFE_VARIANTS', VARIANTS),
  workloads: list('LIFE_WORKLOADS', ['insert', 'find', 'select']),
  updateReadme: /^(1|true|yes)$/i.test(process.env.LIFE_UPDATE_README ?? ''),
};

const WORKLOAD_TITLES = { insert: 'insert (create), autocommit', find: 'point select (find)', select: 'range select, 100 rows' };
const DATA_DIR = path.join(__dirname, '..', '.data');
const README = path.join(__dirname, '..', 'README.md');
const RESULTS_START = '<!-- lifecycle:results:start -->';
const RESULTS_END = '<!-- lifecycle:results:end -->';
const DATABASE = 'arbench_lifecycle';
const progress = (message) => process.stderr.write(`${message}\n`);

/** Where each backend's variants live: one database (or file) per backend, one table per variant. */
const BACKENDS = {
  sqlite: {
    title: 'SQLite (file, WAL)',
    async prepare() {
      const dir = path.join(DATA_DIR, 'lifecycle');
      fs.mkdirSync(dir, { recursive: true });
      return (variant) => ({ backend: 'sqlite', database: path.join(dir, `${variant}.db`) });
    },
    async cleanup() {
      fs.rmSync(path.join(DATA_DIR, 'lifecycle'), { recursive: true, force: true });
    },
  },
  postgres: serverBackend('PostgreSQL', 'postgres', require('../backends/postgres')),
  mariadb: serverBackend('MariaDB', 'mariadb', require('../backends/mariadb')),
};

/** A server backend: one database for every variant, made and dropped through bench/backends. */
function serverBackend(title, backend, server) {
  return {
    title,
    async prepare() {
      const url = await server.createDatabase(DATABASE);
      return () => ({ backend, url, pool: { max: 2 } });
    },
    cleanup: () => server.dropDatabase(DATABASE),
  };
}

const live = new Set();

async function batch(worker, workload, durationMs) {
  await worker.call('reset', { workload });
  const { ops, ms } = await worker.call('run', { workload, durationMs });
  return (ops / ms) * 1000;
}

async function benchBackend(name) {
  const backend = BACKENDS[name];
  const result = { name, title: backend.title, samples: {}, variants: [], skipped: [] };
  let connectionFor;
  try {
    connectionFor = await backend.prepare();
  } catch (error) {
    result.unavailable = String(error.message).split('\n')[0];
    progress(`[${name}] skipped: ${result.unavailable}`);
    return result;
  }
  const key = randomBytes(32).toString('base64');
  const workers = [];
  try {
    for (const variant of settings.variants) {
      progress(`[${name}] ${variant}: seeding ${settings.seedRows.toLocaleString('en-US')} rows`);
      const worker = new WorkerProcess(`${variant}-${name}`, path.join(__dirname, 'worker.js'));
      live.add(worker);
      await worker.call('open', { variant, connection: connectionFor(variant), key, settings });
      await worker.call('verify', {});
      workers.push({ variant, worker });
    }
    result.variants = workers.map((w) => w.variant);
    progress(`[${name}] warming up`);
    for (const workload of settings.workloads) for (const { worker } of workers) await batch(worker, workload, settings.warmupMs);
    for (let rep = 0; rep < settings.reps; rep++) {
      for (const workload of settings.workloads) {
        const samples = (result.samples[workload] ??= {});
        const order = workers.map((_, i) => workers[(i + rep) % workers.length]);
        for (const { variant, worker } of order) (samples[variant] ??= []).push(await batch(worker, workload, settings.durationMs));
        const plain = samples.plain?.[rep];
        const line = workers.map(({ variant }) => {
          const mine = samples[variant][rep];
          return `${variant} ${Math.round(mine)}${plain && variant !== 'plain' ? ` (${(mine / plain).toFixed(2)}x)` : ''}`;
        });
        progress(`[${name}] rep ${rep + 1}/${settings.reps} ${WORKLOAD_TITLES[workload]}: ${line.join(' · ')}`);
      }
    }
  } finally {
    for (const { worker } of workers) {
      await worker.stop();
      live.delete(worker);
    }
    await backend.cleanup().catch((error) => progress(`[${name}] cleanup failed: ${error.message}`));
  }
  return result;
}

function table(result) {
  const head = ['workload', ...result.variants.map((v) => (v === 'plain' ? 'plain ops/s' : `${v}`))];
  const rows = settings.workloads.map((workload) => {
    const samples = result.samples[workload] ?? {};
    const plain = samples.plain ?? [];
    return [
      WORKLOAD_TITLES[workload],
      ...result.variants.map((variant) => {
        const mine = samples[variant] ?? [];
        if (variant === 'plain') return `${Math.round(median(mine)).toLocaleString('en-US')} (±${Math.round(spread(mine) * 100)}%)`;
        return `${pairedRatio(mine, plain).toFixed(2)}x (${Math.round(median(mine)).toLocaleString('en-US')}/s)`;
      }),
    ];
  });
  return { head, rows };
}

function markdown(run) {
  const m = run.machine;
  const lines = [
    `Run ${m.date} at ${m.commit || 'an unknown commit'} on ${m.cpu} (${m.cores} cores, shared), ${m.node}; ` +
      `${settings.reps} interleaved repetitions of ${settings.durationMs} ms, ${settings.seedRows.toLocaleString('en-US')} seeded rows. ` +
      `Each cell: the paired median ratio to the plain model (1.00x = no cost), then that variant's median ops/s.`,
    '',
  ];
  for (const result of run.backends) {
    lines.push(`**${result.title}**${result.unavailable ? `: skipped (${result.unavailable})` : ''}`, '');
    if (result.unavailable) continue;
    const { head, rows } = table(result);
    lines.push(`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const run = { machine: describeMachine(), settings, backends: [] };
  progress(`lifecycle bench: ${settings.variants.join(', ')} on ${settings.backends.join(', ')}${QUICK ? ' (quick: too noisy to quote)' : ''}`);
  for (const name of settings.backends) {
    if (!BACKENDS[name]) throw new Error(`unknown backend '${name}' in LIFE_BACKENDS (known: ${Object.keys(BACKENDS).join(', ')})`);
    run.backends.push(await benchBackend(name));
  }
  const text = markdown(run);
  process.stdout.write(`${text}\n`);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  fs.writeFileSync(path.join(DATA_DIR, 'lifecycle-latest.md'), text);
  fs.writeFileSync(path.join(DATA_DIR, 'lifecycle-latest.json'), JSON.stringify(run, null, 2));
  if (settings.updateReadme && !replaceReadmeSection(README, RESULTS_START, RESULTS_END, text)) {
    progress(`bench/README.md has no ${RESULTS_START} section; results left in bench/.data/lifecycle-latest.md`);
  }
}

const stop = async (signal) => {
  await Promise.allSettled([...live].map((worker) => worker.stop()));
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main().catch(async (error) => {
  progress(error.stack ?? String(error));
  await Promise.allSettled([...live].map((worker) => worker.stop()));
  process.exitCode = 1;
});
