import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import {
  ActiveRecord,
  ActiveRecordHealthIndicator,
  ActiveRecordModule,
  Column,
  ConfigurationError,
  ConnectionError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  type ActiveRecordModuleOptions,
  type MysqlConnectionOptions,
  type PostgresConnectionOptions,
} from 'nestjs-activerecord';
import { withAdmin as withPostgres } from '../backends/postgres/target';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable } from '../distributed/support';
import { TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(60_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

@Model({ table: 'lazy_notes', connection: 'maria' })
class LazyNote extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() body!: string;
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly activeRecord: ActiveRecordHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.activeRecord.pingCheck('main'), () => this.activeRecord.pingCheck('pg', { timeoutMs: 2_000 })]);
  }
}

interface Started {
  app: INestApplication;
  registry: ConnectionRegistry;
  lines: string[];
  health(): Promise<{ status: number; body: { error?: Record<string, { status: string; message?: string }> } }>;
}

async function start(options: ActiveRecordModuleOptions): Promise<Started> {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  const ref = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false }), ActiveRecordModule.forRoot({ logger: { log: keep, warn: keep, error: keep, debug: () => undefined }, ...options })],
    controllers: [HealthController],
  }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.listen(0);
  const base = await app.getUrl();
  return {
    app,
    registry: app.get(ConnectionRegistry),
    lines,
    health: async () => {
      const response = await fetch(`${base}/health`);
      return { status: response.status, body: (await response.json()) as { error?: Record<string, { status: string; message?: string }> } };
    },
  };
}

/** A PostgreSQL URL through a proxy that is not listening: the database is "down" until proxy.start(). */
async function downPostgres(suite: string): Promise<{ options: PostgresConnectionOptions; proxy: TcpProxy }> {
  const pg = (await postgres(suite)) as PostgresConnectionOptions & { url: string };
  const url = new URL(pg.url);
  const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
  url.port = String(await proxy.start());
  await proxy.cut({ stopListening: true });
  return { options: { ...pg, url: url.toString(), lazyConnect: true, pool: { max: 2, acquireTimeoutMs: 2_000 } }, proxy };
}

describeIf('lazyConnect', () => {
  let started: Started | undefined;
  let proxy: TcpProxy | undefined;
  let maria: MysqlConnectionOptions;

  beforeAll(async () => {
    maria = (await mariadb('lazy_maria')) as MysqlConnectionOptions;
    const setup = await ConnectionRegistry.open({ connections: { maria }, models: [LazyNote] });
    await setup.schema.createTables();
    await setup.close();
  });
  afterEach(async () => {
    await started?.app.close();
    await proxy?.stop();
    started = undefined;
    proxy = undefined;
  });
  afterAll(async () => {
    await releasePostgres('lazy_pg');
    await releaseMariadb('lazy_maria');
  });

  it('starts with the database down, reports it in the health check, fails its first statement naming it, and connects once it is back', async () => {
    const down = await downPostgres('lazy_pg');
    proxy = down.proxy;
    started = await start({ connections: { main: { backend: 'sqlite', database: ':memory:' }, pg: down.options } });
    const pg = started.registry.get('pg');
    expect(pg.isOpen).toBe(false);

    const health = await started.health();
    expect(health.status).toBe(503);
    expect(health.body.error).toEqual({
      pg: {
        status: 'down',
        backend: 'postgres',
        message: expect.stringMatching(/^Connection 'pg' failed: Connection 'pg' \(lazyConnect\) could not open on first use: Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/test for connection 'pg': .+; the next statement tries again$/),
      },
    });

    const failure = await pg.query('SELECT 1 AS one').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect(failure).toMatchObject({ connection: 'pg' });
    await expect(pg.transaction(async () => undefined)).rejects.toThrow(/Connection 'pg' \(lazyConnect\) could not open on first use/);

    await proxy.start();
    expect(await pg.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
    expect(pg.isOpen).toBe(true);
    expect(await pg.transaction(async () => pg.query('SELECT 2 AS two'))).toEqual([{ two: 2 }]);
    expect((await started.health()).status).toBe(200);
  });

  it('opens on the first statement of a model, transactions included, and learns its server then (MariaDB RETURNING)', async () => {
    started = await start({ connections: { main: { backend: 'sqlite', database: ':memory:' }, maria: { ...maria, lazyConnect: true } }, models: [LazyNote] });
    const connection = started.registry.get('maria');
    expect(connection.isOpen).toBe(false);
    const note = await started.registry.run(() => LazyNote.create({ body: 'first use' }));
    expect(connection.isOpen).toBe(true);
    expect(note.id).toEqual(expect.any(Number));
    const inTransaction = await started.registry.run(() => connection.transaction(() => LazyNote.create({ body: 'in a transaction' })));
    expect(await started.registry.run(() => LazyNote.where({ id: [note.id, inTransaction.id] }).pluck('body'))).toEqual(['first use', 'in a transaction']);
  });

  it('with a coordinator, starts although a lazy participant is down, and recovers what it holds in doubt once it opens', async () => {
    const down = await downPostgres('lazy_pg');
    proxy = down.proxy;
    const node = `lazy-${process.pid}`;
    // What a crashed run of this node left prepared on PostgreSQL: old, no decision, so presumed abort.
    const gid = `ar.${node}.${(Date.now() - 120_000).toString(36)}-${randomBytes(8).toString('hex')}`;
    await withPostgres(async (client) => {
      await client.query('BEGIN');
      await client.query('SELECT 1');
      await client.query(`PREPARE TRANSACTION '${gid}:1'`);
    });
    const prepared = () => withPostgres(async (client) => (await client.query('SELECT 1 FROM pg_prepared_xacts WHERE gid = $1', [`${gid}:1`])).rowCount);
    try {
      started = await start({
        connections: { main: { backend: 'sqlite', database: ':memory:' }, pg: down.options, maria },
        coordinator: { log: { connection: 'main' }, nodeId: node, orphanTimeoutMs: 1_000 },
      });
      expect(started.lines).toContain("Recovery will inspect connection 'pg' when it opens (lazyConnect)");
      expect(await prepared()).toBe(1);

      await proxy.start();
      await started.registry.get('pg').query('SELECT 1 AS one');
      const reported = () => started!.lines.some((line) => /^Recovery after connection 'pg' opened resolved 1 branch/.test(line));
      for (let waited = 0; !reported(); waited += 100) {
        if (waited > 10_000) throw new Error(`recovery did not report rolling back ${gid} after the lazy connection opened: ${started.lines.join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await prepared()).toBe(0);
    } finally {
      await withPostgres((client) => client.query(`ROLLBACK PREPARED '${gid}:1'`)).catch(() => undefined);
    }
  });

  it('refuses lazyConnect with synchronize or migrationsRun, which need the database at startup', async () => {
    const options = (extra: object): ActiveRecordModuleOptions => ({ connections: { main: { backend: 'sqlite', database: ':memory:', lazyConnect: true, ...extra } } });
    await expect(ConnectionRegistry.open(options({ synchronize: true }))).rejects.toThrow(
      new ConfigurationError(
        "Connection 'main' has lazyConnect and synchronize: synchronize needs the database at startup, lazyConnect lets the application start without it. " +
          "Set synchronize: false on 'main' (run migrations with the CLI), or drop lazyConnect",
      ),
    );
    await expect(ConnectionRegistry.open({ ...options({}), migrationsRun: true })).rejects.toThrow(/Connection 'main' has lazyConnect and migrationsRun/);
    await expect(ConnectionRegistry.open(options({ lazyConnect: 'yes' }))).rejects.toThrow(/connections\.main\.lazyConnect must be true or false/);
  });
});
