import { LockTimeoutError, TransactionError, type Connection } from 'nestjs-activerecord';
import { Client as PgClient } from 'pg';
import { describeBackends } from '../../support/describe-backends';
import { Entry, labels } from './models';

/**
 * How transactions get their sessions (issue #10): statements issued together inside one
 * transaction take turns on its session; a wait for a session either proceeds or fails within
 * the acquire timeout naming who holds it; a wait that could never end fails at once.
 */
const ACQUIRE_TIMEOUT_MS = 600;

describeBackends(
  'transaction sessions',
  {
    models: [Entry],
    // One session per connection, and a short acquire timeout: the waits below are quick to see.
    // (A top-level acquireTimeoutMs is SQLite's own option: other backends refuse it as unknown.)
    connection: (target) => ({
      pool: { max: 1, acquireTimeoutMs: ACQUIRE_TIMEOUT_MS },
      ...(target.name.startsWith('sqlite') ? { acquireTimeoutMs: ACQUIRE_TIMEOUT_MS } : {}),
    }),
    only: (target) => target.name !== 'oracle' && target.name !== 'mssql',
  },
  (context) => {
    let main: Connection;
    beforeAll(() => {
      main = context.registry.get('main');
    });
    beforeEach(() => Entry.deleteAll());

    /** A transaction named `name` that holds its session until `release()` is called. */
    const holder = (name: string) => {
      let release!: () => void;
      let ready!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const holding = new Promise<void>((resolve) => (ready = resolve));
      const done = main.transaction(
        async () => {
          await Entry.create({ label: name });
          ready();
          await gate;
        },
        { name },
      );
      return { holding, release, done };
    };

    it('runs statements issued together inside one transaction one after another (issue #10, reproduction 5)', async () => {
      // pg deprecates (and pg 9 refuses) client.query() while the client is still busy; count
      // such calls where pg itself checks for them (its queue of pending queries).
      const overlapping = { calls: 0 };
      const original = PgClient.prototype.query;
      PgClient.prototype.query = function (this: { _queryQueue?: unknown[]; _activeQuery?: unknown }, ...args: unknown[]) {
        if ((this._queryQueue?.length ?? 0) > 0 || this._activeQuery) overlapping.calls++;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original;
      try {
        await main.transaction(() => Promise.all(Array.from({ length: 20 }, (_, i) => Entry.create({ label: `row ${String(i).padStart(2, '0')}` }))));
      } finally {
        PgClient.prototype.query = original;
      }
      expect(await Entry.count()).toBe(20);
      expect(overlapping.calls).toBe(0);
    });

    it('fails a transaction that waits longer than the acquire timeout, naming the holder', async () => {
      const held = holder('OrderService.place');
      await held.holding;
      const error = await main.transaction(async () => 1, { name: 'waiter' }).catch((e: unknown) => e);
      held.release();
      await held.done;
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/connection 'main'/);
      expect((error as Error).message).toMatch(/transaction 'OrderService\.place' \(for \d+\.\d s\)/);
      expect(await labels()).toEqual(['OrderService.place']);
    });

    it('fails a statement outside any transaction that waits too long for the only session, naming the holder', async () => {
      const held = holder('ImportJob.run');
      await held.holding;
      const error = await Entry.count().catch((e: unknown) => e);
      held.release();
      await held.done;
      if (main.backend.capabilities.concurrentSessions) {
        // Pools: the pool's own timeout, which says the pool was full.
        expect((error as Error).message).toMatch(/pool/);
      } else {
        expect(error).toBeInstanceOf(LockTimeoutError);
        expect((error as Error).message).toMatch(/transaction 'ImportJob\.run' has held it for \d+\.\d s/);
      }
    });

    it('fails at once, not after the timeout, when the caller itself holds every session', async () => {
      // The message tells the two apart: a timeout says how long it waited, this says why it never could.
      const error = await main
        .transaction(() => main.transaction(async () => 1, { propagation: 'REQUIRES_NEW' }), { name: 'outer' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/needs another session of connection 'main'.*held by transaction 'outer'.*wait for itself forever/);
      expect((error as Error).message).not.toMatch(/gave up/);
    });
  },
);
