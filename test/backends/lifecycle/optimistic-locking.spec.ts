import { StaleRecordError, transactional } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { LIFECYCLE_MODELS, Post, Wallet } from './models';

/** Resolves once `count` callers have arrived: makes concurrent transactions all read before any writes. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived === count) release();
    return all;
  };
}

describeBackends('optimistic locking', { models: LIFECYCLE_MODELS }, (context) => {
  const concurrentSessions = () => !context.target.name.startsWith('sqlite');

  beforeEach(async () => {
    await Wallet.deleteAll();
    await Post.unscoped().reallyDeleteAll();
  });

  it('starts at 0 and every changing update bumps it', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 10 });
    expect(wallet.lockVersion).toBe(0);
    wallet.balance = 20;
    await wallet.save();
    expect(wallet.lockVersion).toBe(1);
    await wallet.save();
    expect(wallet.lockVersion).toBe(1);
    expect((await Wallet.find(wallet.id)).lockVersion).toBe(1);
  });

  it('a lost race on update raises StaleRecordError naming the model and key, and keeps the winner', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 10 });
    const first = await Wallet.find(wallet.id);
    const second = await Wallet.find(wallet.id);
    first.balance = 11;
    await first.save();
    second.balance = 12;
    const error = await second.save().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaleRecordError);
    expect((error as StaleRecordError).model).toBe('Wallet');
    expect((error as StaleRecordError).key).toBe(wallet.id);
    expect((error as Error).message).toContain(`id "${wallet.id}"`);
    // The loser's in-memory version was not bumped: reload and retry works.
    expect(second.lockVersion).toBe(0);
    expect((await Wallet.find(wallet.id)).balance).toBe(11);
    await second.reload();
    second.balance = 12;
    await second.save();
    expect((await Wallet.find(wallet.id)).balance).toBe(12);
  });

  it('a stale destroy is refused; a form-submitted version is honoured', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 10 });
    const stale = await Wallet.find(wallet.id);
    wallet.balance = 1;
    await wallet.save();
    await expect(stale.destroy()).rejects.toBeInstanceOf(StaleRecordError);
    expect(await Wallet.exists({ id: wallet.id })).toBe(true);

    // A client that saw version 0 sends it back with its edit: the edit is refused.
    const fresh = await Wallet.find(wallet.id);
    fresh.assign({ balance: 99, lockVersion: 0 });
    await expect(fresh.save()).rejects.toBeInstanceOf(StaleRecordError);
    fresh.assign({ balance: 99, lockVersion: 1 });
    await fresh.save();
    expect(fresh.lockVersion).toBe(2);
  });

  it('of many concurrent saves of copies read at the same version, exactly one wins', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 0 });
    const copies = await Promise.all(Array.from({ length: 6 }, () => Wallet.find(wallet.id)));
    const results = await Promise.allSettled(
      copies.map((copy, i) => {
        copy.balance = i + 1;
        return copy.save();
      }),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StaleRecordError);
    expect((await Wallet.find(wallet.id)).lockVersion).toBe(1);
  });

  it('updateAll bumps the version, so records read before it are stale', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 0 });
    await Wallet.where({ id: wallet.id }).updateAll({ balance: 5 });
    expect((await Wallet.find(wallet.id)).lockVersion).toBe(1);
    wallet.balance = 6;
    await expect(wallet.save()).rejects.toBeInstanceOf(StaleRecordError);
  });

  it('soft delete checks and bumps the version too', async () => {
    const post = await Post.create({ title: 'p' });
    const stale = await Post.find(post.id);
    post.title = 'q';
    await post.save();
    await expect(stale.destroy()).rejects.toBeInstanceOf(StaleRecordError);
    await post.destroy();
    expect((await Post.withDeleted().find(post.id)).lockVersion).toBe(2);
  });

  it('a rollback hands the version back, so the record saves cleanly afterwards', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 0 });
    await expect(
      transactional(async () => {
        wallet.balance = 1;
        await wallet.save();
        expect(wallet.lockVersion).toBe(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(wallet.lockVersion).toBe(0);
    wallet.balance = 2;
    await wallet.save();
    expect((await Wallet.find(wallet.id)).lockVersion).toBe(1);
  });

  it('inside transactional retries: StaleRecordError is retried only when asked (retry.on)', async () => {
    const wallet = await Wallet.create({ owner: 'ada', balance: 0 });
    const workers = 4;
    const deposit = (arrive: () => Promise<void>, retry: { attempts: number; on?: [typeof StaleRecordError] }) => {
      let first = true;
      return transactional({ retry: { ...retry, backoffMs: 1 } }, async () => {
        const current = await Wallet.find(wallet.id);
        // Only the first attempt waits for the others: all read the same version, then race.
        if (first && concurrentSessions()) {
          first = false;
          await arrive();
        }
        current.balance += 10;
        await current.save();
      });
    };

    const arriveAll = barrier(workers);
    await Promise.all(Array.from({ length: workers }, () => deposit(arriveAll, { attempts: workers + 1, on: [StaleRecordError] })));
    const after = await Wallet.find(wallet.id);
    expect(after.balance).toBe(10 * workers);
    expect(after.lockVersion).toBe(workers);

    if (concurrentSessions()) {
      const arriveTwo = barrier(2);
      const results = await Promise.allSettled([deposit(arriveTwo, { attempts: 3 }), deposit(arriveTwo, { attempts: 3 })]);
      const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toBeInstanceOf(StaleRecordError);
      expect((await Wallet.find(wallet.id)).balance).toBe(10 * workers + 10);
    }
  });
});
