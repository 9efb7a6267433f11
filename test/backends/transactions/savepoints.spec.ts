import { Connection, TransactionError, releaseSavepoint, rollbackTo, savepoint } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { BILLING, Entry, labels, TX_MODELS } from './models';

describeBackends('savepoints', { models: TX_MODELS, extraConnections: BILLING }, (context) => {
  let main: Connection;
  beforeAll(() => {
    main = context.registry.get('main');
  });
  beforeEach(async () => {
    await Entry.deleteAll();
  });

  it('rolls back three levels deep, partially, and commits the rest', async () => {
    await main.transaction(async () => {
      await Entry.create({ label: 'level 0' });
      const one = await savepoint();
      await Entry.create({ label: 'level 1' });
      const two = await savepoint();
      await Entry.create({ label: 'level 2' });
      const three = await savepoint('third');
      await Entry.create({ label: 'level 3' });
      expect(new Set([one, two, three]).size).toBe(3);

      await rollbackTo(two);
      expect(await labels()).toEqual(['level 0', 'level 1']);
      // rollbackTo keeps the savepoint itself: it can be rolled back to again...
      await Entry.create({ label: 'level 2 again' });
      await rollbackTo(two);
      expect(await labels()).toEqual(['level 0', 'level 1']);
      // ...and drops the newer ones.
      await expect(rollbackTo('third')).rejects.toThrow(/unknown savepoint 'third'/);
      await Entry.create({ label: 'kept after two' });
      await releaseSavepoint(one);
      await expect(rollbackTo(two)).rejects.toThrow(TransactionError);
    });
    expect(await labels()).toEqual(['kept after two', 'level 0', 'level 1']);
  });

  it('commits cleanly with savepoints still open', async () => {
    await main.transaction(async (transaction) => {
      await transaction.savepoint();
      await Entry.create({ label: 'a' });
      await transaction.savepoint('named');
      await Entry.create({ label: 'b' });
    });
    expect(await labels()).toEqual(['a', 'b']);
  });

  it('generated names never collide, across transactions and concurrent ones', async () => {
    const names = await Promise.all(
      [1, 2, 3].map(() => main.transaction(async (transaction) => [await transaction.savepoint(), await transaction.savepoint()])),
    );
    expect(new Set(names.flat()).size).toBe(6);
  });

  it('refuses outside a transaction, for unknown names and for duplicates', async () => {
    await expect(savepoint()).rejects.toThrow(/savepoint\(\) needs a transaction, and none is open here/);
    await expect(rollbackTo('x')).rejects.toBeInstanceOf(TransactionError);
    await expect(releaseSavepoint('x')).rejects.toBeInstanceOf(TransactionError);
    await main.transaction(async (transaction) => {
      await expect(transaction.rollbackTo('never made')).rejects.toThrow(/unknown savepoint 'never made' on connection 'main' \(no savepoint is open\)/);
      await transaction.savepoint('once');
      await expect(transaction.savepoint('once')).rejects.toThrow(/already exists/);
    });
    const billing = context.registry.get('billing');
    await main.transaction(() =>
      billing.transaction(async () => {
        await expect(savepoint()).rejects.toThrow(/ambiguous: separate transactions are open \(on connection 'main'; on connection 'billing'\); pass the connection/);
        await expect(savepoint(undefined, 'billing')).resolves.toMatch(/^ar_sp_/);
      }),
    );
  });

  it('NESTED savepoints three deep, each failing level undoing only itself', async () => {
    const nested = <T>(work: () => Promise<T>) => main.transaction(work, { propagation: 'NESTED' });
    await main.transaction(async () => {
      await Entry.create({ label: 'root' });
      await nested(async () => {
        await Entry.create({ label: 'depth 1' });
        await nested(async () => {
          await Entry.create({ label: 'depth 2' });
          await nested(async () => {
            await Entry.create({ label: 'depth 3' });
            throw new Error('depth 3 fails');
          }).catch(() => undefined);
          expect(await Entry.where({ label: 'depth 3' }).count()).toBe(0);
        });
        await nested(async () => {
          await Entry.create({ label: 'depth 2b' });
          throw new Error('depth 2b fails');
        }).catch(() => undefined);
      });
    });
    expect(await labels()).toEqual(['depth 1', 'depth 2', 'root']);
  });
});
