'use strict';
/**
 * The cliffs of issue #16 as benchmark checks (`npm run bench:cliffs`): for each, the model API
 * against its baseline, interleaved repetitions, each variant in a process of its own; a check
 * passes when the median of the per-repetition ratios reaches its target. Exits 1 if one fails.
 * Uses the main bench's settings (BENCH_BACKENDS, BENCH_REPS, BENCH_DURATION_MS, BENCH_WARMUP_MS,
 * BENCH_STREAM_ROWS for the table the stream and IN-list checks read, BENCH_QUICK) and
 * CLIFFS=paged-range,wide-bulk,in-list,stream-start to pick checks; `ours@path/to/dist` in
 * CLIFFS_OURS runs another build (to show a check failing on the build before a fix).
 */
const path = require('node:path');
const { settings } = require('../harness/settings');
const { describeMachine } = require('../harness/machine');
const { WorkerProcess } = require('../harness/worker-process');
const { median, spread, pairedRatio } = require('../harness/stats');
const { replaceReadmeSection } = require('../harness/readme-section');
const { formatOps, formatRatio } = require('../harness/report');
const { SCENARIOS } = require('./scenarios');

const progress = (message) => process.stderr.write(`${message}\n`);
const chosen = (process.env.CLIFFS ?? Object.keys(SCENARIOS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const oursDist = process.env.CLIFFS_OURS;
const TITLES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mariadb: 'MariaDB' };

function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length]);
}

async function runScenario(name, scenario, backendName, ctx, admin) {
  const variants = Object.keys(scenario.variants);
  const baseline = variants[0];
  const workers = [];
  try {
    for (const variant of variants) {
      const worker = new WorkerProcess(`${name}-${variant}`, path.join(__dirname, 'worker.js'), {
        env: variant === 'ours' && oursDist ? { BENCH_DIST: oursDist } : {},
      });
      workers.push({ variant, worker });
      await worker.call('open', { scenario: name, variant, ctx });
    }
    const samples = Object.fromEntries(variants.map((v) => [v, []]));
    const batch = async ({ variant, worker }, durationMs) => {
      if (scenario.reset) await scenario.reset(admin);
      const { ops, ms } = await worker.call('run', { durationMs });
      return { variant, opsPerSecond: (ops / ms) * 1000 };
    };
    for (const w of workers) await batch(w, settings.warmupMs);
    for (let rep = 0; rep < settings.reps; rep++) {
      const line = [];
      for (const w of rotate(workers, rep)) {
        const { variant, opsPerSecond } = await batch(w, settings.durationMs);
        samples[variant].push(opsPerSecond);
        line.push(`${variant} ${formatOps(opsPerSecond)}`);
      }
      progress(`[${backendName}] ${name} rep ${rep + 1}/${settings.reps}: ${line.join(' · ')}`);
    }
    const ratio = pairedRatio(samples.ours, samples[baseline]);
    const target = typeof scenario.target === 'number' ? scenario.target : scenario.target[backendName] ?? 0;
    return {
      name,
      backend: TITLES[backendName],
      title: scenario.title,
      unit: scenario.unit ?? 'ops/s',
      baseline,
      target,
      samples,
      ratio,
      passed: Number.isFinite(ratio) && ratio >= target,
    };
  } catch (error) {
    return { name, backend: TITLES[backendName], title: scenario.title, error: String(error.message).split('\n').slice(0, 3).join(' '), passed: false };
  } finally {
    for (const { worker } of workers) await worker.stop();
  }
}

function render(results, machine) {
  const out = [];
  out.push(
    `Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.library}` +
      `${machine.commit ? ` (commit ${machine.commit})` : ''}${oursDist ? `, model API from ${oursDist}` : ''}. ` +
      `${settings.reps} repetitions x ${settings.durationMs} ms per variant, interleaved; ` +
      `${settings.streamRows.toLocaleString('en-US')} rows in the table streamed and counted; load average at the start ${machine.load}.`,
  );
  out.push('');
  out.push('| backend | check | baseline | baseline /s (median) | model API /s (median) | spread (model API) | ratio | target | result |');
  out.push('|:---|:---|:---|---:|---:|---:|---:|---:|:---|');
  for (const r of results) {
    if (r.error) {
      out.push(`| ${r.backend} | ${r.title} | | | | | | | failed: ${r.error} |`);
      continue;
    }
    out.push(
      `| ${r.backend} | ${r.title} | ${r.baseline} | ${formatOps(median(r.samples[r.baseline]))} | ${formatOps(median(r.samples.ours))} | ` +
        `${Math.round(spread(r.samples.ours) * 100)}% | ${formatRatio(r.ratio)} | ${r.target > 0 ? `>= ${r.target.toFixed(2)}x` : 'works'} | ${r.passed ? 'pass' : 'FAIL'} |`,
    );
  }
  return out.join('\n');
}

async function main() {
  const machine = { ...describeMachine(), load: require('node:os').loadavg().map((l) => l.toFixed(2)).join(' ') };
  const results = [];
  for (const backendName of settings.backends) {
    const scenarios = chosen.filter((name) => SCENARIOS[name]?.backends.includes(backendName));
    if (scenarios.length === 0) continue;
    const backend = require(`../backends/${backendName}`);
    const unavailable = await backend.probe();
    if (unavailable) {
      progress(`[${backendName}] skipped: ${unavailable}`);
      continue;
    }
    progress(`[${backendName}] preparing ${settings.streamRows.toLocaleString('en-US')} rows`);
    const ctx = await backend.prepare('cliffs', { ...settings, seedRows: settings.streamRows });
    const admin = await backend.openAdmin(ctx);
    try {
      for (const name of scenarios) {
        if (SCENARIOS[name].setup) await SCENARIOS[name].setup(admin);
        const result = await runScenario(name, SCENARIOS[name], backendName, ctx, admin);
        progress(`[${backendName}] ${name}: ${result.error ?? `${formatRatio(result.ratio)} of ${result.baseline}`} ${result.passed ? 'pass' : 'FAIL'}`);
        results.push(result);
      }
    } finally {
      await admin.close();
      await backend.cleanup(ctx).catch(() => undefined);
    }
  }
  const markdown = render(results, machine);
  process.stdout.write(`${markdown}\n`);
  if (/^(1|true|yes)$/i.test(process.env.BENCH_UPDATE_README ?? '')) {
    replaceReadmeSection(path.join(__dirname, '..', 'README.md'), '<!-- cliffs:results:start -->', '<!-- cliffs:results:end -->', markdown);
  }
  if (results.some((r) => !r.passed)) process.exitCode = 1;
}

main().catch((error) => {
  progress(`cliff checks failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
