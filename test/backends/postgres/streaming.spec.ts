import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, type Connection } from 'nestjs-activerecord';
import { describePostgres, sessionsOf, uniqueAppName, usePostgres, withAdmin } from './harness';

@Model({ table: 'stream_rows' })
class StreamRow extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') n!: number;
  @Column({ length: 20, default: 'new' }) status!: string;
}

@Model({ table: 'stream_log' })
class StreamLog extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') rowId!: number;
}

const TOTAL = 50_000;

describePostgres('streaming through a server-side cursor', () => {
  const pg = usePostgres({ pool: { max: 3 } }, [StreamRow, StreamLog]);
  let db: Connection;

  beforeAll(async () => {
    db = pg.connection;
    await StreamRow.insertAll(Array.from({ length: TOTAL }, (_, i) => ({ n: i })));
  });

  beforeEach(async () => {
    await StreamLog.deleteAll();
    await StreamRow.where({ status: { ne: 'new' } }).updateAll({ status: 'new' });
  });

  /** What the stream's own server session last ran, seen from outside. */
  const streamingSessions = () =>
    withAdmin(async (client) => {
      const { rows } = await client.query<{ state: string; query: string }>(
        'SELECT state, query FROM pg_stat_activity WHERE application_name = $1',
        [pg.options.applicationName],
      );
      return rows;
    });

  it(`streams ${TOTAL} rows in order, batch by batch, while the loop body writes on other sessions`, async () => {
    let seen = 0;
    let previous = 0;
    let fetchObserved = false;
    for await (const row of StreamRow.orderBy('id').stream({ batchSize: 100 })) {
      expect(row.id).toBeGreaterThan(previous);
      previous = row.id;
      seen++;
      if (row.n % 1000 === 0) {
        await StreamLog.create({ rowId: row.id });
        row.status = 'seen';
        await row.save();
      }
      if (seen === 250) {
        // The stream holds one session, parked between FETCHes inside its own transaction.
        const sessions = await streamingSessions();
        fetchObserved = sessions.some((s) => s.state === 'idle in transaction' && /^FETCH FORWARD 100 FROM "ar_cursor_\d+"$/.test(s.query));
      }
    }
    expect(seen).toBe(TOTAL);
    expect(fetchObserved).toBe(true);
    expect(await StreamLog.count()).toBe(TOTAL / 1000);
    expect(await StreamRow.where({ status: 'seen' }).count()).toBe(TOTAL / 1000);
    // and the stream's transaction ended with the loop
    expect((await streamingSessions()).filter((s) => s.state !== 'idle')).toEqual([]);
  });

  it('inside a transaction, uses its session: the loop body runs statements on it between FETCHes, and sees its writes', async () => {
    await db.transaction(async () => {
      const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
      await StreamRow.where({ n: { lt: 10 } }).updateAll({ status: 'in-tx' });
      let count = 0;
      for await (const row of StreamRow.where({ status: 'in-tx' }).orderBy('id').stream({ batchSize: 3 })) {
        count++;
        const same = await db.query<{ pid: number; cursors: string }>('SELECT pg_backend_pid() AS pid, (SELECT COUNT(*) FROM pg_cursors) AS cursors');
        expect(same[0]).toEqual({ pid, cursors: '1' });
        await StreamLog.create({ rowId: row.id });
      }
      expect(count).toBe(10);
      expect((await db.query('SELECT name FROM pg_cursors'))).toEqual([]); // closed at the end of the loop
      expect(await StreamLog.count()).toBe(10);
    });
    expect(await StreamLog.count()).toBe(10);
  });

  it('inside a transaction, 50k rows stream while the body writes on the same session', async () => {
    let seen = 0;
    await db.transaction(async () => {
      for await (const row of StreamRow.stream({ batchSize: 500 })) {
        seen++;
        if (row.n % 5000 === 0) await StreamLog.create({ rowId: row.id });
      }
    });
    expect(seen).toBe(TOTAL);
    expect(await StreamLog.count()).toBe(TOTAL / 5000);
  });

  it('breaking out early closes the cursor and gives the session back (pool.max = 1)', async () => {
    const app = uniqueAppName();
    const registry = await ConnectionRegistry.open({
      connections: { solo: { ...pg.options, applicationName: app, pool: { max: 1, acquireTimeoutMs: 1000 } } },
      logger: pg.logger,
    });
    const solo = registry.get('solo');
    try {
      for (let round = 0; round < 3; round++) {
        let taken = 0;
        for await (const row of solo.backend.stream({ sql: 'SELECT "id" FROM "stream_rows" ORDER BY "id"', params: [] }, { batchSize: 10 })) {
          void row;
          if (++taken === 15) break;
        }
        expect(taken).toBe(15);
        // the only session is free again, and not left inside the stream's transaction
        expect(await solo.query('SELECT COUNT(*) AS n FROM pg_cursors')).toEqual([{ n: '0' }]);
        expect((await sessionsOf(app)).map((s) => s.state)).toEqual(['idle']);
      }
      // inside a transaction: break closes the cursor, the transaction goes on
      await solo.transaction(async () => {
        for await (const row of solo.runStream({ sql: 'SELECT "id" FROM "stream_rows"', params: [] }, { batchSize: 5 })) {
          void row;
          break;
        }
        expect(await solo.query('SELECT COUNT(*) AS n FROM pg_cursors')).toEqual([{ n: '0' }]);
        await solo.execute('UPDATE "stream_rows" SET "status" = $1 WHERE "id" = 1', ['after-break']);
      });
      expect((await solo.query<{ status: string }>('SELECT "status" FROM "stream_rows" WHERE "id" = 1'))[0]!.status).toBe('after-break');
    } finally {
      await registry.close();
    }
  });

  it('a failing loop body or query ends the stream cleanly: cursor closed, transaction ended, session reusable', async () => {
    const failing = async () => {
      for await (const row of StreamRow.stream({ batchSize: 10 })) {
        void row;
        throw new Error('body failed');
      }
    };
    await expect(failing()).rejects.toThrow('body failed');
    const badQuery = async () => {
      for await (const row of db.backend.stream({ sql: 'SELECT 1/("n" - 500) FROM "stream_rows" ORDER BY "id"', params: [] }, { batchSize: 100 })) void row;
    };
    await expect(badQuery()).rejects.toThrow(/division by zero/);
    expect((await streamingSessions()).filter((s) => s.state !== 'idle')).toEqual([]);
    expect(await StreamRow.count()).toBe(TOTAL);
  });

  it('binds the query\'s values in DECLARE, and refuses a batch size that is not a positive integer', async () => {
    const rows: number[] = [];
    for await (const row of StreamRow.where({ n: { between: [10, 14] } }).orderBy('n', 'desc').stream({ batchSize: 2 })) rows.push(row.n);
    expect(rows).toEqual([14, 13, 12, 11, 10]);
    const bad = async () => {
      for await (const row of db.backend.stream({ sql: 'SELECT 1', params: [] }, { batchSize: 0.5 })) void row;
    };
    await expect(bad()).rejects.toThrow(/batchSize must be a positive integer/);
  });
});
