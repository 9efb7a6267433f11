import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  ActiveRecord,
  Column,
  ConnectionError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  QueryError,
  type Connection,
} from 'nestjs-activerecord';
import { describeMariadb, eventually, killConnection, sessionsOn, useMariadb } from './harness';

@Model({ table: 'stream_rows' })
class Item extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') n!: number;
  @Column({ length: 20, default: 'new' }) status!: string;
}

const TOTAL = 50_000;

/** Spill files of this process (rows moved to disk while a transaction's stream waits). */
const spillFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`nestjs-activerecord-stream-${process.pid}-`));

describeMariadb('streaming', () => {
  // 50,000 rows with a write per row: seconds on a quiet machine, much more on a loaded CI box.
  jest.setTimeout(120_000);
  const db = useMariadb({ pool: { max: 2, acquireTimeoutMs: 5000 } }, [Item]);

  beforeAll(async () => {
    await db.connection.execute('INSERT INTO `stream_rows` (`id`, `n`) SELECT `seq`, `seq` FROM `seq_1_to_50000`');
  });
  beforeEach(async () => {
    await Item.where({ status: { ne: 'new' } }).updateAll({ status: 'new' });
  });

  it(`streams ${TOTAL} rows in small batches with writes in the loop body (outside a transaction)`, async () => {
    let expected = 1;
    for await (const item of Item.orderBy('id').stream({ batchSize: 100 })) {
      expect(item.id).toBe(expected++);
      if (item.id % 10 === 0) await Item.where({ id: item.id }).updateAll({ status: 'seen' });
    }
    expect(expected - 1).toBe(TOTAL);
    expect(await Item.where({ status: 'seen' }).count()).toBe(TOTAL / 10);
  });

  it(`streams ${TOTAL} rows inside a transaction with writes in the loop body: the rest waits on disk`, async () => {
    let expected = 1;
    let sawSpill = false;
    await db.connection.transaction(async () => {
      for await (const item of Item.orderBy('id').stream({ batchSize: 100 })) {
        expect(item.id).toBe(expected++);
        if (item.id % 10 === 0) {
          await Item.where({ id: item.id }).updateAll({ status: 'in-tx' });
          sawSpill ||= spillFiles().length > 0;
        }
      }
      // The stream read the transaction's snapshot as of its start, its own writes included.
      expect(await Item.where({ status: 'in-tx' }).count()).toBe(TOTAL / 10);
    });
    expect(expected - 1).toBe(TOTAL);
    expect(sawSpill).toBe(true);
    expect(spillFiles()).toEqual([]);
    expect(await Item.where({ status: 'in-tx' }).count()).toBe(TOTAL / 10);
  });

  it('streams inside a read-only transaction, with reads in the loop body', async () => {
    let count = 0;
    await db.connection.transaction(
      async () => {
        for await (const item of Item.where({ n: { lte: 5000 } }).orderBy('id').stream({ batchSize: 50 })) {
          count++;
          if (item.id % 1000 === 0) expect((await Item.find(item.id)).n).toBe(item.id);
        }
      },
      { readOnly: true },
    );
    expect(count).toBe(5000);
  });

  it('sees the transaction\'s own uncommitted rows, and nested streams on one transaction work', async () => {
    await db.connection.transaction(async () => {
      await Item.create({ id: TOTAL + 1, n: -1, status: 'mine' });
      const pairs: Array<[number, number]> = [];
      for await (const outer of Item.where({ id: { in: [1, 2, TOTAL + 1] } }).orderBy('id').stream({ batchSize: 1 })) {
        for await (const inner of Item.where({ id: { in: [3, TOTAL + 1] } }).orderBy('id').stream({ batchSize: 1 })) {
          pairs.push([outer.id, inner.id]);
        }
      }
      expect(pairs).toEqual([
        [1, 3], [1, TOTAL + 1],
        [2, 3], [2, TOTAL + 1],
        [TOTAL + 1, 3], [TOTAL + 1, TOTAL + 1],
      ]);
      throw new Error('roll back');
    }).catch((error: Error) => expect(error.message).toBe('roll back'));
    expect(await Item.exists({ id: TOTAL + 1 })).toBe(false);
  });

  it('leaving a stream early gives its connection back (outside a transaction)', async () => {
    const registry = await ConnectionRegistry.open({ connections: { main: { ...db.options, pool: { max: 1, acquireTimeoutMs: 2000 } } }, models: [Item] });
    try {
      const connection = registry.get();
      for (let round = 0; round < 5; round++) {
        let taken = 0;
        for await (const item of rawStream(connection, 'SELECT * FROM `stream_rows` ORDER BY `id`', 10)) {
          expect(item.id).toBeDefined();
          if (++taken === 15) break;
        }
        expect(taken).toBe(15);
        // With one connection in the pool, this only runs if the stream gave it back.
        expect(await connection.query('SELECT COUNT(*) AS `n` FROM `stream_rows`')).toEqual([{ n: TOTAL }]);
      }
    } finally {
      await registry.close();
    }
  });

  it('leaving a stream early inside a transaction keeps the transaction usable', async () => {
    await db.connection.transaction(async () => {
      let taken = 0;
      for await (const item of Item.orderBy('id').stream({ batchSize: 10 })) {
        if (++taken === 25) break;
        expect(item.n).toBe(item.id);
      }
      await Item.where({ id: 1 }).updateAll({ status: 'after-break' });
      expect((await Item.find(1)).status).toBe('after-break');
    });
    expect((await Item.find(1)).status).toBe('after-break');
  });

  it('an exception in the loop body releases the connection too', async () => {
    for (let round = 0; round < 4; round++) {
      await expect(
        (async () => {
          for await (const item of Item.stream({ batchSize: 10 })) {
            if (item.id > 5) throw new Error('loop failed');
          }
        })(),
      ).rejects.toThrow('loop failed');
    }
    expect(await Item.count()).toBe(TOTAL);
  });

  it('a failing statement rejects the iteration with QueryError and releases the connection', async () => {
    for (let round = 0; round < 4; round++) {
      await expect(
        (async () => {
          for await (const row of rawStream(db.connection, 'SELECT * FROM `no_such_table`', 10)) expect(row).toBeUndefined();
        })(),
      ).rejects.toBeInstanceOf(QueryError);
    }
    expect(await Item.count()).toBe(TOTAL);
  });

  it('a connection killed mid-stream ends the iteration with ConnectionError; the pool recovers', async () => {
    // 100 MB of result: far more than socket buffers hold, so the server is still sending.
    const sql = "SELECT `id`, REPEAT('x', 2000) AS `killed_stream_pad` FROM `stream_rows` ORDER BY `id`";
    let seen = 0;
    const error = await (async () => {
      for await (const row of rawStream(db.connection, sql, 10)) {
        seen = Number(row.id);
        if (seen === 100) {
          const victim = (await sessionsOn(db.database)).find((s) => s.info?.includes('killed_stream_pad'));
          await killConnection(victim!.id);
        }
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(seen).toBeGreaterThanOrEqual(100);
    expect(seen).toBeLessThan(TOTAL);
    await eventually(async () => (await sessionsOn(db.database)).every((s) => !s.info?.includes('killed_stream_pad')), 'the killed session is gone');
    expect(await Item.count()).toBe(TOTAL);
  });

  it('a stream started on a transaction whose connection was killed fails at once with ConnectionError', async () => {
    const error = await db.connection
      .transaction(async () => {
        const [row] = await db.connection.query<{ id: number }>('SELECT CONNECTION_ID() AS `id`');
        await killConnection(Number(row!.id));
        await eventually(async () => (await sessionsOn(db.database)).every((s) => s.id !== Number(row!.id)), 'the session is gone');
        await new Promise((resolve) => setTimeout(resolve, 50)); // let the client see the socket close
        for await (const item of Item.stream({ batchSize: 10 })) expect(item).toBeUndefined();
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(await Item.count()).toBe(TOTAL);
  });
});

/** Rows of raw SQL through the backend's stream, the way models stream outside a transaction. */
function rawStream(connection: Connection, sql: string, batchSize: number): AsyncIterable<Record<string, unknown>> {
  return connection.backend.stream({ sql, params: [] }, { batchSize });
}
