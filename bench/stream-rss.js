'use strict';
/**
 * Peak memory of streaming a big table through one library, in a process of its own so that
 * nothing else (other libraries, the harness, earlier workloads) has touched its heap.
 * Usage: node bench/stream-rss.js <adapter file> <ctx as JSON> <expected rows>
 * Prints one JSON line: peak RSS (VmHWM, the kernel's high-water mark), RSS before the stream
 * started, rows seen, rows/s.
 */
const fs = require('node:fs');

function statusMB(field) {
  const line = fs
    .readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

async function main() {
  const [file, ctxJson, expectedText] = process.argv.slice(2);
  const adapter = require(file);
  const expected = Number(expectedText);
  let instance;
  try {
    instance = await adapter.open(JSON.parse(ctxJson), {});
  } catch (error) {
    if (error && error.skip) return { skipped: error.message };
    throw error;
  }
  if (typeof instance.stream !== 'function') {
    await instance.close();
    return { skipped: 'no streaming API in the adapter' };
  }
  const baselineRssMB = process.memoryUsage().rss / 2 ** 20;
  let rows = 0;
  let checksum = 0;
  let sampledPeakMB = 0;
  const start = performance.now();
  const iterable = instance.stream();
  const sample = () => {
    sampledPeakMB = Math.max(sampledPeakMB, process.memoryUsage().rss / 2 ** 20);
    process.stderr.write(`\r  ${rows.toLocaleString('en-US')} rows, RSS ${sampledPeakMB.toFixed(0)} MB   `);
  };
  if (instance.sync) {
    for (const r of iterable) {
      checksum += Number(r.id);
      if (++rows % 100_000 === 0) sample();
    }
  } else {
    for await (const r of iterable) {
      checksum += Number(r.id);
      if (++rows % 100_000 === 0) sample();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  process.stderr.write('\n');
  await instance.close();
  const expectedSum = (expected * (expected + 1)) / 2;
  if (rows !== expected || checksum !== expectedSum) {
    return { error: `streamed ${rows} rows (checksum ${checksum}), expected ${expected} (checksum ${expectedSum})` };
  }
  return {
    label: adapter.label(),
    rows,
    peakRssMB: statusMB('VmHWM'),
    baselineRssMB,
    sampledPeakMB,
    rowsPerSecond: rows / seconds,
  };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error) => {
    process.stdout.write(`${JSON.stringify({ error: String(error && error.stack ? error.stack : error) })}\n`);
    process.exit(1);
  },
);
