import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { tracingChannel } from 'node:diagnostics_channel';
import {
  ActiveRecord,
  ActiveRecordHealthIndicator,
  ActiveRecordModule,
  Column,
  ConfigurationError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  QUERY_CHANNEL,
  type PostgresConnectionOptions,
  type QueryMessage,
} from 'nestjs-activerecord';
import { probedAvailability } from '../support/availability';
import { PG_REPLICA_URL, postgresReplicaPair, waitForReplay } from '../support/replica-targets';
import { quietLogger } from './fixtures';

jest.setTimeout(60_000);

@Model({ table: 'rpn_items' })
class Item extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) name!: string;
}

/** Where the statements of the running request went, in order. */
const placements: string[] = [];
const ignore = () => undefined;
const recorder = {
  start: (message: unknown) => {
    const m = message as QueryMessage;
    if (m.connection === 'main') placements.push(m.server === 'replica' ? `replica ${m.replica}` : 'primary');
  },
  end: ignore,
  asyncStart: ignore,
  asyncEnd: ignore,
  error: ignore,
};

@Controller('items')
class ItemsController {
  /** Reads, writes, reads again: one request. */
  @Post()
  async create(): Promise<{ before: number; after: number }> {
    const before = await Item.count();
    await Item.create({ name: 'posted' });
    return { before, after: await Item.count() };
  }

  @Get('count')
  async count(): Promise<number> {
    return Item.count();
  }
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
    return this.health.check([
      () => this.activeRecord.pingCheck('main'),
      () => this.activeRecord.pingCheck('main', { replica: 0 }),
      () => this.activeRecord.pingCheck('other', { replica: 0, key: 'other-replica', timeoutMs: 2_000 }),
    ]);
  }
}

const reason = probedAvailability()['postgres-replica'];
if (reason !== null && process.env.CI === 'true') throw new Error(`The replica suite needs postgres-replica under CI=true: ${reason ?? 'not probed'}`);
if (reason !== null) console.warn(`SKIPPED read replicas in a Nest application: ${reason ?? 'not probed'}`);
const describeIf = reason === null ? describe : describe.skip;

describeIf('read replicas in a Nest application', () => {
  let app: INestApplication;
  let base: string;
  let primary: PostgresConnectionOptions;

  beforeAll(async () => {
    primary = (await postgresReplicaPair.isolate('replicas_nest')) as PostgresConnectionOptions;
    const ref = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        ActiveRecordModule.forRoot({
          connections: {
            main: { ...primary, synchronize: true, replicas: [{ url: PG_REPLICA_URL }], readYourWritesMs: 60_000 },
            other: { ...primary, replicas: [{ url: 'postgres://postgres@127.0.0.1:1/test', pool: { acquireTimeoutMs: 1_000 } }] },
          },
          models: [Item],
          logger: quietLogger,
        }),
      ],
      controllers: [ItemsController, HealthController],
    }).compile();
    app = ref.createNestApplication({ logger: false });
    await app.listen(0);
    base = await app.getUrl();
    await waitForReplay();
    tracingChannel(QUERY_CHANNEL).subscribe(recorder);
  });
  afterAll(async () => {
    tracingChannel(QUERY_CHANNEL).unsubscribe(recorder);
    await app?.close();
    await postgresReplicaPair.release?.('replicas_nest');
  });

  it("reads a request's own writes from the primary: the interceptor makes every request a read-your-writes scope", async () => {
    placements.length = 0;
    const response = await fetch(`${base}/items`, { method: 'POST' });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ before: 0, after: 1 });
    expect(placements).toEqual(['replica 0', 'primary', 'primary']);

    // The next request has written nothing: its read goes to the replica.
    await waitForReplay();
    placements.length = 0;
    expect(await (await fetch(`${base}/items/count`)).json()).toBe(1);
    expect(placements).toEqual(['replica 0']);
  });

  it('checks a replica in the health endpoint, up or down, beside its primary', async () => {
    const response = await fetch(`${base}/health`);
    const body = (await response.json()) as { info: Record<string, unknown>; error: Record<string, unknown> };
    expect(response.status).toBe(503);
    expect(body.info).toEqual({
      main: { status: 'up', backend: 'postgres', durationMs: expect.any(Number) },
      'main.replicas[0]': { status: 'up', backend: 'postgres', target: `${new URL(PG_REPLICA_URL).hostname}:${new URL(PG_REPLICA_URL).port}/test`, durationMs: expect.any(Number) },
    });
    expect(body.error).toEqual({
      'other-replica': { status: 'down', backend: 'postgres', target: '127.0.0.1:1/test', message: expect.stringMatching(/^Connection 'other' replica 0 failed: Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test/) },
    });
    const indicator = app.get(ActiveRecordHealthIndicator);
    await expect(indicator.pingCheck('main', { replica: 3 })).rejects.toThrow(new ConfigurationError("pingCheck('main', { replica: 3 }): the connection has replicas 0 to 0"));
    expect(app.get(ConnectionRegistry).get('main').replicas?.replicas).toHaveLength(1);
  });
});
