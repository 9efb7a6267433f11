import { ConnectionError, ConnectionRegistry, TransactionError, type Connection, type PostgresConnectionOptions } from 'nestjs-activerecord';
import { describePostgres, eventually, sessionsOf, uniqueAppName, usePostgres } from './harness';

type Pid = { pid: number };

describePostgres('pool', () => {
  const pg = usePostgres();
  const registries: ConnectionRegistry[] = [];

  /** A registry of its own, with a unique application_name to count its server sessions. */
  const openPool = async (pool: PostgresConnectionOptions['pool']) => {
    const app = uniqueAppName();
    const registry = await ConnectionRegistry.open({
      connections: { main: { ...pg.options, applicationName: app, pool } },
      logger: pg.logger,
    });
    registries.push(registry);
    return { db: registry.get('main'), app };
  };

  afterAll(async () => {
    for (const registry of registries) await registry.close();
  });

  const pidOf = async (db: Connection, sleepSeconds = 0) =>
    (await db.query<Pid>('SELECT pg_backend_pid() AS pid, pg_sleep($1)', [sleepSeconds]))[0]!.pid;

  it('runs more concurrent work than pool.max, never with more than max server sessions', async () => {
    const { db, app } = await openPool({ max: 3 });
    let peak = 0;
    const looks: Promise<unknown>[] = [];
    const watcher = setInterval(() => {
      looks.push(sessionsOf(app).then((sessions) => (peak = Math.max(peak, sessions.length))));
    }, 20);
    try {
      const pids = await Promise.all(Array.from({ length: 30 }, () => pidOf(db, 0.02)));
      expect(new Set(pids).size).toBe(3);
    } finally {
      clearInterval(watcher);
      await Promise.all(looks);
    }
    expect(looks.length).toBeGreaterThan(3);
    expect(peak).toBe(3);
    expect((await sessionsOf(app)).length).toBe(3);
  });

  it('never shares a connection between statements in flight at the same time outside a transaction', async () => {
    const { db } = await openPool({ max: 4 });
    const pids = await Promise.all(Array.from({ length: 4 }, () => pidOf(db, 0.2)));
    expect(new Set(pids).size).toBe(4);
  });

  it('a transaction holds one connection throughout, and concurrent statements outside never run on it', async () => {
    const { db } = await openPool({ max: 3 });
    const inside: number[] = [];
    const outside: number[] = [];
    let finished = false;
    // Both started from the test's own context: only the callback runs inside the transaction.
    const transaction = db
      .transaction(async () => {
        for (let i = 0; i < 5; i++) {
          inside.push(await pidOf(db));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })
      .finally(() => (finished = true));
    const others = (async () => {
      while (!finished) outside.push(await pidOf(db, 0.005));
    })();
    await Promise.all([transaction, others]);
    expect(new Set(inside).size).toBe(1);
    expect(outside.length).toBeGreaterThan(3);
    expect(outside).not.toContain(inside[0]);
  });

  it('releases the session on every failure path (pool.max = 1, so a leak would time out)', async () => {
    const { db, app } = await openPool({ max: 1, acquireTimeoutMs: 1000 });
    await db.execute('CREATE TABLE IF NOT EXISTS "deferred" ("id" INTEGER PRIMARY KEY, "parent" INTEGER REFERENCES "deferred" DEFERRABLE INITIALLY DEFERRED)');
    // work throws
    await expect(db.transaction(async () => {
      await db.query('SELECT 1');
      throw new Error('work failed');
    })).rejects.toThrow('work failed');
    // a statement fails, leaving the transaction aborted
    await expect(db.transaction(() => db.query('SELECT * FROM "no_such_table"'))).rejects.toThrow(/does not exist/);
    // BEGIN itself is refused
    await expect(db.transaction(() => db.query('SELECT 1'), { isolation: 'READ UNCOMMITTED' })).rejects.toBeInstanceOf(TransactionError);
    // COMMIT fails (a deferred foreign key is checked only then)
    await expect(db.transaction(() => db.execute('INSERT INTO "deferred" VALUES (1, 999)'))).rejects.toThrow(/foreign key/);
    // a statement fails outside a transaction
    await expect(db.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
    // a stream fails midway
    const failing = async () => {
      for await (const row of streamRaw(db, 'SELECT CASE WHEN g < 5 THEN g ELSE 1/0 END AS g FROM generate_series(1, 10) g')) void row;
    };
    await expect(failing()).rejects.toThrow(/division by zero/);

    expect(await db.query('SELECT 42 AS n')).toEqual([{ n: 42 }]);
    expect(await db.query('SELECT COUNT(*) AS n FROM "deferred"')).toEqual([{ n: '0' }]);
    const sessions = await sessionsOf(app);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.state).toBe('idle'); // not "idle in transaction"
  });

  it('never returns a connection left inside a raw BEGIN to the pool', async () => {
    const { db, app } = await openPool({ max: 1 });
    const before = await pidOf(db);
    await db.execute('BEGIN');
    await eventually(async () => (await sessionsOf(app)).every((s) => s.pid !== before), 'the session is discarded');
    expect(await pidOf(db)).not.toBe(before);
    expect((await sessionsOf(app)).map((s) => s.state)).toEqual(['idle']);
  });

  it('fails a request that waits longer than acquireTimeoutMs, naming the connection and the pool size', async () => {
    const { db } = await openPool({ max: 1, acquireTimeoutMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const transaction = db.transaction(async () => {
      started();
      await held;
    });
    await holding;
    const began = Date.now();
    const error = await db.query('SELECT 1').catch((e: unknown) => e);
    const waited = Date.now() - began;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/Connection 'main': no pooled connection to .* became free within 200 ms \(all pool\.max = 1 in use\)/);
    expect(waited).toBeGreaterThanOrEqual(180);
    expect(waited).toBeLessThan(2000);
    release();
    await transaction;
    expect(await db.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
  });

  it('opens pool.min connections at startup and closes idle ones above min after idleTimeoutMs', async () => {
    const { db, app } = await openPool({ min: 2, max: 5, idleTimeoutMs: 100 });
    expect(await sessionsOf(app)).toHaveLength(2);
    await Promise.all(Array.from({ length: 5 }, () => pidOf(db, 0.05)));
    expect(await sessionsOf(app)).toHaveLength(5);
    await eventually(async () => (await sessionsOf(app)).length === 2, 'idle sessions above min close', 3000);
  });

  it('closes every server session on close()', async () => {
    const { db, app } = await openPool({ max: 3 });
    await Promise.all(Array.from({ length: 3 }, () => pidOf(db, 0.05)));
    await registries.pop()!.close();
    await eventually(async () => (await sessionsOf(app)).length === 0, 'sessions close');
    await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});

/** Stream raw SQL through the connection's backend (outside any transaction). */
function streamRaw(db: Connection, sql: string): AsyncIterable<Record<string, unknown>> {
  return db.backend.stream({ sql, params: [] }, { batchSize: 2 });
}
