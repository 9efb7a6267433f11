import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeBackends } from '../support/describe-backends';

const ROWS = 200_000;
const HEAP_CAP_MB = 48;

/**
 * 200,000 rows of ~200 characters are about 40 MB of strings alone, and several times that as
 * driver rows plus model instances: far over a 48 MB heap. Streaming them through models in a
 * process capped at that heap only succeeds if memory stays bounded by the batch size.
 */
describeBackends('stream() memory stays bounded', { models: [] }, (context) => {
  it(`streams ${ROWS} rows through models in a process with a ${HEAP_CAP_MB} MB heap`, () => {
    const child = spawnSync(
      process.execPath,
      [`--max-old-space-size=${HEAP_CAP_MB}`, '--expose-gc', '-r', join(__dirname, '..', 'support', 'register-ts.js'), join(__dirname, 'scripts', 'stream-under-memory-cap.ts')],
      { env: { ...process.env, CONNECTION_OPTIONS: JSON.stringify(context.options), ROWS: String(ROWS) }, encoding: 'utf8', timeout: 240_000 },
    );
    if (child.status !== 0) throw new Error(`child failed (status ${child.status}, signal ${child.signal}):\n${child.stderr.slice(-2000)}`);
    const result = JSON.parse(child.stdout) as { count: number; peakHeapMb: number };
    expect(result.count).toBe(ROWS);
    expect(result.peakHeapMb).toBeLessThan(HEAP_CAP_MB);
  }, 300_000);
});
