import { tracingChannel } from 'node:diagnostics_channel';
import {
  ActiveRecord,
  Column,
  ConfigurationError,
  connectedTo,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  QUERY_CHANNEL,
  QueryError,
  transactional,
  type ActiveRecordOptions,
  type MysqlConnectionOptions,
  type PostgresConnectionOptions,
  type QueryMessage,
} from 'nestjs-activerecord';
import { createDatabase, databaseFor, dropDatabase, mariadbTarget, optionsFor } from './mysql/target';
import { probedAvailability } from '../support/availability';
import { PG_REPLICA_URL, postgresReplicaPair, waitForReplay, withReplayPaused } from '../support/replica-targets';
import { TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(60_000);

@Model({ table: 'rp_items' })
class Item extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) name!: string;
}

/** Where each statement ran ('primary', 'replica 0', ...), in order, while `work` runs. */
async function servers(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const ignore = () => undefined;
  const handlers = {
    start: (message: unknown) => {
      const m = message as QueryMessage;
      seen.push(m.server === 'replica' ? `replica ${m.replica}` : 'primary');
    },
    end: ignore,
    asyncStart: ignore,
    asyncEnd: ignore,
    error: ignore,
  };
  tracingChannel(QUERY_CHANNEL).subscribe(handlers);
  try {
    await work();
  } finally {
    tracingChannel(QUERY_CHANNEL).unsubscribe(handlers);
  }
  return seen;
}

function lines(): { logger: ActiveRecordOptions['logger'] & object; warnings: string[]; logs: string[] } {
  const warnings: string[] = [];
  const logs: string[] = [];
  return {
    logger: { log: (m: string) => void logs.push(m), warn: (m: string) => void warnings.push(m), error: (m: string) => console.error(m), debug: () => undefined },
    warnings,
    logs,
  };
}

/** Skip loudly outside CI, fail under CI=true, when a server the suite needs is missing. */
function describeWith(target: string, title: string, body: () => void): void {
  const reason = probedAvailability()[target];
  if (reason === null) return describe(title, body);
  const why = reason ?? 'not probed (run through jest, whose globalSetup probes it)';
  if (process.env.CI === 'true') {
    describe(title, () => it(`needs ${target}, which CI must provide`, () => {
      throw new Error(`${target} is unreachable under CI=true: ${why}`);
    }));
    return;
  }
  console.warn(`SKIPPED ${title}: ${why}`);
  describe.skip(title, () => it('skipped', () => undefined));
}

describeWith('postgres-replica', 'read replicas: a PostgreSQL streaming replica', () => {
  let primary: PostgresConnectionOptions;
  let registry: ConnectionRegistry;
  let log: ReturnType<typeof lines>;

  const open = (extra: Partial<PostgresConnectionOptions> = {}) =>
    ConnectionRegistry.open({
      connections: { main: { ...primary, replicas: [{ url: PG_REPLICA_URL }], readYourWritesMs: 300, ...extra } },
      models: [Item],
      logger: log.logger,
    });

  beforeAll(async () => {
    primary = (await postgresReplicaPair.isolate('replicas_pg')) as PostgresConnectionOptions;
    log = lines();
    const setup = await ConnectionRegistry.open({ connections: { main: primary }, models: [Item] });
    await setup.schema.createTables();
    await setup.close();
    await waitForReplay();
    registry = await open();
  });
  afterAll(async () => {
    await registry?.close();
    await postgresReplicaPair.release?.('replicas_pg');
  });
  beforeEach(async () => {
    await registry.run(() => Item.deleteAll());
    await waitForReplay();
  });

  it('sends reads outside a transaction to the replica, writes and transactions to the primary', async () => {
    await withReplayPaused(async () => {
      const placed = await servers(() => registry.run(() => Item.create({ name: 'fresh' })));
      expect(placed).toEqual(['primary']);
      // The replica applies nothing now: a read it serves cannot see the new row, one the primary serves can.
      expect(await servers(async () => expect(await registry.run(() => Item.all())).toEqual([]))).toEqual(['replica 0']);
      expect(await registry.run(() => Item.count())).toBe(0);
      expect(await registry.run(() => transactional(() => Item.count()))).toBe(1);
      expect(await registry.run(() => transactional(() => Item.pluck('name')))).toEqual(['fresh']);
      // Raw SQL may write: query() runs on the primary.
      expect(await registry.get().query('SELECT COUNT(*)::int AS n FROM rp_items')).toEqual([{ n: 1 }]);
    });
    await waitForReplay();
    expect(await registry.run(() => Item.pluck('name'))).toEqual(['fresh']);
  });

  it('streams from the replica, and runs a server-side query on it (inet_server_port)', async () => {
    await registry.run(() => Item.insertAll([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
    await waitForReplay();
    const names: string[] = [];
    expect(await servers(async () => {
      for await (const item of registry.run(() => Item.orderBy('id').stream({ batchSize: 2 }))) names.push(item.name);
    })).toEqual(['replica 0']);
    expect(names).toEqual(['a', 'b', 'c']);
    const port = new URL(PG_REPLICA_URL).port;
    expect(await connectedTo({ role: 'reading' }, () => registry.get().query('SELECT inet_server_port() AS port'))).toEqual([{ port: Number(port) }]);
  });

  it('connectedTo: writing reads from the primary, reading sends raw SQL to the replica and refuses writes', async () => {
    await withReplayPaused(async () => {
      await registry.run(() => Item.create({ name: 'unseen' }));
      expect(await registry.run(() => connectedTo({ role: 'writing' }, () => Item.count()))).toBe(1);
      expect(await registry.run(() => connectedTo({ role: 'reading' }, () => Item.count()))).toBe(0);
      expect(await connectedTo({ role: 'reading' }, () => registry.get().query('SELECT COUNT(*)::int AS n FROM rp_items'))).toEqual([{ n: 0 }]);
      const refused = await registry.run(() => connectedTo({ role: 'reading' }, () => Item.create({ name: 'refused' }))).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(QueryError);
      expect((refused as QueryError).message).toBe(
        "Connection 'main' runs under connectedTo({ role: 'reading' }), where statements go to read replicas, and a write cannot: run it outside that block, under connectedTo({ role: 'writing' }), or in a transaction",
      );
      // A transaction always runs on the primary, whatever the role.
      expect(await registry.run(() => connectedTo({ role: 'reading' }, () => transactional(() => Item.count())))).toBe(1);
    });
    expect(() => connectedTo({ role: 'primary' as 'reading' }, () => undefined)).toThrow(new ConfigurationError(`connectedTo({ role }) takes 'reading' or 'writing', not "primary"`));
  });

  it('reads the request’s own writes from the primary for readYourWritesMs, then from the replica again', async () => {
    await withReplayPaused(async () => {
      await registry.runRequest(async () => {
        expect(await servers(() => Item.count())).toEqual(['replica 0']);
        await Item.create({ name: 'mine' });
        expect(await Item.count()).toBe(1); // the primary: the replica has not seen it
        await new Promise((resolve) => setTimeout(resolve, 350));
        expect(await Item.count()).toBe(0); // the window has passed: the replica again
      });
      // Another request did not write: the replica.
      expect(await registry.runRequest(() => Item.count())).toBe(0);
      // A committed transaction counts as a write, from its commit.
      await registry.runRequest(async () => {
        await transactional(() => Item.create({ name: 'in a transaction' }));
        expect(await Item.count()).toBe(2);
      });
    });
  });

  it('falls back to the primary with one warning while a replica is down, and returns to it once it answers', async () => {
    const url = new URL(PG_REPLICA_URL);
    const proxy = new TcpProxy(url.hostname, Number(url.port));
    url.port = String(await proxy.start());
    const local = lines();
    const flaky = await ConnectionRegistry.open({
      connections: { main: { ...primary, replicas: [{ url: url.toString(), pool: { max: 2, acquireTimeoutMs: 1_000 } }], replicaRetryMs: 300 } },
      models: [Item],
      logger: local.logger,
    });
    try {
      await flaky.run(() => Item.create({ name: 'x' }));
      await waitForReplay();
      expect(await servers(() => flaky.run(() => Item.count()))).toEqual(['replica 0']);
      await proxy.cut({ stopListening: true });
      expect(await servers(async () => expect(await flaky.run(() => Item.count())).toBe(1))).toEqual(['replica 0', 'primary']);
      expect(await servers(async () => expect(await flaky.run(() => Item.count())).toBe(1))).toEqual(['primary']);
      // (The pool's own warning about the cut connection may come first.)
      expect(local.warnings.filter((warning) => warning.includes('replica 0'))).toEqual([
        expect.stringMatching(new RegExp(`^Connection 'main': replica 0 \\(127\\.0\\.0\\.1:${url.port}/test\\) is unreachable \\(.+\\); its reads go to the primary, and it is tried again in 300 ms$`)),
      ]);
      await proxy.start();
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await servers(() => flaky.run(() => Item.count()))).toEqual(['replica 0']);
      expect(local.logs).toContain("Connection 'main': replica 0 (127.0.0.1:" + url.port + "/test) answers again; reads go to it");
    } finally {
      await flaky.close();
      await proxy.stop();
    }
  });

  it('starts while a replica is down (a warning naming it, never its password; the primary serves its reads)', async () => {
    const local = lines();
    const started = await ConnectionRegistry.open({
      connections: { main: { ...primary, logging: true, replicas: [{ url: 'postgres://postgres:s3cret-pw@127.0.0.1:1/test', pool: { acquireTimeoutMs: 1_000 } }] } },
      models: [Item],
      logger: local.logger,
    });
    try {
      expect(local.warnings).toEqual([expect.stringMatching(/^Connection 'main': replica 0 \(127\.0\.0\.1:1\/test\) is unreachable/)]);
      expect(await servers(() => started.run(() => Item.count()))).toEqual(['primary']);
      await expect(started.get().pingReplica(0)).rejects.toThrow(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test/);
      // The replica's password is in no message.
      expect([...local.warnings, ...local.logs].join('\n')).not.toContain('s3cret-pw');
      expect(String(await started.get().pingReplica(0).catch((error: Error) => `${error.message} ${String(error.cause)}`))).not.toContain('s3cret-pw');
    } finally {
      await started.close();
    }
  });
});

describeWith('mariadb', 'read replicas: MariaDB, replicas fed by the test (second databases)', () => {
  let primary: MysqlConnectionOptions;
  let registry: ConnectionRegistry;
  const replicaDatabases = [databaseFor('replicas_maria_r0'), databaseFor('replicas_maria_r1')];

  beforeAll(async () => {
    primary = (await mariadbTarget.isolate('replicas_maria')) as MysqlConnectionOptions;
    for (const database of replicaDatabases) await createDatabase(database);
    // The same table on the primary and on each "replica", each with rows that say where they are.
    for (const [database, name] of [[primary.database!, 'on the primary'], [replicaDatabases[0]!, 'on replica 0'], [replicaDatabases[1]!, 'on replica 1']] as const) {
      const setup = await ConnectionRegistry.open({ connections: { main: optionsFor(database) }, models: [Item] });
      await setup.schema.createTables();
      await setup.run(() => Item.create({ name }));
      await setup.close();
    }
    const replicaUrl = (database: string) => `mysql://${primary.user}@${primary.host}:${primary.port}/${database}`;
    registry = await ConnectionRegistry.open({
      connections: { main: { ...primary, replicas: replicaDatabases.map((database) => ({ url: replicaUrl(database) })) } },
      models: [Item],
    });
  });
  afterAll(async () => {
    await registry?.close();
    await mariadbTarget.release?.('replicas_maria');
    for (const database of replicaDatabases) await dropDatabase(database);
  });

  it('takes the replicas in turn for reads, the primary for writes and transactions', async () => {
    const read = () => registry.run(() => Item.pluck('name'));
    expect([await read(), await read(), await read()]).toEqual([['on replica 0'], ['on replica 1'], ['on replica 0']]);
    const created = await registry.run(() => Item.create({ name: 'written' }));
    expect(await registry.run(() => transactional(() => Item.orderBy('id').pluck('name')))).toEqual(['on the primary', 'written']);
    expect(await registry.run(() => connectedTo({ role: 'writing' }, () => Item.find(created.id)))).toMatchObject({ name: 'written' });
    expect(await registry.get().query('SELECT DATABASE() AS db')).toEqual([{ db: primary.database }]);
    expect(await connectedTo({ role: 'reading' }, () => registry.get().query('SELECT DATABASE() AS db'))).toEqual([{ db: replicaDatabases[1] }]);
  });

  it('checks replica options per backend, naming the option at fault', async () => {
    const open = (main: Record<string, unknown>) => ConnectionRegistry.open({ connections: { main: main as unknown as MysqlConnectionOptions } });
    await expect(open({ backend: 'sqlite', database: ':memory:', replicas: [{ url: 'x' }] })).rejects.toThrow(
      new ConfigurationError("connections.main.replicas is not supported by this connection's backend ('sqlite'); read replicas work with 'postgres', 'mysql' and 'mariadb'"),
    );
    await expect(open({ ...primary, replicas: { url: 'mysql://x/y' } })).rejects.toThrow(/connections\.main\.replicas must be an array of replica options/);
    await expect(open({ ...primary, replicas: [{ url: 'mysql://h/db', timezone: '+02:00' }] })).rejects.toThrow(
      /connections\.main\.replicas\[0\]\.timezone is not a replica option \(a replica takes url, host, port, socketPath, user, password, database, ssl, connectTimeoutMs, pool; the rest comes from the connection\)/,
    );
    await expect(open({ ...primary, replicas: [{ url: 'postgres://h/db' }] })).rejects.toThrow(/connections\.main\.replicas\[0\]\.url/);
    await expect(open({ ...primary, replicas: [{ port: 3307 }] })).rejects.toThrow(/connections\.main\.replicas\[0\] needs a url \(or a host\)/);
    await expect(open({ ...primary, replicas: [{ url: 'mysql://h/db', pool: { max: 0 } }] })).rejects.toThrow(/connections\.main\.replicas\[0\]\.pool\.max must be an integer of at least 1/);
    await expect(open({ ...primary, readYourWritesMs: -5 })).rejects.toThrow(/connections\.main\.readYourWritesMs must be a non-negative integer/);
  });
});
