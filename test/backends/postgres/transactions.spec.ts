import { ConnectionRegistry, QueryError, TransactionError, type Connection, type IsolationLevel } from 'nestjs-activerecord';
import { describePostgres, sessionsOf, uniqueAppName, usePostgres } from './harness';

describePostgres('transactions', () => {
  const pg = usePostgres({ pool: { max: 2, acquireTimeoutMs: 2000 } });
  let db: Connection;

  beforeAll(async () => {
    db = pg.connection;
    await db.execute('CREATE TABLE "ledger" ("id" SERIAL PRIMARY KEY, "amount" INTEGER NOT NULL)');
  });

  beforeEach(() => db.execute('DELETE FROM "ledger"'));

  const setting = async (name: string) =>
    (await db.query<{ value: string }>('SELECT current_setting($1) AS value', [name]))[0]!.value;

  it('runs at READ COMMITTED by default and at each level PostgreSQL provides when asked', async () => {
    await db.transaction(async () => expect(await setting('transaction_isolation')).toBe('read committed'));
    const levels: IsolationLevel[] = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'];
    expect(db.dialect.isolationLevels).toEqual(levels);
    for (const isolation of levels) {
      await db.transaction(async () => expect(await setting('transaction_isolation')).toBe(isolation.toLowerCase()), { isolation });
    }
  });

  it('refuses READ UNCOMMITTED, which PostgreSQL would silently run as READ COMMITTED', async () => {
    const error = await db.transaction(async () => undefined, { isolation: 'READ UNCOMMITTED' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).message).toMatch(/ask for READ COMMITTED/);
  });

  it('read-only transactions refuse writes (and the refusal rolls back)', async () => {
    await db.transaction(async () => expect(await setting('transaction_read_only')).toBe('on'), { readOnly: true });
    const error = await db
      .transaction(() => db.execute('INSERT INTO "ledger" ("amount") VALUES ($1)', [1]), { readOnly: true, isolation: 'SERIALIZABLE' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(/read-only transaction/);
    expect(await db.query('SELECT * FROM "ledger"')).toEqual([]);
    await db.transaction(async () => expect(await setting('transaction_read_only')).toBe('off'));
  });

  it('REPEATABLE READ keeps one snapshot for the whole transaction; READ COMMITTED does not', async () => {
    const countInside = async (isolation: IsolationLevel) => {
      const counts: string[] = [];
      await db.transaction(
        async () => {
          counts.push((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM "ledger"'))[0]!.n);
          await insertFromAnotherSession();
          counts.push((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM "ledger"'))[0]!.n);
        },
        { isolation },
      );
      return counts;
    };
    // The other insert must not run inside the transaction's context: start it from a fresh one.
    const insertFromAnotherSession = () =>
      new Promise<void>((resolve, reject) => {
        queueOutside.push(() => db.execute('INSERT INTO "ledger" ("amount") VALUES (1)').then(() => resolve(), reject));
      });
    const queueOutside: Array<() => Promise<void>> = [];
    const pump = setInterval(() => queueOutside.splice(0).forEach((job) => void job()), 5);
    try {
      const repeatable = await countInside('REPEATABLE READ');
      expect(repeatable[0]).toBe(repeatable[1]);
      const committed = await countInside('READ COMMITTED');
      expect(Number(committed[1])).toBe(Number(committed[0]) + 1);
    } finally {
      clearInterval(pump);
    }
  });

  it('a transaction past its timeoutMs has its running statement cancelled on the server, and its session discarded', async () => {
    const app = uniqueAppName();
    const registry = await ConnectionRegistry.open({
      connections: { timed: { ...pg.options, applicationName: app, pool: { max: 1, acquireTimeoutMs: 5000 } } },
      logger: pg.logger,
    });
    const timed = registry.get('timed');
    try {
      const pidBefore = (await timed.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
      const started = Date.now();
      const error = await timed
        .transaction(async () => {
          await timed.execute('INSERT INTO "ledger" ("amount") VALUES ($1)', [7]);
          await timed.query('SELECT pg_sleep(30)');
        }, { timeoutMs: 300 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/longer than its timeout of 300 ms/);
      // pool.max is 1: this waits for the rollback, which runs once the sleep is cancelled (not after 30 s)
      const after = await timed.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(after[0]!.pid).not.toBe(pidBefore); // the cancelled session was not reused
      expect(await timed.query('SELECT * FROM "ledger"')).toEqual([]); // rolled back
      expect((await sessionsOf(app)).map((s) => s.state)).toEqual(['idle']);
    } finally {
      await registry.close();
    }
  });

  it('commits on success and rolls back on error, with every statement of the transaction on one session', async () => {
    await db.transaction(async () => {
      await db.execute('INSERT INTO "ledger" ("amount") VALUES ($1)', [10]);
      await db.execute('UPDATE "ledger" SET "amount" = "amount" + $1', [5]);
    });
    await expect(
      db.transaction(async () => {
        await db.execute('INSERT INTO "ledger" ("amount") VALUES ($1)', [99]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.query('SELECT "amount" FROM "ledger"')).toEqual([{ amount: 15 }]);
  });
});
