import { Connection, DeadlockError, SerializationError, TransactionError } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { BILLING, Entry, labels, TX_MODELS } from './models';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeBackends('timeouts and retries', { models: TX_MODELS, extraConnections: BILLING, connection: { pool: { max: 4 } } }, (context) => {
  let main: Connection;
  beforeAll(() => {
    main = context.registry.get('main');
  });
  beforeEach(async () => {
    await Entry.deleteAll();
  });

  it('rolls back a transaction that runs past timeoutMs, and the caller gets a TransactionError promptly', async () => {
    let laterWrite: Promise<unknown> | undefined;
    const started = Date.now();
    const error = await main
      .transaction(
        async () => {
          await Entry.create({ label: 'before the deadline' });
          await sleep(400);
          laterWrite = Entry.create({ label: 'after the deadline' }).catch((e: unknown) => e);
          await laterWrite;
        },
        { timeoutMs: 100 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).message).toMatch(/ran longer than its timeout of 100 ms and was rolled back/);
    expect(Date.now() - started).toBeLessThan(350);
    await sleep(400);
    // The body kept running, but its statement was refused rather than run outside the transaction.
    expect(await laterWrite).toBeInstanceOf(TransactionError);
    expect(await labels()).toEqual([]);
    // The session went back: the pool still serves.
    await Promise.all(Array.from({ length: 6 }, (_, i) => main.transaction(() => Entry.create({ label: `ok ${i}` }))));
    expect(await Entry.count()).toBe(6);
  });

  it('re-runs the whole function after a deadlock or serialization failure, up to retry.attempts', async () => {
    let calls = 0;
    const result = await main.transaction(
      async () => {
        calls++;
        await Entry.create({ label: `attempt ${calls}` });
        if (calls === 1) throw new DeadlockError('simulated deadlock', { connection: 'main' });
        if (calls === 2) throw new SerializationError('simulated serialization failure', { connection: 'main' });
        return calls;
      },
      { retry: { attempts: 3, backoffMs: 1 } },
    );
    expect(result).toBe(3);
    expect(await labels()).toEqual(['attempt 3']);

    calls = 0;
    await expect(
      main.transaction(
        async () => {
          calls++;
          throw new DeadlockError('always', { connection: 'main' });
        },
        { retry: { attempts: 2, backoffMs: 1 } },
      ),
    ).rejects.toBeInstanceOf(DeadlockError);
    expect(calls).toBe(2);
    calls = 0;
    await expect(main.transaction(async () => { calls++; throw new Error('not transient'); }, { retry: { attempts: 5 } })).rejects.toThrow('not transient');
    expect(calls).toBe(1);
  });

  it('survives a real deadlock between two transactions by retrying the victim', async () => {
    if (!main.backend.capabilities.concurrentSessions) return; // one SQLite connection cannot deadlock with itself
    const [a, b] = await Promise.all([Entry.create({ label: 'a' }), Entry.create({ label: 'b' })]);
    let arrived = 0;
    let bothHoldOneLock!: () => void;
    const barrier = new Promise<void>((resolve) => (bothHoldOneLock = resolve));
    let attempts = 0;
    const transfer = (first: number, second: number) =>
      main.transaction(
        async () => {
          attempts++;
          await Entry.where({ id: first }).updateAll({ value: 1 });
          if (++arrived === 2) bothHoldOneLock();
          await barrier;
          await Entry.where({ id: second }).updateAll({ value: 1 });
        },
        { retry: { attempts: 3, backoffMs: 20 }, isolation: 'READ COMMITTED' },
      );
    await Promise.all([transfer(a.id, b.id), transfer(b.id, a.id)]);
    expect(attempts).toBe(3);
    expect(await Entry.where({ value: 1 }).count()).toBe(2);
  });

  it('commits despite errors listed in noRollbackOn, and rolls back only for rollbackOn', async () => {
    class BusinessWarning extends Error {}
    await expect(
      main.transaction(async () => {
        await Entry.create({ label: 'kept despite the warning' });
        throw new BusinessWarning('heads up');
      }, { noRollbackOn: [BusinessWarning] }),
    ).rejects.toBeInstanceOf(BusinessWarning);
    await expect(
      main.transaction(async () => {
        await Entry.create({ label: 'kept: not a rollbackOn error' });
        throw new Error('plain');
      }, { rollbackOn: [BusinessWarning] }),
    ).rejects.toThrow('plain');
    await expect(
      main.transaction(async () => {
        await Entry.create({ label: 'rolled back' });
        throw new BusinessWarning('roll back for this one');
      }, { rollbackOn: [BusinessWarning] }),
    ).rejects.toBeInstanceOf(BusinessWarning);
    expect(await labels()).toEqual(['kept despite the warning', 'kept: not a rollbackOn error']);
  });
});
