import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionRegistry, type ConnectionOptions } from 'nestjs-activerecord';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable } from '../distributed/support';
import { runCli } from '../../lib/cli/cli';
import { writeMigration, migration } from '../schema/harness';
import { runCliProcess as cli, type CliRun } from '../support/cli-process';

const ROOT = join(__dirname, '..', '..');
const available = serversAvailable();
const describeIf = available.ok ? describe : describe.skip;

describe('npx nestjs-activerecord: usage', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ar-cli-usage-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  /** The same entry point in this process (usage errors need no database, and no second process). */
  const inProcess = async (args: string[]): Promise<CliRun> => {
    const lines = { out: [] as string[], err: [] as string[] };
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const code = await runCli(args, { out: (line) => lines.out.push(line), err: (line) => lines.err.push(line) });
      return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
    } finally {
      process.chdir(previous);
    }
  };

  it('lists its commands with --help (the bin, as a process), and explains each one', async () => {
    const help = await cli(cwd, ['--help']);
    expect(help.code).toBe(0);
    for (const command of ['migration:generate', 'migration:create', 'migration:check', 'migrate', 'rollback', 'status']) expect(help.out).toContain(`  ${command}`);
    const one = await inProcess(['rollback', '--help']);
    expect(one.code).toBe(0);
    expect(one.out).toContain('Usage: npx nestjs-activerecord rollback [--steps <n>] [--connection <name>]');
    expect(one.out).toMatch(/--module <file\[#Export\]>/);
  });

  it('exits 2 on wrong usage, saying what is wrong', async () => {
    expect(await inProcess([])).toMatchObject({ code: 2 });
    expect(await inProcess(['migrat'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown command 'migrat'") });
    expect(await inProcess(['migrate', '--stepz', '2'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown option --stepz') });
    expect(await inProcess(['rollback', '--steps', 'two'])).toMatchObject({ code: 2, err: expect.stringContaining("--steps must be a whole number, got 'two'") });
    expect(await inProcess(['migrate', '--module', 'a.js', '--config', 'b.js'])).toMatchObject({ code: 2, err: expect.stringContaining('give --module or --config, not both') });
    const nowhere = await inProcess(['status']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toMatch(/where are the connections\? Pass --module dist\/app.module.js .* or --config <file>/);
  });
});

describeIf('npx nestjs-activerecord across three databases (--config)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ar-cli-'));
  const suite = 'cli_config';
  let connections: Record<string, ConnectionOptions>;

  beforeAll(async () => {
    connections = { main: { backend: 'sqlite', database: join(cwd, 'main.db') }, ledger: await postgres(suite), legacy: await mariadb(suite) };
    writeFileSync(
      join(cwd, 'activerecord.config.ts'),
      `import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

@Model({ table: 'notes', connection: 'main' })
class Note extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 200 }) body!: string;
}

@Model({ table: 'entries', connection: 'ledger' })
class Entry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('decimal', { precision: 10, scale: 2 }) amount!: string;
}

@Model({ table: 'accounts', connection: 'legacy' })
class Account extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60, unique: true }) code!: string;
}

export default {
  connections: ${JSON.stringify(connections)},
  models: [Note, Entry, Account],
  migrations: { directory: 'db/migrations' },
};
`,
    );
  });
  afterAll(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await releasePostgres(suite);
    await releaseMariadb(suite);
  });

  it('generates one migration per connection, reports pending ones, applies them with timings, and checks', async () => {
    const generated = await cli(cwd, ['migration:generate', 'initial schema']);
    expect(generated).toMatchObject({ code: 0, err: '' });
    for (const name of ['main', 'ledger', 'legacy']) {
      expect(generated.out).toMatch(new RegExp(`${name}: wrote db/migrations/${name}/\\d{14}_initial_schema\\.ts \\(1 step\\(s\\)\\)`));
      expect(readdirSync(join(cwd, 'db', 'migrations', name))).toHaveLength(1);
    }
    const pending = await cli(cwd, ['status']);
    expect(pending.code).toBe(0);
    expect(pending.out.match(/ {2}pending {2}\d{14}_initial_schema/g)).toHaveLength(3);

    const applied = await cli(cwd, ['migrate']);
    expect(applied).toMatchObject({ code: 0, err: '' });
    for (const name of ['main', 'ledger', 'legacy']) {
      expect(applied.out).toMatch(new RegExp(`${name} +applied {3}\\d{14}_initial_schema {2}\\(\\d+ ms, \\d+ statements?\\)`));
      expect(applied.out).toContain(`${name}: 1 applied`);
    }
    expect(await cli(cwd, ['migration:check'])).toMatchObject({ code: 0 });
    expect((await cli(cwd, ['migrate'])).out).toContain('main: up to date');
  }, 120_000);

  it('stops a cross-database release at the first failure, reports every connection, exits 1', async () => {
    const later = (id: string, connection: string, up: string) => writeMigration(join(cwd, 'db', 'migrations'), connection, id, migration(up, ''));
    later('20990101000001_main_ok', 'main', `  await schema.addColumn('notes', 'pinned', 'boolean', { default: false });`);
    later('20990101000002_ledger_broken', 'ledger', `  await schema.addIndex('entries', ['no_such_column']);`);
    later('20990101000003_legacy_after', 'legacy', `  await schema.addColumn('accounts', 'label', 'string', { nullable: true });`);

    const run = await cli(cwd, ['migrate']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/main +applied {3}20990101000001_main_ok/);
    expect(run.out).toMatch(/ledger +FAILED {4}20990101000002_ledger_broken/);
    expect(run.out).not.toMatch(/legacy +applied/);
    expect(run.out).toContain('main: 1 applied');
    expect(run.out).toContain('ledger: 0 applied, FAILED at 20990101000002_ledger_broken, 1 not applied');
    expect(run.out).toContain('legacy: 0 applied, 1 not applied');
    expect(run.err).toContain("Migration 20990101000002_ledger_broken (up) failed on connection 'ledger' (postgres)");
    expect(run.err).toContain('failed statement: CREATE INDEX "ix_entries_no_such_column" ON "entries" ("no_such_column")');
    expect(run.err).toContain('its transaction was rolled back, nothing of it was applied');

    const status = await cli(cwd, ['status', '--connection', 'ledger,legacy']);
    expect(status.out).toMatch(/ledger \(postgres, db\/migrations\/ledger\)\n {2}applied .*\n {2}pending {2}20990101000002_ledger_broken/);
    expect(status.out).toMatch(/legacy \(mariadb, db\/migrations\/legacy\)\n {2}applied .*\n {2}pending {2}20990101000003_legacy_after/);
    expect(status.out).not.toContain('main (');

    // Fixed, the release goes through; rollback then undoes the newest migration of one connection.
    later('20990101000002_ledger_broken', 'ledger', `  await schema.addIndex('entries', ['amount']);`);
    const fixed = await cli(cwd, ['migrate']);
    expect(fixed).toMatchObject({ code: 0 });
    expect(fixed.out).toContain('ledger: 1 applied');
    expect(fixed.out).toContain('legacy: 1 applied');
    const back = await cli(cwd, ['rollback', '--connection', 'legacy']);
    expect(back).toMatchObject({ code: 0 });
    expect(back.out).toMatch(/legacy +reverted {2}20990101000003_legacy_after/);
    expect(back.out).toContain('legacy: 1 reverted');
  }, 120_000);
  it('writes CommonJS migrations with --js (generate and create), which migrate and rollback run', async () => {
    writeFileSync(
      join(cwd, 'scratch.config.ts'),
      `import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

@Model({ table: 'tags', connection: 'scratch' })
class Tag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 30, index: true }) name!: string;
}

export default { connections: { scratch: { backend: 'sqlite', database: ${JSON.stringify(join(cwd, 'scratch.db'))} } }, models: [Tag], migrations: { directory: 'db/migrations' } };
`,
    );
    const config = ['--config', 'scratch.config.ts'];
    const generated = await cli(cwd, ['migration:generate', 'tags', '--js', ...config]);
    expect(generated).toMatchObject({ code: 0, err: '' });
    expect(generated.out).toMatch(/scratch: wrote db\/migrations\/scratch\/\d{14}_tags\.js/);
    const created = await cli(cwd, ['migration:create', 'by hand', '--connection', 'scratch', '--js', ...config]);
    expect(created).toMatchObject({ code: 0, err: '' });
    const files = readdirSync(join(cwd, 'db', 'migrations', 'scratch')).sort();
    expect(files).toEqual([expect.stringMatching(/^\d{14}_tags\.js$/), expect.stringMatching(/^\d{14}_by_hand\.js$/)]);
    // CommonJS, as written: loadable by plain Node without a TypeScript loader.
    const source = readFileSync(join(cwd, 'db', 'migrations', 'scratch', files[0]!), 'utf8');
    expect(source).toMatch(/exports\.up = |module\.exports/);
    expect(source).not.toMatch(/^import /m);

    const applied = await cli(cwd, ['migrate', ...config]);
    expect(applied).toMatchObject({ code: 0, err: '' });
    expect(applied.out).toContain('scratch: 2 applied');
    expect(await cli(cwd, ['migration:check', ...config])).toMatchObject({ code: 0 });
    const back = await cli(cwd, ['rollback', '--steps', '2', ...config]);
    expect(back).toMatchObject({ code: 0 });
    expect(back.out).toContain('scratch: 2 reverted');
    expect((await cli(cwd, ['migration:check', ...config])).code).toBe(1);
  }, 120_000);
});

describeIf('npx nestjs-activerecord with the application module (--module)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ar-cli-nest-'));
  const suite = 'cli_module';
  let env: Record<string, string>;

  beforeAll(async () => {
    env = { AR_CLI_CONNECTIONS: JSON.stringify({ main: await postgres(suite) }), AR_CLI_DIR: join(cwd, 'migrations') };
  });
  afterAll(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await releasePostgres(suite);
  });

  it("boots the module as an application context without running its startup migrations, and migrates on demand", async () => {
    const module = join(ROOT, 'test', 'cli', 'fixtures', 'app.module.ts');
    const generated = await cli(cwd, ['migration:generate', 'memos', '--module', module], env);
    expect(generated).toMatchObject({ code: 0, err: '' });
    expect(generated.out).toMatch(/main: wrote .*_memos\.ts/);

    // migrationsRun is on in the module: status must still find the migration pending.
    const status = await cli(cwd, ['status', '--module', module], env);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/main \(postgres, .*\)\n {2}pending {2}\d{14}_memos/);

    const applied = await cli(cwd, ['migrate', '--module', `${module}#AppModule`], env);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.out).toMatch(/main +applied {3}\d{14}_memos/);

    const registry = await ConnectionRegistry.open({ connections: JSON.parse(env.AR_CLI_CONNECTIONS!) as Record<string, ConnectionOptions>, logger: quietLogger });
    try {
      const table = (await registry.schema.introspect('main')).tables.find((t) => t.name === 'memos');
      expect(table?.columns.map((c) => c.name)).toEqual(['id', 'text', 'done']);
    } finally {
      await registry.close();
    }
    expect(await cli(cwd, ['rollback', '--module', module], env)).toMatchObject({ code: 0 });
  }, 120_000);

  it('boots a module with a coordinator as an operator: tx status takes no lease and settles nothing', async () => {
    const module = join(ROOT, 'test', 'cli', 'fixtures', 'app.module.ts');
    const nodeId = `cli-nest-${process.pid}`;
    const status = await cli(cwd, ['tx', 'status', '--module', module], { ...env, AR_CLI_COORDINATOR: JSON.stringify({ nodeId }) });
    expect(status).toMatchObject({ code: 0, err: '' });
    expect(status.out).toContain('In doubt: ');
    // Not recovering at startup: recovery would take over (and forget) an expired lease.
    const registry = await ConnectionRegistry.open({
      connections: JSON.parse(env.AR_CLI_CONNECTIONS!) as Record<string, ConnectionOptions>,
      coordinator: { recoverOnStartup: false, nodeId: `cli-check-${process.pid}` },
      logger: quietLogger,
    });
    try {
      const leases = await registry.get('main').query('SELECT node FROM ar_tx_nodes WHERE node = $1', [nodeId]).catch(() => []);
      expect(leases).toEqual([]);
    } finally {
      await registry.close();
    }
  }, 120_000);
});
