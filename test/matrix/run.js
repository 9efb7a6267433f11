#!/usr/bin/env node
// The Nest matrix: every Nest-facing spec file on Nest 11 and Nest 12, in a CommonJS and in an
// ES-module application. Jest runs the first cell (CommonJS on Nest 11, the project's own
// install); this runs the others under plain Node, one process per file and flavour, because
// only plain Node loads Nest 12 (ES modules) the way a user's application does: through
// require(esm) from CommonJS, through import from an ES module. See docs/ARCHITECTURE.md, Tests.
//
//   node test/matrix/run.js                      every Nest-facing suite, flavours cjs-12 esm-11 esm-12
//   node test/matrix/run.js test/module/x.spec.ts  only these files
//   --flavors=cjs-11,esm-12   choose flavours (cjs-11 here runs the plain-Node cell Jest also runs)
//   --workers=N               processes at once (default 2)
//
// With a Nest 12 flavour, the whole project is first type-checked against Nest 12's declarations
// (tsconfig.nest12.json).
//
// A spec file joins the matrix by importing from `@nestjs/` (a value import, not `import type`).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nestFolder, nestVersions, root } = require('./nest-major');

const FLAVORS = {
  'cjs-11': { major: 11, preload: ['--require', path.join(__dirname, 'preload-cjs.js')] },
  'cjs-12': { major: 12, preload: ['--require', path.join(__dirname, 'preload-cjs.js')] },
  'esm-11': { major: 11, preload: ['--import', path.join(__dirname, 'preload-esm.mjs')] },
  'esm-12': { major: 12, preload: ['--import', path.join(__dirname, 'preload-esm.mjs')] },
};
const DEFAULT_FLAVORS = ['cjs-12', 'esm-11', 'esm-12'];
const FILE_TIMEOUT_MS = 5 * 60_000;
const NEST_IMPORT = /^\s*import\s+(?!type\b)[^;]*?from\s+['"]@nestjs\//m;

function parseArgs(argv) {
  const options = { flavors: DEFAULT_FLAVORS, workers: 2, files: [] };
  for (const arg of argv) {
    const [key, value] = arg.split('=');
    if (key === '--flavors') options.flavors = value.split(',').filter(Boolean);
    else if (key === '--workers') options.workers = Math.max(1, Number(value) || 1);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg} (known: --flavors=, --workers=)`);
    else options.files.push(path.relative(root, path.resolve(arg)));
  }
  for (const flavor of options.flavors) {
    if (!(flavor in FLAVORS)) throw new Error(`unknown flavor '${flavor}' (known: ${Object.keys(FLAVORS).join(', ')})`);
  }
  return options;
}

/** Every spec file that builds on Nest: it imports a value from @nestjs/*. */
function nestFacingSuites() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'disruptive', 'matrix'].includes(entry.name)) walk(file);
      } else if (entry.name.endsWith('.spec.ts') && NEST_IMPORT.test(fs.readFileSync(file, 'utf8'))) {
        found.push(path.relative(root, file));
      }
    }
  };
  walk(path.join(root, 'test'));
  return found.sort();
}

/** Nest 12 comes from its own install; outside CI a missing install skips its flavours loudly. */
function availableFlavors(flavors) {
  const missing = new Map();
  for (const flavor of flavors) {
    try {
      nestFolder(FLAVORS[flavor].major);
    } catch (error) {
      missing.set(flavor, error.message);
    }
  }
  if (missing.size > 0) {
    const lines = [...missing].map(([flavor, reason]) => `  ${flavor}: ${reason}`).join('\n');
    if (process.env.CI === 'true') throw new Error(`The Nest matrix cannot run under CI=true:\n${lines}`);
    console.warn(`\nSKIPPED Nest matrix flavours (install them to run them):\n${lines}\n`);
  }
  return flavors.filter((flavor) => !missing.has(flavor));
}

/** lib/, test/ and sample/ against Nest 12's declarations (npm run typecheck covers Nest 11's). */
function typecheckAgainstNest12() {
  const started = Date.now();
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.nest12.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the project does not type-check against Nest 12 (see above)');
  console.log(`Type-checked lib/, test/ and sample/ against Nest 12's declarations (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** The backend probe Jest's globalSetup writes (.tmp/backend-availability.json), for suites that read it. */
function probeBackends() {
  const result = spawnSync(
    process.execPath,
    ['--require', path.join(root, 'test/support/register-ts.js'), '-e', "require('./test/support/global-setup.ts').default().catch((e) => { console.error(e); process.exit(1); })"],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  if (result.status !== 0) throw new Error('probing the backends failed (see above)');
}

function runOne(flavor, file) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...FLAVORS[flavor].preload, '--enable-source-maps', '--test-reporter=spec', file], {
      cwd: root,
      env: { ...process.env, AR_NEST_MAJOR: String(FLAVORS[flavor].major), AR_NEST_FLAVOR: flavor, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const count = (label) => Number(new RegExp(`^\\S* ?${label} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      const counts = { tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped') + count('todo'), cancelled: count('cancelled') };
      const ok = code === 0 && !timedOut && counts.fail === 0 && counts.cancelled === 0 && counts.tests > 0;
      const why = timedOut ? `did not finish within ${FILE_TIMEOUT_MS / 1000} s (an open handle?)` : signal ? `killed by ${signal}` : counts.tests === 0 ? 'ran no test' : `exit code ${code}`;
      resolve({ flavor, file, ok, why, counts, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const files = options.files.length > 0 ? options.files : nestFacingSuites();
  const flavors = availableFlavors(options.flavors);
  const started = Date.now();
  const majors = [...new Set(flavors.map((flavor) => FLAVORS[flavor].major))];
  console.log(`\nNest matrix: ${files.length} suite(s) x ${flavors.join(', ')} (${options.workers} at a time)`);
  for (const major of majors) {
    console.log(`  Nest ${major}: ${Object.entries(nestVersions(major)).map(([name, version]) => `${name} ${version}`).join(', ')}`);
  }
  if (majors.includes(12)) typecheckAgainstNest12();
  probeBackends();

  const queue = flavors.flatMap((flavor) => files.map((file) => ({ flavor, file })));
  const results = [];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const result = await runOne(job.flavor, job.file);
      results.push(result);
      const { counts } = result;
      const tally = `${counts.pass} passed${counts.skipped ? `, ${counts.skipped} skipped` : ''}${counts.fail ? `, ${counts.fail} failed` : ''}`;
      console.log(`${result.ok ? 'PASS' : 'FAIL'} ${result.flavor.padEnd(6)} ${result.file} (${tally}; ${result.seconds.toFixed(1)} s)`);
      if (!result.ok) console.log(`---- ${result.flavor} ${result.file}: ${result.why}\n${result.output.trimEnd()}\n----`);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));

  const failed = results.filter((result) => !result.ok);
  const total = results.reduce((sum, result) => sum + result.counts.pass, 0);
  console.log(`\nNest matrix: ${results.length - failed.length}/${results.length} suite runs passed (${total} tests) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const result of failed) console.log(`  FAILED ${result.flavor} ${result.file}: ${result.why}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
