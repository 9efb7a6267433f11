import {
  ActiveRecord,
  CheckConstraintError,
  Column,
  ConnectionError,
  DeadlockError,
  ForeignKeyConstraintError,
  LockTimeoutError,
  Model,
  NotNullConstraintError,
  PrimaryKey,
  QueryError,
  TransientError,
  UniqueConstraintError,
} from 'nestjs-activerecord';
import { describeMariadb, useMariadb } from './harness';

@Model({ table: 'err_accounts' })
class Account extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ unique: true, length: 100 }) email!: string;
  @Column('integer', { default: 0 }) balance!: number;
}

@Model({ table: 'err_orders' })
class Order extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ type: 'integer', references: { model: () => Account, onDelete: 'restrict' } }) accountId!: number;
}

const SECRET = 'secret-value-4711';

/** The driver error a library error wraps. */
const causeOf = (error: unknown) => (error as Error).cause as { errno?: number; sqlMessage?: string };

describeMariadb('errors from MariaDB become the library classes', () => {
  const db = useMariadb({ pool: { max: 4 } }, [Account, Order]);
  const run = (sql: string, params: unknown[] = []) => db.connection.execute(sql, params);

  beforeAll(async () => {
    await run('CREATE TABLE `err_checked` (`id` INT PRIMARY KEY, `amount` INT, CONSTRAINT `amount_positive` CHECK (`amount` > 0)) ENGINE=InnoDB');
  });
  beforeEach(async () => {
    await Order.deleteAll();
    await Account.deleteAll();
  });

  it('unique: names the key, never the value; the original stays the cause', async () => {
    await Account.create({ email: SECRET });
    const error = await Account.create({ email: SECRET }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect((error as UniqueConstraintError).constraint).toBe('email');
    expect((error as Error).message).toBe("Unique constraint violated on connection 'main': a row with the same value already exists for key 'email'");
    expect((error as Error).message).not.toContain(SECRET);
    expect(causeOf(error).errno).toBe(1062);
    expect(causeOf(error).sqlMessage).toContain(SECRET); // the driver's own message, kept for debugging
    const primary = await run('INSERT INTO `err_accounts` (`id`, `email`) VALUES (?, ?), (?, ?)', [1, 'a', 1, 'b']).catch((e: unknown) => e);
    expect(primary).toBeInstanceOf(UniqueConstraintError);
    expect((primary as UniqueConstraintError).constraint).toBe('PRIMARY');
    expect(await Account.count()).toBe(1);
  });

  it('unique in a bulk insert: nothing of the batch is written', async () => {
    const rows = [{ email: 'a@x.org' }, { email: 'b@x.org' }, { email: 'a@x.org' }];
    await expect(Account.insertAll(rows)).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await Account.count()).toBe(0);
  });

  it('foreign key: a missing parent (1452) and a parent still referenced (1451)', async () => {
    const missing = await Order.create({ accountId: 424242 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ForeignKeyConstraintError);
    expect((missing as Error).message).toMatch(/^Foreign key constraint violated on connection 'main': the referenced row does not exist \(constraint '.+'\)$/);
    expect(causeOf(missing).errno).toBe(1452);
    const account = await Account.create({ email: 'parent@x.org' });
    await Order.create({ accountId: account.id });
    const referenced = await account.destroy().catch((e: unknown) => e);
    expect(referenced).toBeInstanceOf(ForeignKeyConstraintError);
    expect((referenced as ForeignKeyConstraintError).constraint).toBeTruthy();
    expect(causeOf(referenced).errno).toBe(1451);
  });

  it('not null: an explicit NULL (1048) and a missing value without default (1364)', async () => {
    const explicit = await run('INSERT INTO `err_accounts` (`email`) VALUES (?)', [null]).catch((e: unknown) => e);
    expect(explicit).toBeInstanceOf(NotNullConstraintError);
    expect((explicit as NotNullConstraintError).constraint).toBe('email');
    const missing = await run('INSERT INTO `err_accounts` (`balance`) VALUES (?)', [1]).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotNullConstraintError);
    expect((missing as NotNullConstraintError).constraint).toBe('email');
    expect(causeOf(missing).errno).toBe(1364);
  });

  it('check constraint (MariaDB 4025)', async () => {
    const error = await run('INSERT INTO `err_checked` VALUES (?, ?)', [1, -5]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckConstraintError);
    expect((error as CheckConstraintError).constraint).toBe('amount_positive');
    expect((error as Error).message).toContain("on connection 'main'");
  });

  it('a real deadlock between two transactions: one DeadlockError, the other commits', async () => {
    const a = await Account.create({ email: 'a@x.org' });
    const b = await Account.create({ email: 'b@x.org' });
    // Each transaction locks its first row, waits until the other has too, then wants the other's.
    let arrived = 0;
    let open!: () => void;
    const barrier = new Promise<void>((resolve) => (open = resolve));
    const cross = (first: Account, second: Account) =>
      db.connection.transaction(async () => {
        await Account.where({ id: first.id }).updateAll({ balance: 1 });
        if (++arrived === 2) open();
        await barrier;
        await Account.where({ id: second.id }).updateAll({ balance: 2 });
      });
    const outcomes = await Promise.allSettled([cross(a, b), cross(b, a)]);
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(DeadlockError);
    expect(failures[0]).toBeInstanceOf(TransientError);
    expect(failures[0]!.message).toMatch(/Deadlock on connection 'main'.*run the transaction again/);
    expect(causeOf(failures[0]).errno).toBe(1213);
    expect((await Account.orderBy('id').pluck('balance')).sort()).toEqual([1, 2]); // the winner's writes only
  });

  it('lock wait timeout and NOWAIT become LockTimeoutError, and the holder is unaffected', async () => {
    const account = await Account.create({ email: 'held@x.org' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holder = db.connection.transaction(async () => {
      await Account.where({ id: account.id }).updateAll({ balance: 5 });
      holding();
      await gate;
    });
    await held;
    try {
      const timedOut = await db.connection
        .transaction(() => run('SET STATEMENT innodb_lock_wait_timeout = 1 FOR UPDATE `err_accounts` SET `balance` = 6 WHERE `id` = ?', [account.id]))
        .catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(LockTimeoutError);
      expect(causeOf(timedOut).errno).toBe(1205);
      const nowait = await db.connection
        .transaction(() => db.connection.query('SELECT * FROM `err_accounts` WHERE `id` = ? FOR UPDATE NOWAIT', [account.id]))
        .catch((e: unknown) => e);
      expect(nowait).toBeInstanceOf(LockTimeoutError);
    } finally {
      release();
    }
    await holder;
    expect((await Account.find(account.id)).balance).toBe(5);
  });

  it('other failures are QueryError with the SQL and errno, and without the values', async () => {
    const syntax = await db.connection.query('SELEC 1').catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(QueryError);
    expect((syntax as QueryError).sql).toBe('SELEC 1');
    expect((syntax as Error).message).toMatch(/errno 1064, SQLSTATE 42000/);
    const badInteger = await run('INSERT INTO `err_accounts` (`email`, `balance`) VALUES (?, ?)', ['x@x.org', SECRET]).catch((e: unknown) => e);
    expect(badInteger).toBeInstanceOf(QueryError);
    expect((badInteger as Error).message).toMatch(/Incorrect integer value for column/);
    expect((badInteger as Error).message).not.toContain(SECRET);
    const tooLong = await run('INSERT INTO `err_accounts` (`email`) VALUES (?)', ['x'.repeat(101)]).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(QueryError); // strict mode: an error, not a silent truncation
    expect((tooLong as Error).message).toMatch(/Data too long for column 'email'/);
    expect(await Account.count()).toBe(0);
  });

  it('writes in a read-only transaction fail as QueryError and change nothing', async () => {
    const error = await db.connection
      .transaction(() => Account.create({ email: 'ro@x.org' }), { readOnly: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect(causeOf(error).errno).toBe(1792);
    expect(await Account.count()).toBe(0);
  });

  it('a statement on a closed connection fails with ConnectionError', async () => {
    const { ConnectionRegistry } = await import('nestjs-activerecord');
    const registry = await ConnectionRegistry.open({ connections: { other: db.options } });
    const other = registry.get('other');
    await registry.close();
    const error = await other.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/'other' is closed/);
  });
});
