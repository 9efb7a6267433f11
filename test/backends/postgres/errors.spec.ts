import {
  CheckConstraintError,
  ConnectionRegistry,
  DeadlockError,
  ForeignKeyConstraintError,
  LockTimeoutError,
  NotNullConstraintError,
  QueryError,
  SerializationError,
  TransientError,
  UniqueConstraintError,
  type Connection,
} from 'nestjs-activerecord';
import { describePostgres, usePostgres } from './harness';

/** Resolves when `signal()` is called: lets two transactions take turns deterministically. */
function latch(): { wait: Promise<void>; signal: () => void } {
  let signal!: () => void;
  const wait = new Promise<void>((resolve) => (signal = resolve));
  return { wait, signal };
}

const catchError = (promise: Promise<unknown>) => promise.then(
  () => {
    throw new Error('expected a rejection');
  },
  (error: unknown) => error as Error & { cause?: { code?: string; detail?: string; message?: string } },
);

describePostgres('driver errors become library errors', () => {
  const pg = usePostgres({ pool: { max: 4 } });
  let db: Connection;

  beforeAll(async () => {
    db = pg.connection;
    await db.execute(`CREATE TABLE "parents" ("id" INTEGER PRIMARY KEY, "email" TEXT UNIQUE, "n" INTEGER NOT NULL DEFAULT 0 CHECK ("n" >= 0))`);
    await db.execute(`CREATE TABLE "children" ("id" SERIAL PRIMARY KEY, "parent_id" INTEGER NOT NULL REFERENCES "parents" ("id"))`);
  });

  beforeEach(async () => {
    await db.execute('DELETE FROM "children"');
    await db.execute('DELETE FROM "parents"');
    await db.execute('INSERT INTO "parents" ("id", "email") VALUES (1, $1), (2, $2)', ['one@secret.example', 'two@secret.example']);
  });

  it('23505 -> UniqueConstraintError with the constraint name; the duplicate value stays on cause only', async () => {
    const error = await catchError(db.execute('INSERT INTO "parents" ("id", "email") VALUES (3, $1)', ['one@secret.example']));
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect((error as UniqueConstraintError).constraint).toBe('parents_email_key');
    expect((error as UniqueConstraintError).connection).toBe('main');
    expect((error as UniqueConstraintError).sql).toContain('INSERT INTO "parents"');
    expect(error.message).toContain("'main'");
    expect(error.message).not.toContain('secret.example');
    expect(error.cause?.code).toBe('23505');
    expect(error.cause?.detail).toContain('one@secret.example'); // kept for debugging, on cause
  });

  it('23503 -> ForeignKeyConstraintError, 23502 -> NotNullConstraintError, 23514 -> CheckConstraintError', async () => {
    const fk = await catchError(db.execute('INSERT INTO "children" ("parent_id") VALUES ($1)', [424242]));
    expect(fk).toBeInstanceOf(ForeignKeyConstraintError);
    expect((fk as ForeignKeyConstraintError).constraint).toBe('children_parent_id_fkey');
    expect(fk.message).not.toContain('424242');
    const notNull = await catchError(db.execute('INSERT INTO "children" ("parent_id") VALUES ($1)', [null]));
    expect(notNull).toBeInstanceOf(NotNullConstraintError);
    const check = await catchError(db.execute('UPDATE "parents" SET "n" = $1 WHERE "id" = 1', [-7]));
    expect(check).toBeInstanceOf(CheckConstraintError);
    expect((check as CheckConstraintError).constraint).toBe('parents_n_check');
    expect(check.message).not.toContain('-7');
  });

  it('40P01 -> DeadlockError: one of two transactions locking in opposite order is chosen, the other commits', async () => {
    const firstLocked = latch();
    const secondLocked = latch();
    const lockBoth = (mine: number, theirs: number, locked: ReturnType<typeof latch>, other: ReturnType<typeof latch>) =>
      db.transaction(async () => {
        await db.execute('UPDATE "parents" SET "n" = "n" + 1 WHERE "id" = $1', [mine]);
        locked.signal();
        await other.wait;
        await db.execute('UPDATE "parents" SET "n" = "n" + 1 WHERE "id" = $1', [theirs]);
      });
    const results = await Promise.allSettled([lockBoth(1, 2, firstLocked, secondLocked), lockBoth(2, 1, secondLocked, firstLocked)]);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(DeadlockError);
    expect(failures[0]).toBeInstanceOf(TransientError);
    expect(failures[0]!.message).toMatch(/run the transaction again/);
    const rows = await db.query<{ n: number }>('SELECT "n" FROM "parents" ORDER BY "id"');
    expect(rows.map((r) => r.n)).toEqual([1, 1]); // the survivor's two updates, none of the victim's
  });

  it('40001 -> SerializationError when a REPEATABLE READ transaction updates a row changed since its snapshot', async () => {
    const snapshotTaken = latch();
    const otherCommitted = latch();
    const reader = db.transaction(
      async () => {
        await db.query('SELECT "n" FROM "parents" WHERE "id" = 1');
        snapshotTaken.signal();
        await otherCommitted.wait;
        await db.execute('UPDATE "parents" SET "n" = 10 WHERE "id" = 1');
      },
      { isolation: 'REPEATABLE READ' },
    );
    await snapshotTaken.wait;
    await db.execute('UPDATE "parents" SET "n" = 5 WHERE "id" = 1');
    otherCommitted.signal();
    const error = await catchError(reader);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error).toBeInstanceOf(TransientError);
    expect((await db.query<{ n: number }>('SELECT "n" FROM "parents" WHERE "id" = 1'))[0]!.n).toBe(5);
  });

  it('55P03 -> LockTimeoutError, from lock_timeout and from NOWAIT', async () => {
    const holding = latch();
    const done = latch();
    const holder = db.transaction(async () => {
      await db.query('SELECT * FROM "parents" WHERE "id" = 1 FOR UPDATE');
      holding.signal();
      await done.wait;
    });
    await holding.wait;
    try {
      const timedOut = await catchError(
        db.transaction(async () => {
          await db.execute("SET LOCAL lock_timeout = '100ms'");
          await db.execute('UPDATE "parents" SET "n" = 1 WHERE "id" = 1');
        }),
      );
      expect(timedOut).toBeInstanceOf(LockTimeoutError);
      expect(timedOut.cause?.code).toBe('55P03');
      const nowait = await catchError(db.transaction(() => db.query('SELECT * FROM "parents" WHERE "id" = 1 FOR UPDATE NOWAIT')));
      expect(nowait).toBeInstanceOf(LockTimeoutError);
    } finally {
      done.signal();
      await holder;
    }
  });

  it('applies lockTimeoutMs and statementTimeoutMs from the options to every session', async () => {
    const registry = await ConnectionRegistry.open({
      connections: { limited: { ...pg.options, lockTimeoutMs: 100, statementTimeoutMs: 300 } },
      logger: pg.logger,
    });
    const limited = registry.get('limited');
    const holding = latch();
    const done = latch();
    const holder = db.transaction(async () => {
      await db.query('SELECT * FROM "parents" WHERE "id" = 2 FOR UPDATE');
      holding.signal();
      await done.wait;
    });
    try {
      await holding.wait;
      await expect(limited.execute('UPDATE "parents" SET "n" = 3 WHERE "id" = 2')).rejects.toBeInstanceOf(LockTimeoutError);
      const cancelled = await catchError(limited.query('SELECT pg_sleep(5)'));
      expect(cancelled).toBeInstanceOf(QueryError);
      expect(cancelled).not.toBeInstanceOf(TransientError);
      expect(cancelled.message).toMatch(/statement timeout/);
      expect(await limited.query('SELECT 1 AS one')).toEqual([{ one: 1 }]); // the session is fine afterwards
    } finally {
      done.signal();
      await holder;
      await registry.close();
    }
  });

  it('masks values quoted in data-exception messages (class 22), keeping them on cause', async () => {
    const error = await catchError(db.query('SELECT $1::integer AS n', ['secret-42']));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/invalid input syntax for type integer: "…"/);
    expect(error.message).not.toContain('secret-42');
    expect(error.cause?.message).toContain('secret-42');
    const range = await catchError(db.query('SELECT $1::integer AS n', ['99999999999']));
    expect(range.message).not.toContain('99999999999');
  });

  it('other failures are QueryError with the SQLSTATE and the SQL, never the values', async () => {
    const error = await catchError(db.query('SELECT "nope" FROM "parents" WHERE "email" = $1', ['hidden@secret.example']));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/column "nope" does not exist \(SQLSTATE 42703\)/);
    expect((error as QueryError).sql).toBe('SELECT "nope" FROM "parents" WHERE "email" = $1');
    expect(error.message).not.toContain('hidden@secret.example');
  });
});
