import { ActiveRecord, Column, ConfigurationError, ConnectionRegistry, MigrationError, Model, PrimaryKey, type ConnectionOptions } from 'nestjs-activerecord';
import { describeSchemaTargets, migration, quietLogger } from './harness';

@Model({ table: 'visitors' })
class Visitor extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

const CREATE_VISITORS = migration(
  `  await schema.createTable('visitors', (t) => { t.primaryKey(); t.string('name'); });`,
  `  await schema.dropTable('visitors');`,
);

describeSchemaTargets('migrationsRun and synchronize at startup', (context) => {
  beforeAll(() => {
    context.write('20250401000001_visitors', CREATE_VISITORS);
  });

  it('ConnectionRegistry.open applies pending migrations before it resolves', async () => {
    const registry = await context.open({ migrationsRun: true, models: [Visitor] });
    await Visitor.create({ name: 'Ada' });
    expect(await Visitor.count()).toBe(1);
    expect((await registry.schema.migrations.status())[0]!.applied.map((e) => e.id)).toEqual(['20250401000001_visitors']);
    await registry.close();
  });

  it('synchronize refuses a connection that has a migration history', async () => {
    const failure = (await ConnectionRegistry.open({
      connections: { main: { ...context.options, synchronize: true } as ConnectionOptions },
      models: [Visitor],
      migrations: { directory: context.directory },
      logger: quietLogger,
    }).catch((error: unknown) => error)) as ConfigurationError;
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect(failure.message).toMatch(/Connection 'main' has a migration history \(1 migration\(s\) in ar_migrations\), so synchronize refuses to touch it/);
    expect(failure.connection).toBe('main');
  });

  it('refuses synchronize and migrationsRun on one connection', async () => {
    const failure = await ConnectionRegistry.open({
      connections: { main: { ...context.options, synchronize: true, migrationsRun: true } as ConnectionOptions },
      logger: quietLogger,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toMatch(/Connection 'main' has both synchronize and migrationsRun/);
  });

  it('checks the migrations options before anything opens', async () => {
    const failure = await ConnectionRegistry.open({
      connections: { main: context.options },
      migrations: { directory: '', lockTimeoutMs: -1 } as never,
      logger: quietLogger,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toBe('migrations.directory must be a non-empty path');
  });

  it('a failing startup migration stops the start with the migration error, also logged', async () => {
    context.write('20250401000003_broken', migration(`  await schema.addIndex('visitors', ['missing']);`, ``));
    const logged: string[] = [];
    const failure = (await ConnectionRegistry.open({
      connections: { main: context.options },
      migrationsRun: true,
      migrations: { directory: context.directory },
      logger: { ...quietLogger, error: (message: string) => logged.push(message) },
    }).catch((error: unknown) => error)) as MigrationError;
    expect(logged).toEqual([failure.message]);
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure.migration).toBe('20250401000003_broken');
    expect(failure.report?.connections[0]).toMatchObject({ connection: 'main', failed: { id: '20250401000003_broken' } });
  });
}, (target) => target.name !== 'sqlite-memory');
