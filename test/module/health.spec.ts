import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  ActiveRecordHealthIndicator,
  ActiveRecordModule,
  ConnectionRegistry,
  ConfigurationError,
  HeuristicCompletionError,
  TransactionCoordinator,
  defineSagaStep,
  transactional,
  type ActiveRecordModuleOptions,
  type CoordinatorCheckOptions,
  type PostgresConnectionOptions,
} from 'nestjs-activerecord';
import { BANK_MODELS, LiteTransfer, PgTransfer } from '../distributed/harness/bank';
import { BankInspector, NODE, runUntilKilled } from '../distributed/harness/harness';
import { SAGA_MODELS } from '../distributed/harness/saga-bank';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from '../distributed/support';
import { TcpProxy } from '../support/tcp-proxy';
import { quietLogger } from './fixtures';

jest.setTimeout(60_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

/** What the coordinator endpoint checks with; each test sets its thresholds. */
let coordinatorOptions: CoordinatorCheckOptions = {};
let pinged: string[] = [];

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly activeRecord: ActiveRecordHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check(pinged.map((name) => () => this.activeRecord.pingCheck(name, { timeoutMs: 500 })));
  }

  @Get('coordinator')
  @HealthCheck()
  coordinator() {
    return this.health.check([() => this.activeRecord.coordinatorCheck('coordinator', coordinatorOptions)]);
  }
}

interface Health {
  status: number;
  body: { status: string; info: Record<string, Record<string, unknown>>; error: Record<string, Record<string, unknown>>; details: Record<string, Record<string, unknown>> };
}

async function start(options: ActiveRecordModuleOptions): Promise<{ app: INestApplication; get: (path: string) => Promise<Health> }> {
  const ref = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false }), ActiveRecordModule.forRoot({ logger: quietLogger, ...options })],
    controllers: [HealthController],
  }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.listen(0);
  const base = await app.getUrl();
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Health['body'] };
  };
  return { app, get };
}

describeIf('ActiveRecordHealthIndicator.pingCheck in a terminus health endpoint', () => {
  let proxy: TcpProxy;
  let app: INestApplication;
  let get: (path: string) => Promise<Health>;
  let indicator: ActiveRecordHealthIndicator;

  beforeAll(async () => {
    const pg = (await postgres('health_pg')) as PostgresConnectionOptions & { url: string };
    const url = new URL(pg.url);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(await proxy.start());
    ({ app, get } = await start({
      connections: {
        main: { backend: 'sqlite', database: ':memory:' },
        pg: { ...pg, url: url.toString(), pool: { max: 2, acquireTimeoutMs: 2_000 } },
        maria: await mariadb('health_maria'),
      },
    }));
    indicator = app.get(ActiveRecordHealthIndicator);
    pinged = ['main', 'pg', 'maria'];
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.stop();
    await releasePostgres('health_pg');
    await releaseMariadb('health_maria');
  });

  it('answers 200 with every connection up, naming its backend', async () => {
    const { status, body } = await get('/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details).toEqual({
      main: { status: 'up', backend: 'sqlite', durationMs: expect.any(Number) },
      pg: { status: 'up', backend: 'postgres', durationMs: expect.any(Number) },
      maria: { status: 'up', backend: 'mariadb', durationMs: expect.any(Number) },
    });
  });

  it('reports a database that stops answering as down once timeoutMs passes (503), and up when it answers again', async () => {
    proxy.freeze();
    try {
      const { status, body } = await get('/health');
      expect(status).toBe(503);
      expect(body.error).toEqual({ pg: { status: 'down', backend: 'postgres', message: "Connection 'pg' did not answer within 500 ms" } });
      expect(Object.keys(body.info).sort()).toEqual(['main', 'maria']);
    } finally {
      proxy.thaw();
    }
    await eventually(async () => expect((await get('/health')).status).toBe(200));
  });

  it('reports a database that refuses connections as down with the reason, and recovers with it', async () => {
    await proxy.cut({ stopListening: true });
    try {
      const { status, body } = await get('/health');
      expect(status).toBe(503);
      expect(body.error.pg).toEqual({ status: 'down', backend: 'postgres', message: expect.stringMatching(/^Connection 'pg' (failed: .+|did not answer within 500 ms)$/) });
    } finally {
      await proxy.start();
    }
    await eventually(async () => expect((await get('/health')).status).toBe(200));
  });

  it('refuses a connection name the application does not define, and a bad timeout, naming them', async () => {
    await expect(indicator.pingCheck('billing')).rejects.toThrow(new ConfigurationError("pingCheck('billing'): this application defines no such connection (defined: main, pg, maria)"));
    await expect(indicator.pingCheck('main', { timeoutMs: 0 })).rejects.toThrow(/pingCheck timeoutMs must be a positive integer \(milliseconds\), got 0/);
  });
});

const compensateNever = defineSagaStep({
  name: 'health.ledger-entry',
  connection: 'lite',
  run: async (id: string) => (await LiteTransfer.create({ id, amount: 5 })).toJSON(),
  compensate: async () => {
    throw new Error('the ledger refuses to forget');
  },
});
const declined = defineSagaStep({
  name: 'health.charge',
  connection: 'pg',
  run: async (id: string) => {
    await PgTransfer.create({ id, amount: 5 });
    throw new Error('card declined');
  },
  compensate: async () => undefined,
});

describeIf('ActiveRecordHealthIndicator.coordinatorCheck', () => {
  let connections: Record<string, unknown>;
  let bank: BankInspector;
  beforeAll(async () => {
    connections = { pg: await postgres('health_coord_pg'), maria: await mariadb('health_coord_maria'), lite: sqliteFile('health_coord') };
    bank = await BankInspector.open(connections);
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('health_coord_pg');
    await releaseMariadb('health_coord_maria');
  });

  const startBank = () =>
    start({
      connections: connections as never,
      models: [...BANK_MODELS, ...SAGA_MODELS],
      coordinator: { log: { connection: 'lite' }, nodeId: NODE, recoverOnStartup: false },
    });

  it('reports what a crashed process left prepared: up within the thresholds, down past the count or the age, up once recovered', async () => {
    await bank.reset();
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'decided', nth: 1 } });
    const { app, get } = await startBank();
    try {
      const indicator = app.get(ActiveRecordHealthIndicator);
      const pending = { status: 'up', inDoubtBranches: 2, unfinishedSagas: 0, failedSagas: 0, oldestBranchAgeMs: expect.any(Number) };
      expect(await indicator.coordinatorCheck()).toEqual({ coordinator: pending });

      coordinatorOptions = { maxInDoubt: 1 };
      const tooMany = await get('/health/coordinator');
      expect(tooMany.status).toBe(503);
      expect(tooMany.body.error.coordinator).toEqual({ ...pending, status: 'down', message: '2 branches and sagas are in doubt (more than 1)' });

      coordinatorOptions = { maxAgeMs: 1 };
      const tooOld = await get('/health/coordinator');
      expect(tooOld.status).toBe(503);
      expect(tooOld.body.error.coordinator!.message).toMatch(/^a branch has been in doubt for \d+ ms \(more than 1\): check that every participant and the decision log are reachable, then run recovery$/);

      await app.get(TransactionCoordinator).recover();
      coordinatorOptions = { maxInDoubt: 0, maxAgeMs: 1 };
      const settled = await get('/health/coordinator');
      expect(settled.status).toBe(200);
      expect(settled.body.details.coordinator).toEqual({ status: 'up', inDoubtBranches: 0, unfinishedSagas: 0, failedSagas: 0 });
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
    } finally {
      coordinatorOptions = {};
      await app.close();
    }
  });

  it('is down while a saga that failed to compensate waits for a human', async () => {
    await bank.reset();
    const { app, get } = await startBank();
    try {
      // The bank inspector's registry is open too: the saga runs in the application's scope.
      const failing = app.get(ConnectionRegistry).run(() =>
        transactional({ connections: ['lite', 'pg'], mode: 'saga' }, async () => {
          await compensateNever.execute('s-1');
          await declined.execute('s-1');
        }),
      );
      await expect(failing).rejects.toThrow(HeuristicCompletionError);
      const { status, body } = await get('/health/coordinator');
      expect(status).toBe(503);
      expect(body.error.coordinator).toEqual({
        status: 'down',
        inDoubtBranches: 0,
        unfinishedSagas: 0,
        failedSagas: 1,
        message: expect.stringMatching(/^1 saga\(s\) failed to compensate \(\S+ \S+\): a human must look$/),
      });
    } finally {
      await app.close();
    }
  });

  it('checks its thresholds', async () => {
    const { app } = await startBank();
    try {
      const indicator = app.get(ActiveRecordHealthIndicator);
      await expect(indicator.coordinatorCheck('coordinator', { maxInDoubt: -1 })).rejects.toThrow(/coordinatorCheck maxInDoubt must be a non-negative integer, got -1/);
      await expect(indicator.coordinatorCheck('coordinator', { maxAgeMs: 1.5 })).rejects.toThrow(/coordinatorCheck maxAgeMs must be a positive integer \(milliseconds\), got 1.5/);
    } finally {
      await app.close();
    }
  });
});

/** Retry an assertion for a few seconds: a pool reconnects at its own pace after an outage. */
async function eventually(check: () => Promise<void>, attempts = 20): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
