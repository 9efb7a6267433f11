import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ConnectionRegistry } from 'nestjs-activerecord';
import { describeSchemaTargets, migration } from './harness';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(__dirname, 'scripts', 'start-and-migrate.ts');

interface Instance {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<{ code: number | null; ok: boolean; lines: string[]; error?: string }>;
}

/** An application instance in a process of its own, started but held before it opens its connections. */
export function startInstance(env: Record<string, string>): Instance {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'support', 'register-ts.js'), WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  let signalReady: () => void;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready\n')) signalReady();
  });
  const done = new Promise<{ code: number | null; ok: boolean; lines: string[]; error?: string }>((resolve) => {
    child.on('exit', (code) => {
      const report = output.split('\n').find((line) => line.startsWith('{'));
      resolve({ code, ...(report ? JSON.parse(report) : { ok: false, lines: [], error: `no report; output: ${output}` }) });
    });
  });
  return { child, ready, done };
}

/** Each migration records itself in applied_log (outside any transaction on MariaDB) and takes a while. */
function slowMigration(step: number, create: string): string {
  return migration(
    `
  ${create}
  const placeholder = schema.dialect === 'postgres' ? '$1' : '?';
  await schema.execute('INSERT INTO applied_log (migration) VALUES (' + placeholder + ')', ['m${step}']);
  await new Promise((resolve) => setTimeout(resolve, 400));`,
    `  // not rolled back in this test`,
  );
}

describeSchemaTargets('two instances starting together with migrationsRun', (context) => {
  let registry: ConnectionRegistry;

  beforeAll(async () => {
    registry = await context.open();
    context.write('20250301000001_log', slowMigration(1, `await schema.createTable('applied_log', (t) => { t.primaryKey(); t.string('migration', { length: 20 }); });`));
    context.write('20250301000002_things', slowMigration(2, `await schema.createTable('things', (t) => { t.primaryKey(); t.string('name'); });`));
    context.write('20250301000003_more', slowMigration(3, `await schema.addColumn('things', 'size', 'integer', { nullable: true });`));
  });

  it('apply each migration exactly once, one instance waiting for the other', async () => {
    const env = { AR_OPTIONS: JSON.stringify(context.options), AR_DIR: context.directory };
    const instances = [startInstance(env), startInstance(env)];
    await Promise.all(instances.map((instance) => instance.ready));
    for (const instance of instances) instance.child.stdin!.write('go\n');
    const results = await Promise.all(instances.map((instance) => instance.done));

    for (const result of results) expect({ code: result.code, ok: result.ok, error: result.error }).toEqual({ code: 0, ok: true, error: undefined });
    const lines = results.flatMap((result) => result.lines);
    expect(lines.filter((line) => / applied in \d+ ms/.test(line))).toHaveLength(3);
    expect(lines.some((line) => /waiting for the migration lock/.test(line))).toBe(true);

    const main = registry.get('main');
    const log = await main.query('SELECT migration FROM applied_log ORDER BY migration');
    expect(log.map((row) => row.migration)).toEqual(['m1', 'm2', 'm3']);
    const status = (await registry.schema.migrations.status())[0]!;
    expect(status.applied.map((entry) => entry.id)).toEqual(['20250301000001_log', '20250301000002_things', '20250301000003_more']);
    expect(status.pending).toEqual([]);
  }, 120_000);
}, (target) => target.name !== 'sqlite-memory');
