'use strict';
/**
 * Loading 100 authors with their 10 books each (a window of the `authors` table, moving per
 * operation), through each contender's own way of loading a relation:
 *   raw        the hand-written batched queries an expert writes with the driver (contenders/raw.js)
 *   ours       Author.where(...).includes('books').all()
 *   typeorm    repository.find({ where, relations: { books: true } })
 *   mikro-orm  em.find(Author, where, { populate: ['books'] })
 * on SQLite, PostgreSQL and MariaDB; every contender in a process of its own, checked before it
 * is timed, repetitions interleaved in rotating order. Prints ops/s and the ratio to raw (the
 * median of per-repetition ratios). `npm run bench:associations` (builds dist/ first);
 * ASSOC_QUICK=1 for a sanity run; ASSOC_UPDATE_README=1 writes the table into bench/README.md.
 */
const path = require('node:path');
const { describeMachine } = require('../harness/machine');
const { WorkerProcess } = require('../harness/worker-process');
const { replaceReadmeSection } = require('../harness/readme-section');
const { median, spread, pairedRatio } = require('../harness/stats');
const { settings } = require('./settings');
const databases = require('./databases');

const README = path.join(__dirname, '..', 'README.md');
const START = '<!-- associations:results:start -->';
const END = '<!-- associations:results:end -->';
const TARGET = 0.8;
const progress = (message) => process.stderr.write(`${message}\n`);
const live = { workers: new Set(), prepared: [] };

async function cleanup() {
  await Promise.allSettled([...live.workers].map((worker) => worker.stop()));
  live.workers.clear();
  for (const { name, ctx } of live.prepared.splice(0)) {
    try {
      await databases[name].cleanup(ctx);
    } catch (error) {
      progress(`  cleanup of ${name} failed: ${error.message}`);
    }
  }
}

async function benchBackend(name) {
  const backend = require(`../backends/${name}`);
  const result = { name, title: backend.title, contenders: [], skipped: [], samples: {} };
  const unavailable = await backend.probe();
  if (unavailable) {
    result.unavailable = unavailable;
    progress(`[${name}] skipped: ${unavailable}`);
    return result;
  }
  result.server = backend.serverVersion;
  progress(`[${name}] seeding ${settings.authors} authors with ${settings.booksPerAuthor} books each`);
  const ctx = await databases[name].prepare(settings);
  live.prepared.push({ name, ctx });

  const contenders = [];
  for (const contender of settings.contenders) {
    const worker = new WorkerProcess(`${contender}-${name}`, path.join(__dirname, 'worker.js'));
    live.workers.add(worker);
    try {
      const opened = await worker.call('open', { contender, ctx, settings });
      if (opened.skipped) throw new Error(opened.skipped);
      const verified = await worker.call('verify');
      contenders.push({ contender, label: opened.label, worker, priceType: verified.priceType });
      progress(`[${name}] ${opened.label}: results checked (price as ${verified.priceType})`);
    } catch (error) {
      const reason = String(error.message).split('\n').slice(0, 2).join(' ');
      result.skipped.push({ contender, reason });
      progress(`[${name}] ${contender}: skipped, ${reason}`);
      await worker.stop();
      live.workers.delete(worker);
    }
  }
  result.contenders = contenders.map(({ contender, label, priceType }) => ({ contender, label, priceType }));

  for (const c of contenders) await c.worker.call('run', { durationMs: settings.warmupMs });
  for (let rep = 0; rep < settings.reps; rep++) {
    const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length]);
    for (const c of order) {
      const { ops, ms } = await c.worker.call('run', { durationMs: settings.durationMs });
      (result.samples[c.contender] ??= []).push((ops / ms) * 1000);
    }
    const raw = result.samples.raw?.[rep];
    const line = contenders.map((c) => {
      const mine = result.samples[c.contender][rep];
      return `${c.contender} ${mine.toFixed(0)}/s${raw && c.contender !== 'raw' ? ` (${(mine / raw).toFixed(2)}x)` : ''}`;
    });
    progress(`[${name}] rep ${rep + 1}/${settings.reps}: ${line.join(' · ')}`);
  }
  for (const c of contenders) {
    await c.worker.stop();
    live.workers.delete(c.worker);
  }
  return result;
}

function summarize(result) {
  return result.contenders.map(({ contender, label }) => {
    const samples = result.samples[contender] ?? [];
    const ratio = contender === 'raw' || !result.samples.raw ? undefined : pairedRatio(samples, result.samples.raw);
    return { contender, label, opsPerSecond: median(samples), spread: spread(samples), ratio };
  });
}

function renderMarkdown(results, machine) {
  const lines = [
    `Run at ${machine.commit || 'an unknown commit'} on ${machine.date}: ${machine.cpu}, ${machine.cores} cores (shared), Node ${machine.node}; ` +
      `${settings.reps} interleaved repetitions of ${settings.durationMs} ms per contender after ${settings.warmupMs} ms of warm-up. ` +
      `One operation loads ${settings.window} authors and their ${settings.window * settings.booksPerAuthor} books. ` +
      `Ratio: the median of the per-repetition ratios to raw (higher is faster; target for ours >= ${TARGET}x).`,
    '',
  ];
  for (const result of results) {
    lines.push(`**${result.title}**${result.server ? ` (server ${result.server})` : ''}`);
    lines.push('');
    if (result.unavailable) {
      lines.push(`skipped: ${result.unavailable}`, '');
      continue;
    }
    lines.push('| contender | loads/s (median) | spread | vs raw |', '|---|---:|---:|---:|');
    for (const row of summarize(result)) {
      const ratio = row.ratio === undefined ? '1.00x' : `${row.ratio.toFixed(2)}x`;
      lines.push(`| ${row.label} | ${row.opsPerSecond.toFixed(0)} | ${(row.spread * 100).toFixed(0)}% | ${ratio} |`);
    }
    for (const skipped of result.skipped) lines.push(`| ${skipped.contender} | skipped: ${skipped.reason} | | |`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const machine = describeMachine();
  progress(`associations bench: ${settings.reps} reps x ${settings.durationMs} ms, contenders ${settings.contenders.join(', ')}`);
  const results = [];
  for (const name of settings.backends) {
    if (!databases[name]) throw new Error(`unknown backend '${name}' (known: ${Object.keys(databases).join(', ')})`);
    results.push(await benchBackend(name));
    await cleanup();
  }
  const markdown = renderMarkdown(results, machine);
  process.stdout.write(`${markdown}\n`);
  if (settings.updateReadme) {
    if (!replaceReadmeSection(README, START, END, markdown)) progress(`bench/README.md has no ${START} section; not updated`);
    else progress('bench/README.md updated');
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    progress(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

main()
  .catch((error) => {
    progress(error.stack || String(error));
    process.exitCode = 1;
  })
  .finally(cleanup);
