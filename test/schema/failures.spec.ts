import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MigrationError, type ConnectionRegistry } from 'nestjs-activerecord';
import { describeSchemaTargets, migration } from './harness';

/**
 * A migration that fails halfway. Where DDL is transactional (PostgreSQL, SQLite) nothing of it
 * stays; where it is not (MariaDB) the run stops with the failed statement and what was applied,
 * marks the migration failed, and refuses to go on until the schema is repaired.
 */
const BROKEN = migration(
  `
  await schema.createTable('first_half', (t) => { t.primaryKey(); t.string('name'); });
  await schema.addIndex('first_half', ['name']);
  await schema.addIndex('first_half', ['no_such_column']);`,
  `
  await schema.dropTable('first_half');`,
);

const FIXED = migration(
  `
  await schema.createTable('first_half', (t) => { t.primaryKey(); t.string('name'); });
  await schema.addIndex('first_half', ['name']);
  await schema.addColumn('first_half', 'nickname', 'string', { nullable: true });`,
  `
  await schema.dropTable('first_half');`,
);

describeSchemaTargets('a migration that fails halfway', (context) => {
  let registry: ConnectionRegistry;
  const tables = async () => (await registry.schema.introspect('main')).tables.map((t) => t.name).filter((n) => !n.startsWith('ar_'));

  beforeAll(async () => {
    registry = await context.open();
    context.write('20250201000001_ok', migration(`  await schema.createTable('kept', (t) => { t.primaryKey(); });`, `  await schema.dropTable('kept');`));
    context.write('20250201000002_broken', BROKEN);
    context.write('20250201000003_later', migration(`  await schema.createTable('later', (t) => { t.primaryKey(); });`, `  await schema.dropTable('later');`));
  });

  it('stops at the failed statement, says what was applied, and never runs the later migration', async () => {
    const migrator = registry.schema.migrations;
    const failure = (await migrator.migrate().catch((error: unknown) => error)) as MigrationError;
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure.migration).toBe('20250201000002_broken');
    expect(failure.connection).toBe('main');
    expect(failure.statement).toMatch(/^CREATE INDEX .ix_first_half_no_such_column. ON/);
    expect(failure.message).toContain('Migration 20250201000002_broken (up) failed on connection \'main\'');
    expect(failure.message).toContain(`failed statement: ${failure.statement}`);
    expect(failure.report?.connections[0]).toMatchObject({ connection: 'main', done: [{ id: '20250201000001_ok' }], failed: { id: '20250201000002_broken' }, remaining: ['20250201000002_broken', '20250201000003_later'] });

    const transactional = context.target.name !== 'mariadb';
    const status = (await migrator.status())[0]!;
    expect(status.applied.map((e) => e.id)).toEqual(['20250201000001_ok']);
    expect(status.pending).toEqual(transactional ? ['20250201000002_broken', '20250201000003_later'] : ['20250201000003_later']);
    if (transactional) {
      expect(failure.rolledBack).toBe(true);
      expect(failure.message).toMatch(/its transaction was rolled back, nothing of it was applied/);
      expect(await tables()).toEqual(['kept']);
    } else {
      expect(failure.rolledBack).toBe(false);
      expect(failure.appliedStatements).toHaveLength(2);
      expect(failure.appliedStatements[0]).toMatch(/^CREATE TABLE `first_half`/);
      expect(failure.appliedStatements[1]).toMatch(/^CREATE INDEX `ix_first_half_name`/);
      expect(failure.message).toMatch(/mariadb cannot roll DDL back: these 2 statement\(s\) of it were applied and stay applied/);
      expect(failure.message).toContain(failure.appliedStatements[0]!);
      expect(failure.message).toMatch(/marked failed in ar_migrations, and migrate refuses to run on 'main' until you repair the schema by hand/);
      expect(await tables()).toEqual(['first_half', 'kept']);
      expect(status.failed.map((e) => e.id)).toEqual(['20250201000002_broken']);
      expect(status.failed[0]!.detail).toMatchObject({ direction: 'up', statement: failure.statement, applied: failure.appliedStatements });
    }
  });

  it('refuses to go on from a half-migrated connection until repaired (no transactional DDL)', async () => {
    const migrator = registry.schema.migrations;
    // The broken migration is replaced by a fixed one (a new file: this process has loaded the old one).
    rmSync(join(context.directory, 'main', '20250201000002_broken.ts'));
    context.write('20250201000002_fixed', FIXED);
    if (context.target.name === 'mariadb') {
      const blocked = (await migrator.migrate().catch((error: unknown) => error)) as MigrationError;
      expect(blocked).toBeInstanceOf(MigrationError);
      expect(blocked.message).toMatch(/Connection 'main' is half-migrated: migration 20250201000002_broken \(up\) failed/);
      expect(blocked.message).toMatch(/after applying:\n {4}CREATE TABLE `first_half`/);
      expect(blocked.message).toMatch(/--retry-failed/);
      expect(await tables()).toEqual(['first_half', 'kept']);
      // Repaired by hand: the half-made table goes, then the run carries on from the failed migration.
      await registry.get('main').execute('DROP TABLE `first_half`');
      const report = await migrator.migrate({ retryFailed: true });
      expect(report.connections[0]!.done.map((d) => d.id)).toEqual(['20250201000002_fixed', '20250201000003_later']);
    } else {
      const report = await migrator.migrate();
      expect(report.connections[0]!.done.map((d) => d.id)).toEqual(['20250201000002_fixed', '20250201000003_later']);
    }
    expect(await tables()).toEqual(['first_half', 'kept', 'later']);
    expect((await migrator.status())[0]).toMatchObject({ failed: [], pending: [] });
  });

  it('reports a migration file that does not load, or has no down(), by name', async () => {
    const migrator = registry.schema.migrations;
    context.write('20250201000004_syntax', `throw new Error('cannot load this');\nexport async function up(): Promise<void> {}\n`);
    const broken = (await migrator.migrate().catch((error: unknown) => error)) as MigrationError;
    expect(broken).toBeInstanceOf(MigrationError);
    expect(broken.message).toMatch(/Migration 20250201000004_syntax \(.*20250201000004_syntax\.ts\) of connection 'main' does not load: cannot load this/);
    rmSync(join(context.directory, 'main', '20250201000004_syntax.ts'));
    context.write('20250201000004_oneway', `export async function up(schema: any): Promise<void> { await schema.createTable('oneway', (t: any) => t.primaryKey()); }`);
    await migrator.migrate();
    const irreversible = (await migrator.rollback().catch((error: unknown) => error)) as MigrationError;
    expect(irreversible.message).toMatch(/Migration 20250201000004_oneway on connection 'main' has no down\(\): it cannot be rolled back/);
  });

  it('refuses bad builder input with a message naming the table and column, before any SQL runs', async () => {
    context.write(
      '20250201000005_bad_input',
      migration(`  await schema.addColumn('kept', 'size', 'huge' as never);`, ``),
    );
    const failure = (await registry.schema.migrations.migrate().catch((error: unknown) => error)) as MigrationError;
    expect(failure.message).toMatch(/Column kept\.size: unknown type "huge"/);
    expect(failure.appliedStatements).toEqual([]);
  });

  it('says so when a session-locking database has a pool of one session (PostgreSQL, MariaDB)', async () => {
    if (context.target.name.startsWith('sqlite')) return;
    const single = await context.open({ connection: { pool: { max: 1 } } });
    const failure = (await single.schema.migrations.migrate().catch((error: unknown) => error)) as MigrationError;
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure.message).toMatch(/Connection 'main' has pool.max 1, and a migration run needs two sessions/);
  });
}, (target) => target.name !== 'sqlite-memory');
