import type { Connection } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Account, Person, SUITE_MODELS } from './models';

describeBackends('raw SQL and local transactions', { models: SUITE_MODELS, connection: { pool: { max: 3, acquireTimeoutMs: 10000 } } }, (context) => {
  let connection: Connection;
  let sql: (text: string) => string;

  beforeAll(() => {
    connection = context.registry.get();
    // Write `?` in test SQL; turn each into the dialect's own placeholder.
    sql = (text) => {
      let index = 0;
      return text.replace(/\?/g, () => connection.dialect.placeholder(++index)).replace(/"(\w+)"/g, (_, name: string) => connection.dialect.quoteIdentifier(name));
    };
  });

  beforeEach(async () => {
    await Account.deleteAll();
    await Person.deleteAll();
  });

  it('query returns plain rows, execute reports affected rows and the generated id', async () => {
    const inserted = await connection.execute(sql('INSERT INTO "suite_people" ("name", "age") VALUES (?, ?)'), ['Ada', 36]);
    expect(inserted.affectedRows).toBe(1);
    if (inserted.insertId !== undefined) expect(Number(inserted.insertId)).toBeGreaterThan(0);
    const rows = await connection.query<{ name: string; age: number }>(sql('SELECT "name", "age" FROM "suite_people" WHERE "age" > ?'), [30]);
    expect(rows.map((row) => ({ ...row, age: Number(row.age) }))).toEqual([{ name: 'Ada', age: 36 }]);
    expect(Object.getPrototypeOf(rows[0]).constructor.name).toBe('Object'); // a plain object (Jest runs tests in another realm)
    const updated = await connection.execute(sql('UPDATE "suite_people" SET "age" = ? WHERE "name" = ?'), [37, 'Ada']);
    expect(updated.affectedRows).toBe(1);
  });

  it('commits when the work resolves, with model and raw calls inside using the transaction', async () => {
    const result = await connection.transaction(async (transaction) => {
      expect(transaction.connection).toBe(connection);
      await Person.create({ name: 'in' });
      await connection.execute(sql('UPDATE "suite_people" SET "age" = ? WHERE "name" = ?'), [5, 'in']);
      expect((await Person.findBy({ name: 'in' }))?.age).toBe(5);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await Person.findBy({ name: 'in' }))?.age).toBe(5);
  });

  it('rolls back everything when the work throws, including joined inner transactions', async () => {
    const failure = connection.transaction(async () => {
      await Person.create({ name: 'outer' });
      await connection.transaction(async () => {
        await Account.create({ email: 'inner@example.com' });
      });
      throw new Error('boom');
    });
    await expect(failure).rejects.toThrow('boom');
    expect(await Person.count()).toBe(0);
    expect(await Account.count()).toBe(0);
  });

  it('keeps uncommitted writes invisible to concurrent work on a pool', async () => {
    if (!connection.backend.capabilities.concurrentSessions) return; // SQLite: outside work waits instead
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = connection.transaction(async () => {
      await Person.create({ name: 'pending' });
      inserted();
      await gate;
    });
    await insertedSignal;
    expect(await Person.where({ name: 'pending' }).count()).toBe(0);
    release();
    await transaction;
    expect(await Person.where({ name: 'pending' }).count()).toBe(1);
  });

  it('serialises or isolates many concurrent transactions without losing an update', async () => {
    const account = await Account.create({ email: 'counter@example.com' });
    await Person.create({ name: 'counter', age: 0 });
    const workers = Array.from({ length: 12 }, (_, i) =>
      connection.transaction(async () => {
        const person = (await Person.findBy({ name: 'counter' }))!;
        await Person.where({ id: person.id }).updateAll({ status: `w${i}` });
        await connection.execute(sql('UPDATE "suite_people" SET "age" = "age" + 1 WHERE "name" = ?'), ['counter']);
      }),
    );
    await Promise.all(workers);
    expect((await Person.findBy({ name: 'counter' }))?.age).toBe(12);
    expect(account.isNewRecord).toBe(false);
  });

  it('returns sessions to the pool on every failure path', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(
        connection.transaction(async () => {
          await Person.create({ name: `fail${i}` });
          throw new Error('fail');
        }),
      ).rejects.toThrow('fail');
      await expect(connection.query(sql('SELECT * FROM "no_such_table"'))).rejects.toThrow();
    }
    const results = await Promise.all(Array.from({ length: 10 }, () => Person.count()));
    expect(results.every((count) => count === 0)).toBe(true);
  });
});
