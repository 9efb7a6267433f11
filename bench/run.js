'use strict';
/**
 * nestjs-activerecord benchmark: the model API against the raw drivers and peer ORMs, on the
 * same workloads, interleaved. `npm run bench` (builds first); BENCH_QUICK=1 for a sanity run.
 * See bench/README.md for the method and the environment variables.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { settings } = require('./harness/settings');
const { describeMachine } = require('./harness/machine');
const { WorkerProcess } = require('./harness/worker-process');
const { replaceReadmeSection } = require('./harness/readme-section');
const { renderText, renderMarkdown, formatOps, formatRatio, LIBRARY_NAMES } = require('./harness/report');
const { WORKLOADS } = require('./harness/workloads');
const { median } = require('./harness/stats');

const DATA_DIR = path.join(__dirname, '.data');
const README = path.join(__dirname, 'README.md');
const RESULTS_START = '<!-- bench:results:start -->';
const RESULTS_END = '<!-- bench:results:end -->';

const progress = (message) => process.stderr.write(`${message}\n`);
const adapterFile = (library, backend) => path.join(__dirname, 'adapters', `${library}-${backend}.js`);

const live = { workers: new Set(), contexts: [] };

async function cleanupAll() {
  await Promise.allSettled([...live.workers].map((w) => w.stop()));
  live.workers.clear();
  for (const { backend, ctx } of live.contexts.splice(0)) {
    try {
      await backend.cleanup(ctx);
    } catch (error) {
      progress(`  cleanup of ${ctx.database ?? ctx.file} failed: ${error.message}`);
    }
  }
}

function rotate(list, by) {
  const n = list.length;
  return list.map((_, i) => list[(i + by) % n]);
}

/** Open every library on one backend: its own database, its own process, checked results. */
async function startParticipants(backend, result) {
  const participants = [];
  for (const library of settings.libraries) {
    // `ours@path/to/dist` runs another build of the library beside this one (A/B comparison).
    const [base, dist] = library.split('@');
    const file = adapterFile(base, backend.name);
    if (!fs.existsSync(file)) {
      result.skipped.push({ library, reason: `no adapter (bench/adapters/${library}-${backend.name}.js)` });
      continue;
    }
    progress(`[${backend.name}] ${library}: preparing a database with ${settings.seedRows.toLocaleString('en-US')} rows`);
    const ctx = await backend.prepare(dist ? `${base}_${live.contexts.length}` : base, settings);
    live.contexts.push({ backend, ctx });
    const worker = new WorkerProcess(`${library}-${backend.name}`, path.join(__dirname, 'worker.js'), { env: dist ? { BENCH_DIST: dist } : {} });
    live.workers.add(worker);
    try {
      const opened = await worker.call('open', { adapterFile: file, ctx, settings });
      if (opened.skipped) {
        result.skipped.push({ library, reason: opened.skipped });
        progress(`[${backend.name}] ${library}: skipped, ${opened.skipped}`);
        await worker.stop();
        live.workers.delete(worker);
        continue;
      }
      const verified = await worker.call('verify', { settings });
      const note = [opened.note, verified.shape].filter(Boolean).join('; ') || undefined;
      participants.push({ library, label: opened.label, sync: opened.sync, note, worker });
      progress(`[${backend.name}] ${library}: ${opened.label}${opened.sync ? ' (sync API)' : ''}, results checked`);
    } catch (error) {
      const reason = `failed: ${String(error.message).split('\n').slice(0, 3).join(' ')}`;
      result.skipped.push({ library, reason });
      progress(`[${backend.name}] ${library}: ${reason}`);
      await worker.stop();
      live.workers.delete(worker);
    }
  }
  return participants;
}

/** One timed batch: ops/s, and the worker's own CPU time per operation (µs), which other tenants disturb less. */
async function batch(participant, workload, durationMs) {
  await participant.worker.call('reset', { workload });
  const { ops, ms, cpuMicros } = await participant.worker.call('run', { workload, durationMs });
  return { opsPerSecond: (ops / ms) * 1000, cpuPerOp: cpuMicros / ops };
}

async function benchBackend(name) {
  const backend = require(`./backends/${name}`);
  const result = { name, title: backend.title, driver: '', participants: [], skipped: [], samples: {}, cpu: {}, workloads: [] };
  const unavailable = await backend.probe();
  result.driver = unavailable ? '' : backend.driverLabel();
  result.server = backend.serverVersion;
  if (unavailable) {
    result.unavailable = unavailable;
    progress(`[${name}] skipped: ${unavailable}`);
    return result;
  }
  const participants = await startParticipants(backend, result);
  result.participants = participants.map(({ library, label, sync, note }) => ({ library, label, sync, note }));
  result.workloads = settings.workloads.filter((w) => WORKLOADS[w]);
  if (participants.length === 0) return result;

  progress(`[${name}] warming up (${settings.warmupMs} ms per library and workload)`);
  for (const workload of result.workloads) {
    for (const p of participants) await batch(p, workload, settings.warmupMs);
  }

  for (let rep = 0; rep < settings.reps; rep++) {
    for (const workload of result.workloads) {
      const samples = (result.samples[workload] ??= {});
      const line = [];
      const cpu = (result.cpu[workload] ??= {});
      for (const p of rotate(participants, rep)) {
        const { opsPerSecond, cpuPerOp } = await batch(p, workload, settings.durationMs);
        (samples[p.library] ??= []).push(opsPerSecond);
        (cpu[p.library] ??= []).push(cpuPerOp);
      }
      for (const p of participants) {
        const mine = samples[p.library][rep];
        const raw = samples.raw?.[rep];
        line.push(`${p.library} ${formatOps(mine)}${raw && p.library !== 'raw' ? ` (${formatRatio(mine / raw)})` : ''}`);
      }
      progress(`[${name}] rep ${rep + 1}/${settings.reps} ${WORKLOADS[workload].title}: ${line.join(' · ')}`);
    }
  }

  for (const p of participants) {
    await p.worker.stop();
    live.workers.delete(p.worker);
  }
  for (const entry of live.contexts.splice(0)) await entry.backend.cleanup(entry.ctx).catch(() => undefined);
  return result;
}

/** Peak RSS of streaming every row of a big table through each library, one fresh process each. */
async function measureStreams(run) {
  if (settings.streamRows === 0) return;
  for (const name of settings.backends) {
    const backendResult = run.backends.find((b) => b.name === name);
    if (!backendResult || backendResult.unavailable) continue;
    const backend = require(`./backends/${name}`);
    const libraries = settings.libraries.filter((l) => ['raw', 'ours'].includes(l) || process.env.BENCH_STREAM_PEERS);
    progress(`[${name}] streaming: preparing a table of ${settings.streamRows.toLocaleString('en-US')} rows`);
    const ctx = await backend.prepare('stream', { ...settings, seedRows: settings.streamRows });
    live.contexts.push({ backend, ctx });
    try {
      for (const library of libraries) {
        const file = adapterFile(library, name);
        if (!fs.existsSync(file)) continue;
        progress(`[${name}] streaming ${settings.streamRows.toLocaleString('en-US')} rows through ${library} in a fresh process`);
        const measured = await streamChild(file, ctx);
        if (measured.skipped) {
          progress(`[${name}] streaming ${library}: skipped, ${measured.skipped}`);
          continue;
        }
        run.stream.push({ backend: backendResult.title, library, ...measured });
        if (!measured.error) {
          progress(`[${name}] ${library}: peak RSS ${measured.peakRssMB.toFixed(0)} MB, ${formatOps(measured.rowsPerSecond)} rows/s`);
        } else {
          progress(`[${name}] ${library}: ${measured.error}`);
        }
      }
    } finally {
      for (const entry of live.contexts.splice(0)) await entry.backend.cleanup(entry.ctx).catch(() => undefined);
    }
  }
}

function streamChild(file, ctx) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'stream-rss.js'), file, JSON.stringify(ctx), String(settings.streamRows)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop();
      try {
        resolve(JSON.parse(last));
      } catch {
        resolve({ error: `stream process exited with ${code}: ${out.slice(-300)}` });
      }
    });
  });
}

function updateReadme(markdown) {
  if (replaceReadmeSection(README, RESULTS_START, RESULTS_END, markdown)) progress('bench/README.md updated');
  else progress(`bench/README.md has no ${RESULTS_START} ... ${RESULTS_END} section; not updated`);
}

async function main() {
  const loadAverage = () => require('node:os').loadavg().map((l) => l.toFixed(2)).join(' ');
  const machine = { ...describeMachine(), loadStart: loadAverage() };
  const run = { machine, settings, backends: [], stream: [] };
  progress(
    `nestjs-activerecord bench${settings.quick ? ' (QUICK: a sanity run, too noisy to quote)' : ''}: ` +
      `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${settings.reps} reps x ${settings.durationMs} ms, ` +
      `backends ${settings.backends.join(', ')}; libraries ${settings.libraries.join(', ')}`,
  );
  for (const name of settings.backends) {
    if (!fs.existsSync(path.join(__dirname, 'backends', `${name}.js`))) {
      run.backends.push({ name, title: name, unavailable: `unknown backend '${name}'`, participants: [], skipped: [] });
      continue;
    }
    run.backends.push(await benchBackend(name));
  }
  await measureStreams(run);
  machine.loadEnd = loadAverage();

  const text = renderText(run);
  process.stdout.write(`${text}\n`);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const markdown = renderMarkdown(run);
  fs.writeFileSync(path.join(DATA_DIR, 'latest.md'), `${markdown}\n`);
  fs.writeFileSync(path.join(DATA_DIR, 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);
  progress(`\nMarkdown of this run: bench/.data/latest.md (BENCH_UPDATE_README=1 writes it into bench/README.md)`);
  if (settings.updateReadme) updateReadme(markdown);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    progress(`\n${signal}: stopping workers and dropping bench databases`);
    cleanupAll().finally(() => process.exit(130));
  });
}

main()
  .catch(async (error) => {
    progress(`bench failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(cleanupAll);

// Exported for tests of the report; unused when run as a script.
module.exports = { median, LIBRARY_NAMES };
