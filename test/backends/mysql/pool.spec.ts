import { ConnectionError, ConnectionRegistry, type Connection, type MysqlConnectionOptions } from 'nestjs-activerecord';
import { describeMariadb, eventually, sessionsOn } from './harness';
import { createDatabase, databaseFor, dropDatabase, optionsFor } from './target';

/**
 * Pool behaviour, each test on a database of its own so that the server's process list shows
 * exactly that test's connections.
 */
describeMariadb('pool', () => {
  let sequence = 0;
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A registry with one connection on a fresh database; returns it and its database name. */
  const pooled = async (pool: MysqlConnectionOptions['pool'], extra: Partial<MysqlConnectionOptions> = {}) => {
    const database = databaseFor(`pool_${++sequence}`);
    await createDatabase(database);
    const registry = await ConnectionRegistry.open({ connections: { main: optionsFor(database, { pool, ...extra }) } });
    cleanups.push(async () => {
      await registry.close();
      await dropDatabase(database);
    });
    return { connection: registry.get(), registry, database };
  };

  const connectionId = async (connection: Connection) => Number((await connection.query<{ id: number }>('SELECT CONNECTION_ID() AS `id`'))[0]!.id);

  it('runs more concurrent work than pool.max on at most max connections, none shared', async () => {
    const { connection, database } = await pooled({ max: 3 });
    let peak = 0;
    const watcher = setInterval(() => {
      void sessionsOn(database).then((sessions) => (peak = Math.max(peak, sessions.length)));
    }, 10);
    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          connection.query<{ id: number; n: number }>('SELECT CONNECTION_ID() AS `id`, ? AS `n`, SLEEP(0.02) AS `s`', [i]),
        ),
      );
      expect(results.map((rows) => Number(rows[0]!.n))).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(new Set(results.map((rows) => Number(rows[0]!.id))).size).toBeLessThanOrEqual(3);
    } finally {
      clearInterval(watcher);
    }
    expect(peak).toBeLessThanOrEqual(3);
    // Three statements that each sleep, at once: three different connections.
    const overlapping = await Promise.all([1, 2, 3].map(() => connection.query<{ id: number }>('SELECT CONNECTION_ID() AS `id`, SLEEP(0.2) AS `s`')));
    expect(new Set(overlapping.map((rows) => Number(rows[0]!.id))).size).toBe(3);
  });

  it('a transaction holds one connection from begin to end; work outside it runs elsewhere', async () => {
    const { connection } = await pooled({ max: 3 });
    const outside: number[] = [];
    await connection.transaction(async () => {
      const own = await connectionId(connection);
      for (let i = 0; i < 5; i++) {
        const [inside, other] = await Promise.all([connectionId(connection), connectionIdOutside(connection)]);
        expect(inside).toBe(own);
        outside.push(other);
      }
      expect(outside.every((id) => id !== own)).toBe(true);
    });
  });

  it('returns the connection on every path: failing work, failing statements, failing begin', async () => {
    const { connection, database } = await pooled({ max: 1, acquireTimeoutMs: 2000 });
    for (let i = 0; i < 10; i++) {
      await expect(connection.transaction(async () => {
        await connection.query('SELECT 1');
        throw new Error(`work failed ${i}`);
      })).rejects.toThrow(`work failed ${i}`);
      await expect(connection.transaction(() => connection.query('SELECT * FROM `no_such_table`'))).rejects.toThrow(/no_such_table/);
      await expect(connection.query('SELECT * FROM `no_such_table`')).rejects.toThrow(/no_such_table/);
      await expect(connection.transaction(async () => 1, { isolation: 'SNAPSHOT' as never })).rejects.toThrow();
    }
    // One connection in the pool: all of the above gave it back (or a replacement was opened).
    expect(await connection.transaction(() => connection.query('SELECT 1 AS `one`'))).toEqual([{ one: 1 }]);
    expect((await sessionsOn(database)).length).toBeLessThanOrEqual(1);
  });

  it('never hands out a connection with a transaction left open', async () => {
    const { connection } = await pooled({ max: 1 });
    await connection.execute('CREATE TABLE `t` (`n` INT) ENGINE=InnoDB');
    // A session given back with a transaction still open (raw SQL, or a failed COMMIT): the pool
    // rolls it back before anyone else gets the connection.
    const session = await connection.backend.acquire();
    await session.execute({ sql: 'START TRANSACTION', params: [] });
    await session.execute({ sql: 'INSERT INTO `t` VALUES (?)', params: [1] });
    session.release();
    const [state] = await connection.query<{ inTransaction: number }>('SELECT @@in_transaction AS `inTransaction`');
    expect(Number(state!.inTransaction)).toBe(0);
    expect(await connection.query('SELECT * FROM `t`')).toEqual([]);
  });

  it('fails a request that waits longer than acquireTimeoutMs, clearly, and recovers', async () => {
    const { connection } = await pooled({ max: 1, acquireTimeoutMs: 300 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const holder = connection.transaction(async () => {
      await connection.query('SELECT 1');
      started();
      await gate;
    });
    await holding;
    const before = Date.now();
    const error = await connectionIdOutside(connection).catch((e: unknown) => e);
    const waited = Date.now() - before;
    release();
    await holder;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^Connection 'main': no database connection became free within \d+ ms \(pool\.max 1: 1 in use/);
    expect(waited).toBeGreaterThanOrEqual(280);
    expect(waited).toBeLessThan(2000);
    expect(await connection.query('SELECT 1 AS `one`')).toEqual([{ one: 1 }]);
  });

  it('keeps pool.min connections open, and closes idle ones above it after idleTimeoutMs', async () => {
    const { connection, database } = await pooled({ min: 2, max: 5, idleTimeoutMs: 200 });
    await eventually(async () => (await sessionsOn(database)).length === 2, 'min connections are open');
    await Promise.all([1, 2, 3, 4, 5].map(() => connection.query('SELECT SLEEP(0.1)')));
    expect((await sessionsOn(database)).length).toBe(5);
    await eventually(async () => (await sessionsOn(database)).length === 2, 'idle connections above min are closed', 5000);
  });

  it('a transaction past its timeoutMs has its running statement killed, promptly, and the pool recovers', async () => {
    const { connection, database } = await pooled({ max: 1 });
    const started = Date.now();
    const error = await connection
      .transaction(() => connection.query('SELECT SLEEP(20) AS `cancelled_by_timeout`'), { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect((error as Error).constructor.name).toBe('TransactionError');
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(
      async () => (await sessionsOn(database)).every((session) => !session.info?.includes('cancelled_by_timeout')),
      'the sleeping statement is gone',
    );
    expect(await connection.query('SELECT 1 AS `one`')).toEqual([{ one: 1 }]);
  });

  it('bounds the prepared statements each connection keeps (maxPreparedStatements)', async () => {
    const { connection } = await pooled({ max: 1 }, { maxPreparedStatements: 4 });
    const status = async (name: string) =>
      Number((await connection.query<{ Value: string }>(`SHOW SESSION STATUS LIKE '${name}'`))[0]!.Value);
    await connection.transaction(async () => {
      const closedBefore = await status('Com_stmt_close');
      for (let i = 0; i < 20; i++) await connection.query(`SELECT ? AS \`v${i}\``, [i]);
      // Repeating a cached statement prepares nothing new.
      const prepared = await status('Com_stmt_prepare');
      for (let i = 0; i < 3; i++) await connection.query('SELECT ? AS `v19`', [i]);
      expect(await status('Com_stmt_prepare')).toBe(prepared);
      expect((await status('Com_stmt_close')) - closedBefore).toBeGreaterThanOrEqual(16);
    });
  });
});

/** CONNECTION_ID() from a context with no transaction (the pool, not the ambient transaction). */
function connectionIdOutside(connection: Connection): Promise<number> {
  return connection.backend.query({ sql: 'SELECT CONNECTION_ID() AS `id`', params: [] }).then((rows) => Number(rows[0]!.id));
}
