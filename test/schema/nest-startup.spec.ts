import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ActiveRecord, ActiveRecordModule, Column, ConnectionRegistry, MigrationError, Model, PrimaryKey } from 'nestjs-activerecord';

/**
 * `migrationsRun` in a Nest application (on every Nest major and module flavour of the matrix):
 * migrations run in the module init phase, before the application's own providers initialise,
 * and a failing one stops the start with its connections closed. The registry-level behaviour
 * on every database is in startup.spec.ts; here one SQLite file is enough.
 */
@Model({ table: 'guests' })
class Guest extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Injectable()
class Greeter implements OnModuleInit {
  seen = -1;
  async onModuleInit(): Promise<void> {
    await Guest.create({ name: 'first' });
    this.seen = await Guest.count();
  }
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('migrationsRun in a Nest application', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ar-nest-migrations-'));
  const migrations = join(dir, 'migrations');
  const write = (id: string, up: string) => {
    mkdirSync(join(migrations, 'main'), { recursive: true });
    writeFileSync(join(migrations, 'main', `${id}.js`), `exports.up = async (schema) => { ${up} };\nexports.down = async () => {};\n`);
  };
  const rootModule = () => {
    @Module({
      imports: [
        ActiveRecordModule.forRoot({
          connections: { main: { backend: 'sqlite', database: join(dir, 'app.db') } },
          models: [Guest],
          migrationsRun: true,
          migrations: { directory: migrations },
          logger: quiet,
        }),
      ],
      providers: [Greeter],
    })
    class AppModule {}
    return AppModule;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies them in the module init phase, before any provider of its own initialises', async () => {
    write('20250501000001_guests', `await schema.createTable('guests', (t) => { t.primaryKey(); t.string('name'); });`);
    write('20250501000002_guest_email', `await schema.addColumn('guests', 'email', 'string', { nullable: true });`);
    const app = await Test.createTestingModule({ imports: [rootModule()] }).compile();
    await app.init();
    try {
      expect(app.get(Greeter).seen).toBe(1);
      const columns = (await app.get(ConnectionRegistry).schema.introspect('main')).tables.find((t) => t.name === 'guests')!.columns.map((c) => c.name);
      expect(columns).toEqual(['id', 'name', 'email']);
    } finally {
      await app.close();
    }
  });

  it('does not start when one fails, and closes its connections', async () => {
    write('20250501000003_broken', `await schema.addIndex('guests', ['missing']);`);
    const moduleRef = await Test.createTestingModule({ imports: [rootModule()] }).compile();
    const registry = moduleRef.get(ConnectionRegistry);
    const failure = await moduleRef.init().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('20250501000003_broken');
    expect(registry.isClosed).toBe(true);
  });
});
