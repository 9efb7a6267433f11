import Database from 'better-sqlite3';
import { ConnectionRegistry, LockTimeoutError, Transactional, transactional, TransactionError, type Connection } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Book, seedLibrary, ALL_MODELS } from './models';

const statements: string[] = [];
const logger = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m), debug: (m: string) => void statements.push(m) };

describeBackends(
  'row locking',
  {
    models: ALL_MODELS,
    connection: { logging: true, pool: { max: 6 } },
    extraConnections: { crm: { backend: 'sqlite', database: ':memory:' } },
    logger,
  },
  (context) => {
    let connection: Connection;
    beforeAll(async () => {
      connection = context.registry.get();
      await seedLibrary();
    });

    it('refuses forUpdate and forShare outside a transaction: the lock would protect nothing', async () => {
      await expect(Book.where({ id: 1 }).forUpdate().all()).rejects.toThrow(TransactionError);
      await expect(Book.where({ id: 1 }).forUpdate().first()).rejects.toThrow(
        "Book.forUpdate() locks rows until the transaction ends, and no transaction is open on connection 'main' here: run it inside @Transactional() or transactional()",
      );
      await expect(Book.forShare().find(1)).rejects.toThrow(TransactionError);
      await expect(Book.forUpdate().pluck('id')).rejects.toThrow(TransactionError);
      expect(() => Book.forUpdate({ skipLocked: true, noWait: true })).toThrow(/exclude each other/);
      expect(() => Book.forUpdate({ skipLocked: true, wait: 1 } as never)).toThrow("Book.forUpdate: unknown option 'wait' (options: skipLocked, noWait)");
    });

    it('read-modify-write under forUpdate loses no update, however many run at once', async () => {
      await Book.where({ id: 2 }).updateAll({ pages: 0 });
      const workers = Array.from({ length: 12 }, () =>
        transactional({ connection, retry: { attempts: 5 } }, async () => {
          const book = await Book.where({ id: 2 }).forUpdate().first();
          await new Promise((resolve) => setTimeout(resolve, 2)); // let others try to read it meanwhile
          book!.pages += 1;
          await book!.save();
        }),
      );
      await Promise.all(workers);
      expect((await Book.find(2)).pages).toBe(12);
    });

    it('works as the README shows: forUpdate inside a @Transactional method, refused outside it', async () => {
      class Stock {
        @Transactional()
        async take(id: number, pages: number): Promise<number> {
          const book = await Book.where({ id }).forUpdate().first();
          if (book!.pages < pages) throw new Error('not enough pages');
          await book!.update({ pages: book!.pages - pages });
          return book!.pages;
        }

        async takeWithoutTransaction(id: number): Promise<unknown> {
          return Book.where({ id }).forUpdate().first();
        }
      }
      const stock = new Stock();
      await Book.where({ id: 5 }).updateAll({ pages: 50 });
      const left = await Promise.all([stock.take(5, 10), stock.take(5, 10), stock.take(5, 10)]);
      expect(left.sort((a, b) => b - a)).toEqual([40, 30, 20]);
      await expect(stock.take(5, 100)).rejects.toThrow('not enough pages');
      expect((await Book.find(5)).pages).toBe(20);
      await expect(stock.takeWithoutTransaction(5)).rejects.toBeInstanceOf(TransactionError);
    });

    it('compiles the lock for the backend (SQLite: none, the transaction holds the write lock)', async () => {
      statements.length = 0;
      await transactional({ connection }, async () => {
        const book = await Book.forUpdate().find(1);
        expect(book.title).toBe('Notes');
      });
      const select = statements.find((s) => /FROM .qa_books/.test(s))!;
      const expected: Record<string, RegExp> = {
        'sqlite-file': /WHERE "id" = \?$/,
        'sqlite-memory': /WHERE "id" = \?$/,
        postgres: / FOR UPDATE$/,
        mariadb: / FOR UPDATE$/,
      };
      expect(select).toMatch(expected[context.target.name] ?? / FOR UPDATE/);
    });

    it('on a SQLite file, a read-write transaction takes the write lock at BEGIN; sqliteBegin: deferred waits for the first write', async () => {
      if (context.target.name !== 'sqlite-file') return;
      const file = (context.options as { database: string }).database;
      const other = new Database(file); // another process, holding the database's write lock
      other.exec('BEGIN IMMEDIATE');
      const registry = await ConnectionRegistry.open({ connections: { probe: { backend: 'sqlite', database: file, busyTimeoutMs: 50 } } });
      try {
        const probe = registry.get('probe');
        const count = (sql: string) => probe.query<{ n: number }>(sql).then((rows) => Number(rows[0]!.n));
        // Deferred: reads go ahead while the other connection holds the write lock.
        expect(await transactional({ connection: probe, sqliteBegin: 'deferred' }, () => count('SELECT COUNT(*) AS n FROM qa_books'))).toBe(5);
        // Immediate (the default): the transaction cannot even begin until the lock is free.
        await expect(transactional({ connection: probe }, () => count('SELECT COUNT(*) AS n FROM qa_books'))).rejects.toBeInstanceOf(LockTimeoutError);
        await expect(transactional({ connection: probe, sqliteBegin: 'immediate' }, () => count('SELECT 1 AS n'))).rejects.toBeInstanceOf(LockTimeoutError);
        other.exec('ROLLBACK');
        expect(await transactional({ connection: probe, sqliteBegin: 'exclusive' }, () => count('SELECT COUNT(*) AS n FROM qa_books'))).toBe(5);
      } finally {
        if (other.inTransaction) other.exec('ROLLBACK');
        other.close();
        await registry.close();
      }
    });

    describe('between concurrent transactions', () => {
      /** Hold a lock in one transaction while `probe` runs in another; release after. */
      async function whileLocked<T>(lock: () => Promise<unknown>, probe: () => Promise<T>): Promise<T> {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const lockedSignal = new Promise<void>((resolve) => (locked = resolve));
        const holder = transactional({ connection }, async () => {
          await lock();
          locked();
          await held;
        });
        await lockedSignal;
        try {
          return await transactional({ connection }, probe);
        } finally {
          release();
          await holder;
        }
      }

      it('noWait fails at once on a locked row with LockTimeoutError', async () => {
        if (!connection.backend.capabilities.concurrentSessions) return; // SQLite: one connection, transactions queue
        const attempt = whileLocked(
          () => Book.where({ id: 3 }).forUpdate().all(),
          () => Book.where({ id: 3 }).forUpdate({ noWait: true }).all(),
        );
        await expect(attempt).rejects.toBeInstanceOf(LockTimeoutError);
      });

      it('skipLocked leaves out rows another transaction holds (a work queue)', async () => {
        if (!connection.backend.capabilities.concurrentSessions) return;
        const free = await whileLocked(
          () => Book.where({ id: [1, 3] }).forUpdate().all(),
          async () => (await Book.where({ id: [1, 2, 3, 4] }).orderBy('id').forUpdate({ skipLocked: true }).all()).map((b) => b.id),
        );
        expect(free).toEqual([2, 4]);
      });

      it('forShare lets others share the lock but not take it exclusively', async () => {
        if (!connection.backend.capabilities.concurrentSessions) return;
        const shared = await whileLocked(
          () => Book.where({ id: 4 }).forShare().all(),
          async () => (await Book.where({ id: 4 }).forShare({ noWait: true }).all()).length,
        );
        expect(shared).toBe(1);
        const exclusive = whileLocked(
          () => Book.where({ id: 4 }).forShare().all(),
          () => Book.where({ id: 4 }).forUpdate({ noWait: true }).all(),
        );
        await expect(exclusive).rejects.toBeInstanceOf(LockTimeoutError);
      });

      it('locks only the root rows of a joined query where the database can say so', async () => {
        if (!connection.backend.capabilities.concurrentSessions) return;
        const rows = await transactional({ connection }, async () => Book.leftJoins('author').where({ author: { name: 'Ada' } }).forUpdate().pluck('id'));
        expect(rows.sort()).toEqual([1, 2]);
      });
    });
  },
);
