'use strict';
/** Tables: plain text for the terminal, Markdown for bench/README.md. */
const { median, spread, pairedRatio } = require('./stats');
const { WORKLOADS } = require('./workloads');

const LIBRARY_NAMES = {
  raw: 'raw driver',
  ours: 'nestjs-activerecord',
  knex: 'Knex',
  typeorm: 'TypeORM',
  sequelize: 'Sequelize',
  drizzle: 'Drizzle',
  'mikro-orm': 'MikroORM',
};

function formatOps(value) {
  if (!Number.isFinite(value)) return '-';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

function formatMicros(value) {
  if (!Number.isFinite(value)) return '-';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} ms`;
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} µs`;
}

const formatRatio = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '-');
const formatSpread = (value) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '-');

function workloadTitle(key, settings) {
  const w = WORKLOADS[key];
  if (key === 'bulk') return `${w.title}, ${settings.bulkRows.toLocaleString('en-US')} rows`;
  return w.title;
}

/** Summaries per workload and library: median ops/s, spread, and the paired ratio to raw. */
function summarize(backendResult) {
  const rows = [];
  for (const workload of backendResult.workloads) {
    const raw = backendResult.samples[workload]?.raw;
    for (const p of backendResult.participants) {
      const samples = backendResult.samples[workload]?.[p.library] ?? [];
      rows.push({
        workload,
        library: p.library,
        label: p.label,
        median: median(samples),
        spread: spread(samples),
        ratio: raw ? pairedRatio(samples, raw) : NaN,
        cpuPerOp: median(backendResult.cpu?.[workload]?.[p.library] ?? []),
        samples,
      });
    }
  }
  return rows;
}

function pad(text, width, right) {
  text = String(text);
  return right ? text.padStart(width) : text.padEnd(width);
}

function textTable(headers, rows, rightAligned) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], rightAligned[i])).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(headers, rows, rightAligned) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const rule = `|${rightAligned.map((r) => (r ? '---:' : ':---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The ratio matrix: one row per workload, one column per library (raw shows its ops/s). */
function matrix(backendResult, settings) {
  const summary = summarize(backendResult);
  const libraries = backendResult.participants.map((p) => p.library);
  const headers = ['workload', ...libraries.map((l) => (l === 'raw' ? 'raw ops/s' : LIBRARY_NAMES[l] ?? l))];
  const rows = backendResult.workloads.map((workload) => [
    workloadTitle(workload, settings),
    ...libraries.map((library) => {
      const s = summary.find((x) => x.workload === workload && x.library === library);
      if (!s) return '-';
      return library === 'raw' ? formatOps(s.median) : formatRatio(s.ratio);
    }),
  ]);
  return { headers, rows, right: headers.map((_, i) => i > 0) };
}

function detail(backendResult, settings) {
  const headers = ['workload', 'library', 'ops/s (median)', 'spread', 'vs raw', 'reps', 'client CPU / op'];
  const rows = summarize(backendResult).map((s, i, all) => [
    i > 0 && all[i - 1].workload === s.workload ? '' : workloadTitle(s.workload, settings),
    s.label,
    formatOps(s.median),
    formatSpread(s.spread),
    s.library === 'raw' ? '1.00x' : formatRatio(s.ratio),
    String(s.samples.filter((v) => Number.isFinite(v)).length),
    formatMicros(s.cpuPerOp),
  ]);
  return { headers, rows, right: [false, false, true, true, true, true, true] };
}

/** Per workload: the library against its target on this backend and against the best peer. */
const TARGETS = { sqlite: 0.8, postgres: 0.9, mariadb: 0.9 };
function targets(backendResult, settings) {
  const target = TARGETS[backendResult.name] ?? 0.9;
  const summary = summarize(backendResult);
  const headers = ['workload', 'nestjs-activerecord vs raw', `target (>= ${target.toFixed(2)}x)`, 'best peer', 'vs best peer'];
  const rows = backendResult.workloads.map((workload) => {
    const ours = summary.find((x) => x.workload === workload && x.library === 'ours');
    const peers = summary.filter((x) => x.workload === workload && !['raw', 'ours'].includes(x.library) && !x.library.startsWith('ours@'));
    const best = peers.sort((a, b) => b.ratio - a.ratio)[0];
    if (!ours) return [workloadTitle(workload, settings), '-', '-', '-', '-'];
    const met = ours.ratio >= target;
    const ahead = !best || ours.ratio > best.ratio;
    return [
      workloadTitle(workload, settings),
      formatRatio(ours.ratio),
      met ? 'met' : `missed by ${(target - ours.ratio).toFixed(2)}`,
      best ? `${LIBRARY_NAMES[best.library] ?? best.library} ${formatRatio(best.ratio)}` : '-',
      best ? (ahead ? `ahead (${formatRatio(ours.ratio / best.ratio)})` : `behind (${formatRatio(ours.ratio / best.ratio)})`) : '-',
    ];
  });
  return { headers, rows, right: [false, true, false, false, false] };
}

function backendHeading(b) {
  return `${b.title} (${b.driver}${b.server ? `, server ${b.server}` : ''})`;
}

function skippedLines(b) {
  return b.skipped.map((s) => `${LIBRARY_NAMES[s.library] ?? s.library}: skipped, ${s.reason}`);
}

function noteLines(b) {
  return b.participants
    .filter((p) => p.sync || p.note)
    .map((p) => `${p.label}: ${[p.sync ? 'synchronous API, called without await' : '', p.note ?? ''].filter(Boolean).join('; ')}`);
}

function renderText(run) {
  const out = [];
  const { settings } = run;
  out.push('');
  out.push(
    `Ratios are medians of per-repetition ratios to the raw driver (raw = 1.00x; higher is faster). ` +
      `${settings.reps} repetitions x ${settings.durationMs} ms per library and workload, interleaved.`,
  );
  for (const b of run.backends) {
    out.push('');
    out.push(`== ${backendHeading(b)} ==`);
    if (b.unavailable) {
      out.push(`skipped: ${b.unavailable}`);
      continue;
    }
    if (b.participants.length > 0) {
      const m = matrix(b, settings);
      out.push(textTable(m.headers, m.rows, m.right));
      out.push('');
      const d = detail(b, settings);
      out.push(textTable(d.headers, d.rows, d.right));
      out.push('');
      const t = targets(b, settings);
      out.push(textTable(t.headers, t.rows, t.right));
    }
    for (const line of noteLines(b)) out.push(line);
    for (const line of skippedLines(b)) out.push(line);
  }
  if (run.stream.length > 0 || run.streamSkipped) {
    out.push('');
    out.push(`== Peak memory streaming ${settings.streamRows.toLocaleString('en-US')} rows (fresh process each) ==`);
    if (run.streamSkipped) out.push(`skipped: ${run.streamSkipped}`);
    if (run.stream.length > 0) {
      const s = streamTable(run);
      out.push(textTable(s.headers, s.rows, s.right));
    }
  }
  return out.join('\n');
}

function streamTable(run) {
  const headers = ['backend', 'library', 'peak RSS', 'RSS before stream', 'rows', 'rows/s'];
  const rows = run.stream.map((s) =>
    s.error
      ? [s.backend, s.label ?? s.library, 'failed', '', '', s.error.split('\n')[0].slice(0, 60)]
      : [s.backend, s.label, `${s.peakRssMB.toFixed(0)} MB`, `${s.baselineRssMB.toFixed(0)} MB`, s.rows.toLocaleString('en-US'), formatOps(s.rowsPerSecond)],
  );
  return { headers, rows, right: [false, false, true, true, true, true] };
}

function renderMarkdown(run) {
  const { settings, machine } = run;
  const out = [];
  out.push(
    `Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; ` +
      `Node ${machine.node}; ${machine.library}${machine.commit ? ` (commit ${machine.commit})` : ''}. ` +
      `${settings.reps} repetitions x ${settings.durationMs} ms per library and workload, interleaved; ` +
      `${settings.seedRows.toLocaleString('en-US')} rows in the table read by the selects; ` +
      `load average (1, 5, 15 min) ${machine.loadStart} at the start, ${machine.loadEnd ?? '?'} at the end` +
      `${settings.quick ? ' (quick mode: too noisy to quote)' : ''}.`,
  );
  for (const b of run.backends) {
    out.push('');
    out.push(`### ${backendHeading(b)}`);
    out.push('');
    if (b.unavailable) {
      out.push(`Skipped: ${b.unavailable}`);
      continue;
    }
    if (b.participants.length > 0) {
      out.push('Ratio to the raw driver (median of per-repetition ratios; higher is faster):');
      out.push('');
      const m = matrix(b, settings);
      out.push(markdownTable(m.headers, m.rows, m.right));
      out.push('');
      const d = detail(b, settings);
      out.push(markdownTable(d.headers, d.rows, d.right));
      out.push('');
      out.push('Targets (ratio of medians of per-repetition ratios; a peer is compared by its own ratio to raw):');
      out.push('');
      const t = targets(b, settings);
      out.push(markdownTable(t.headers, t.rows, t.right));
      out.push('');
      out.push(`Versions: ${b.participants.map((p) => p.label).join(', ')}.`);
      for (const line of noteLines(b)) out.push(`- ${line}`);
    }
    const skipped = skippedLines(b);
    if (skipped.length > 0) {
      out.push('');
      for (const line of skipped) out.push(`- ${line}`);
    }
  }
  if (run.stream.length > 0) {
    out.push('');
    out.push(`### Peak memory while streaming ${settings.streamRows.toLocaleString('en-US')} rows`);
    out.push('');
    const s = streamTable(run);
    out.push(markdownTable(s.headers, s.rows, s.right));
  }
  return out.join('\n');
}

module.exports = { renderText, renderMarkdown, summarize, formatOps, formatRatio, LIBRARY_NAMES };
