'use strict';
/**
 * Cross-database transfers: one UPDATE on PostgreSQL and one on MariaDB per transfer, as
 *   (a) two independent commits (independent.js),
 *   (b) raw-driver two-phase commit with a decision record (raw-2pc.js),
 *   (b+) the same plus the coordinator's outcome evidence (raw-2pc-evidence.js),
 *   (c) nestjs-activerecord's TransactionCoordinator (coordinator.js),
 * each in a process and a pair of databases of its own, interleaved like the main bench. Prints
 * ops/s, the ratios to (b), and the round trips each variant makes per transfer.
 * `npm run bench:transfers` (builds dist/ first); XFER_QUICK=1 for a sanity run. See bench/README.md.
 */
const fs = require('node:fs');
const path = require('node:path');
const { describeMachine } = require('../harness/machine');
const { WorkerProcess } = require('../harness/worker-process');
const { replaceReadmeSection } = require('../harness/readme-section');
const { median, spread, pairedRatio, repetitionRatios } = require('../harness/stats');
const common = require('./common');

const { settings } = common;
const DATA_DIR = path.join(__dirname, '..', '.data');
const README = path.join(__dirname, '..', 'README.md');
const RESULTS_START = '<!-- transfers:results:start -->';
const RESULTS_END = '<!-- transfers:results:end -->';
const BASELINE = 'raw-2pc';
const TARGET = 0.8;

const progress = (message) => process.stderr.write(`${message}\n`);

/** A worker process for one variant; writes a CPU profile when XFER_CPU_PROF names a directory. */
function startWorker(name, env) {
  const execArgv = settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  return new WorkerProcess(name, path.join(__dirname, 'worker.js'), { env, execArgv });
}

const live = { workers: new Set(), variants: new Set() };
/** In every gtrid of this run (node ids and raw gids), so the end check finds exactly ours. */
const TAG = `xf${process.pid}`;

async function cleanup() {
  await Promise.allSettled([...live.workers].map((w) => w.stop()));
  live.workers.clear();
  if (live.variants.size > 0) {
    // After a failed run: PostgreSQL will not drop a database with prepared transactions in it.
    const left = await common.leftPrepared(TAG).catch(() => ({ pg: [], maria: [] }));
    if (left.pg.length + left.maria.length > 0) {
      progress(`  rolling back ${left.pg.length} prepared transaction(s) on PostgreSQL and ${left.maria.length} XA branch(es) on MariaDB left by this run`);
      process.exitCode = 1;
      await common.rollBackLeftovers(left);
    }
  }
  for (const key of [...live.variants]) {
    try {
      await common.dropDatabases(key);
      live.variants.delete(key);
    } catch (error) {
      progress(`  ${error.message}`);
    }
  }
}

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

function formatOps(value) {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}
const formatRatio = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '-');
const formatSpread = (value) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '-');
const formatCount = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

/** Whether lib/ differs from the commit (dist/ is built from the working tree, not from HEAD). */
function libDirty() {
  try {
    const out = require('node:child_process').execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd: common.ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.toString().trim() !== '';
  } catch {
    return false;
  }
}

async function main() {
  const machine = { ...describeMachine(), libDirty: libDirty() };
  const servers = await common.probeServers();
  const tag = TAG;
  const variants = settings.variants.map((spec, index) => {
    const [file, dist] = spec.split('@');
    const variant = require(`./${file}`);
    if (!dist) return { ...variant, file };
    const n = index + 1;
    return { ...variant, file, dist: path.resolve(dist), key: `${file}-${n}`, letter: `${variant.letter}${n}`, title: `${variant.title} @ ${dist}` };
  });
  progress(
    `cross-database transfer bench${settings.quick ? ' (QUICK: a sanity run, too noisy to quote)' : ''}: ${machine.cpu}, ${machine.cores} cores, ` +
      `Node ${machine.node}; ${servers.pg}, ${servers.maria}; ${settings.reps} reps x ${settings.durationMs} ms, ` +
      `concurrency ${settings.concurrency}, pools of ${settings.poolMax}, ${settings.accounts} accounts a side; variants ${settings.variants.join(', ')}`,
  );
  if (settings.cpuProfDir) {
    fs.mkdirSync(settings.cpuProfDir, { recursive: true });
    progress(`CPU profiles of the workers go to ${settings.cpuProfDir}`);
  }

  const participants = [];
  for (const variant of variants) {
    progress(`[${variant.key}] creating ${common.databaseName(variant.key)} on both servers`);
    live.variants.add(variant.key);
    const ctx = { ...(await common.prepareDatabases(variant.key, variant.databases)), tag };
    const worker = startWorker(variant.key, variant.dist ? { BENCH_DIST: variant.dist } : {});
    live.workers.add(worker);
    const { label } = await worker.call('open', { variantFile: path.join(__dirname, `${variant.file}.js`), ctx, settings });
    // One transfer, checked on both databases before anything is timed.
    const { moved } = await worker.call('once');
    const sums = await common.balances(variant.key);
    const base = BigInt(settings.accounts * common.INITIAL_BALANCE);
    if (moved <= 0 || sums.pg.sum !== base - BigInt(moved) || sums.maria.sum !== base + BigInt(moved)) {
      throw new Error(`${variant.key}: the first transfer did not land as expected (moved ${moved}; sums ${sums.pg.sum} / ${sums.maria.sum})`);
    }
    progress(`[${variant.key}] ${label}: first transfer checked on both databases`);
    participants.push({ variant, label, worker, samples: [], cpu: [] });
  }

  progress(`warming up (${settings.warmupMs} ms per variant)`);
  for (const p of participants) await p.worker.call('run', { durationMs: settings.warmupMs });

  for (let rep = 0; rep < settings.reps; rep++) {
    for (const p of rotate(participants, rep)) {
      const { ops, ms, cpuMs } = await p.worker.call('run', { durationMs: settings.durationMs });
      p.samples[rep] = (ops / ms) * 1000;
      p.cpu[rep] = (cpuMs * 1000) / ops;
    }
    const base = participants.find((p) => p.variant.key === BASELINE)?.samples[rep];
    const line = participants.map((p) => {
      const mine = p.samples[rep];
      return `(${p.variant.letter}) ${formatOps(mine)}${base && p.variant.key !== BASELINE ? ` (${formatRatio(mine / base)})` : ''} ${Math.round(p.cpu[rep])} µs CPU`;
    });
    progress(`rep ${rep + 1}/${settings.reps} transfers/s: ${line.join(' · ')}`);
  }

  if (settings.countTransfers > 0) {
    progress(`counting round trips over ${settings.countTransfers} transfers per variant`);
    for (const p of participants) p.statements = await p.worker.call('count', { count: settings.countTransfers });
  }

  // Close every worker (prepared XA branches only show in XA RECOVER once their connection is
  // gone), then check what the run left behind.
  for (const p of participants) {
    const closed = await p.worker.stop();
    live.workers.delete(p.worker);
    p.moved = closed?.moved;
    p.transfers = closed?.transfers;
  }
  const failures = [];
  const base = BigInt(settings.accounts * common.INITIAL_BALANCE);
  for (const p of participants) {
    const sums = await common.balances(p.variant.key);
    const total = sums.pg.sum + sums.maria.sum;
    if (total !== 2n * base) failures.push(`${p.variant.key}: the balances sum to ${total}, not ${2n * base}`);
    if (p.moved === undefined) failures.push(`${p.variant.key}: the worker did not report what it moved`);
    else if (sums.pg.sum !== base - BigInt(p.moved) || sums.maria.sum !== base + BigInt(p.moved)) {
      failures.push(`${p.variant.key}: ${p.moved} moved, but PostgreSQL holds ${sums.pg.sum} and MariaDB ${sums.maria.sum} (expected ${base - BigInt(p.moved)} / ${base + BigInt(p.moved)})`);
    }
    const table = p.variant.file === 'coordinator' ? 'ar_tx_decisions' : p.variant.databases.decisionLog ? 'xfer_decisions' : undefined;
    if (table) p.decisions = await common.decisionStates(p.variant.key, table);
  }
  const left = await common.leftPrepared(tag);
  if (left.pg.length > 0 || left.maria.length > 0) {
    failures.push(
      `left prepared: ${left.pg.length} on PostgreSQL (${left.pg.slice(0, 3).map((b) => `${b.database}: ${b.gid}`).join(', ')}), ` +
        `${left.maria.length} on MariaDB (${left.maria.slice(0, 3).map((b) => `${b.gtrid}/${b.bqual}`).join(', ')})`,
    );
    await common.rollBackLeftovers(left);
  }

  const run = { machine, servers, settings, tag, failures, variants: participants.map(summaryOf(participants)) };
  process.stdout.write(`${renderText(run)}\n`);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const markdown = renderMarkdown(run);
  fs.writeFileSync(path.join(DATA_DIR, 'transfers-latest.md'), `${markdown}\n`);
  fs.writeFileSync(path.join(DATA_DIR, 'transfers-latest.json'), `${JSON.stringify(run, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  progress('Markdown of this run: bench/.data/transfers-latest.md (XFER_UPDATE_README=1 writes it into bench/README.md)');
  if (failures.length > 0) {
    progress(`\nCHECKS FAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    progress(`checks: every variant's balances sum to the starting total and match what it moved; nothing left prepared`);
    if (settings.updateReadme) updateReadme(markdown);
  }
}

function summaryOf(participants) {
  const baseline = participants.find((p) => p.variant.key === BASELINE);
  return (p) => {
    const statements = (p.statements ?? []).slice().sort((x, y) => (x.server === y.server ? 0 : x.server < y.server ? 1 : -1));
    const perServer = (server) => statements.filter((s) => s.server === server).reduce((sum, s) => sum + s.perTransfer, 0);
    return {
      key: p.variant.key,
      file: p.variant.file,
      dist: p.variant.dist,
      letter: p.variant.letter,
      title: p.variant.title,
      label: p.label,
      samples: p.samples,
      cpuMicros: p.cpu,
      median: median(p.samples),
      cpuMedian: median(p.cpu),
      spread: spread(p.samples),
      ratio: baseline ? (p === baseline ? 1 : pairedRatio(p.samples, baseline.samples)) : NaN,
      roundTrips: p.statements ? { pg: perServer('PostgreSQL'), maria: perServer('MariaDB'), total: perServer('PostgreSQL') + perServer('MariaDB') } : undefined,
      statements,
      transfers: p.transfers,
      moved: p.moved,
      decisions: p.decisions,
    };
  };
}

function ratioLines(run) {
  const by = (key) => run.variants.find((v) => v.key === key);
  const lines = [];
  const coordinators = run.variants.filter((v) => v.file === 'coordinator');
  const b = by(BASELINE);
  for (const c of b ? coordinators : []) {
    lines.push(
      `(${c.letter})/(b) = ${formatRatio(c.ratio)}: the coordinator${c.key === 'coordinator' ? '' : ` built at ${c.dist}`} against raw 2PC with a decision record ` +
        againstTarget(c.ratio, c.samples, b.samples),
    );
  }
  const a = by('independent');
  if (a && b) lines.push(`(a)/(b) = ${formatRatio(a.ratio)}: two independent commits against raw 2PC (what atomicity costs)`);
  const e = by('raw-2pc-evidence');
  for (const c of e ? coordinators : []) {
    const ratio = pairedRatio(c.samples, e.samples);
    lines.push(`(${c.letter})/(b+) = ${formatRatio(ratio)}: the coordinator against raw 2PC sending the same statements ${againstTarget(ratio, c.samples, e.samples)}`);
  }
  return lines;
}

/** Whether a ratio meets the target, and every repetition's ratio in the order run: the spread a reader should see, not only the median. */
function againstTarget(ratio, samples, baseline) {
  const repetitions = repetitionRatios(samples, baseline).map((value) => value.toFixed(2)).join(', ');
  return `(target >= ${TARGET.toFixed(2)}x: ${ratio >= TARGET ? 'met' : 'NOT met'}); per repetition: ${repetitions}`;
}

function headline(run) {
  const { machine, servers, settings: s } = run;
  return (
    `Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ` +
    `${servers.pg}, ${servers.maria}; ${servers.pgDriver}, ${servers.mariaDriver}; ` +
    `${machine.library}${machine.commit ? ` (commit ${machine.commit}${machine.libDirty ? ', built with uncommitted lib/ changes' : ''})` : ''}. ` +
    `${s.reps} repetitions x ${s.durationMs} ms per variant, interleaved, after ${s.warmupMs} ms of warm-up; ` +
    `${s.concurrency} transfer${s.concurrency === 1 ? '' : 's'} in flight, pools of ${s.poolMax} a server; ${s.accounts.toLocaleString('en-US')} accounts a side.` +
    (s.quick ? ' QUICK run: too noisy to quote.' : '')
  );
}

function mainTable(run) {
  const headers = ['variant', 'transfers/s (median)', 'spread', 'vs (b)', 'round trips / transfer (PG + MariaDB)', 'client CPU / transfer'];
  const rows = run.variants.map((v) => [
    `(${v.letter}) ${v.title}`,
    formatOps(v.median),
    formatSpread(v.spread),
    formatRatio(v.ratio),
    v.roundTrips ? `${formatCount(v.roundTrips.total)} (${formatCount(v.roundTrips.pg)} + ${formatCount(v.roundTrips.maria)})` : '-',
    Number.isFinite(v.cpuMedian) ? `${Math.round(v.cpuMedian).toLocaleString('en-US')} µs` : '-',
  ]);
  return { headers, rows, right: [false, true, true, true, true, true] };
}

function statementRows(v) {
  return v.statements.map((s) => [s.server, s.statement, formatCount(s.perTransfer)]);
}

function textTable(headers, rows, right) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (right[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(headers, rows, right) {
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), `|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Markdown inline code that may itself hold backticks (MySQL identifiers). */
const codeSpan = (text) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

function decisionNote(v) {
  if (!v.decisions) return '';
  const parts = Object.entries(v.decisions).map(([state, n]) => `${n.toLocaleString('en-US')} ${state}`);
  return parts.length ? `decision log: ${parts.join(', ')}` : '';
}

function renderText(run) {
  const out = ['', headline(run), ''];
  const t = mainTable(run);
  out.push(textTable(t.headers, t.rows, t.right), '');
  out.push(...ratioLines(run));
  for (const v of run.variants) {
    if (v.statements.length === 0) continue;
    out.push('', `(${v.letter}) ${v.title} [${v.label}]: statements per transfer${decisionNote(v) ? `; ${decisionNote(v)}` : ''}`);
    out.push(textTable(['server', 'statement', 'per transfer'], statementRows(v), [false, false, true]));
  }
  if (run.failures.length > 0) out.push('', 'CHECKS FAILED:', ...run.failures.map((f) => `  ${f}`));
  return out.join('\n');
}

function renderMarkdown(run) {
  const out = [headline(run), ''];
  const t = mainTable(run);
  out.push(markdownTable(t.headers, t.rows, t.right), '');
  out.push(...ratioLines(run).map((l) => `- ${l}`), '');
  out.push(`Versions: ${run.variants.map((v) => `(${v.letter}) ${v.label}`).join('; ')}.`);
  for (const v of run.variants) {
    if (v.statements.length === 0) continue;
    out.push('', `Statements per transfer, (${v.letter}) ${v.title}${decisionNote(v) ? ` (${decisionNote(v)} at the end of the run)` : ''}:`, '');
    out.push(markdownTable(['server', 'statement', 'per transfer'], statementRows(v).map(([s, q, n]) => [s, codeSpan(q), n]), [false, false, true]));
  }
  if (run.failures.length > 0) out.push('', '**Checks failed:**', ...run.failures.map((f) => `- ${f}`));
  return out.join('\n');
}

function updateReadme(markdown) {
  if (replaceReadmeSection(README, RESULTS_START, RESULTS_END, markdown)) progress('bench/README.md updated (cross-database transfers section)');
  else progress(`bench/README.md has no ${RESULTS_START} ... ${RESULTS_END} section; not updated`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    progress(`\n${signal}: stopping workers and dropping the transfer databases`);
    cleanup().finally(() => process.exit(130));
  });
}

main()
  .catch((error) => {
    progress(`transfer bench failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
