import { Connection, TransactionError, transactional, type Propagation } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { BILLING, Charge, Entry, labels, TX_MODELS } from './models';

describeBackends('transaction propagation', { models: TX_MODELS, extraConnections: BILLING }, (context) => {
  let main: Connection;
  const concurrent = () => main.backend.capabilities.concurrentSessions;
  const inTx = <T>(propagation: Propagation, work: () => Promise<T>) => main.transaction(work, { propagation });

  beforeAll(() => {
    main = context.registry.get('main');
  });
  beforeEach(async () => {
    await Entry.deleteAll();
    await Charge.deleteAll();
  });

  it('REQUIRED joins the open transaction: one commit, one rollback for all', async () => {
    await inTx('REQUIRED', async () => {
      await Entry.create({ label: 'outer' });
      await inTx('REQUIRED', async () => {
        expect(await Entry.count()).toBe(1);
        await Entry.create({ label: 'inner' });
      });
    });
    expect(await labels()).toEqual(['inner', 'outer']);
    await expect(
      inTx('REQUIRED', async () => {
        await Entry.create({ label: 'doomed' });
        await inTx('REQUIRED', async () => Entry.create({ label: 'doomed too' }));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await labels()).toEqual(['inner', 'outer']);
  });

  it('REQUIRED: a failed inner call marks the transaction rollback-only even if the caller catches it', async () => {
    const error = await inTx('REQUIRED', async () => {
      await Entry.create({ label: 'outer' });
      await inTx('REQUIRED', async () => {
        await Entry.create({ label: 'half' });
        throw new Error('inner fails');
      }).catch(() => 'swallowed');
      await Entry.create({ label: 'after' });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).message).toMatch(/rolled back because a call that joined it failed \(Error: inner fails\)/);
    expect(await labels()).toEqual([]);
  });

  it('NESTED rolls back to its savepoint and keeps the outer transaction', async () => {
    await inTx('REQUIRED', async () => {
      await Entry.create({ label: 'kept' });
      await inTx('NESTED', async () => {
        await Entry.create({ label: 'undone' });
        throw new Error('nested fails');
      }).catch(() => undefined);
      expect(await labels()).toEqual(['kept']);
      await inTx('NESTED', () => Entry.create({ label: 'nested ok' }));
    });
    expect(await labels()).toEqual(['kept', 'nested ok']);
  });

  it('NESTED without an open transaction begins one', async () => {
    await expect(inTx('NESTED', async () => {
      await Entry.create({ label: 'x' });
      throw new Error('no');
    })).rejects.toThrow('no');
    expect(await Entry.count()).toBe(0);
  });

  it('NESTED siblings started together take turns: a failing sibling never undoes a successful one', async () => {
    // Issue #10, reproduction 1: A writes a1, waits, writes a2; B writes b1 and throws. Interleaved
    // savepoints used to let B's rollback take a1 with it while A was reported fulfilled.
    const results = await inTx('REQUIRED', () =>
      Promise.allSettled([
        inTx('NESTED', async () => {
          await Entry.create({ label: 'a1' });
          await new Promise((resolve) => setTimeout(resolve, 30));
          await Entry.create({ label: 'a2' });
        }),
        inTx('NESTED', async () => {
          await Entry.create({ label: 'b1' });
          throw new Error('b fails');
        }),
      ]),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(await labels()).toEqual(['a1', 'a2']);
  });

  it('an explicit savepoint waits for a sibling NESTED level to finish', async () => {
    await main.transaction(async (transaction) => {
      const order: string[] = [];
      await Promise.all([
        inTx('NESTED', async () => {
          await Entry.create({ label: 'nested' });
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push('nested done');
        }),
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          const name = await transaction.savepoint();
          order.push('savepoint');
          await Entry.create({ label: 'after savepoint' });
          await transaction.rollbackTo(name);
        })(),
      ]);
      expect(order).toEqual(['nested done', 'savepoint']);
    });
    expect(await labels()).toEqual(['nested']);
  });

  it('REQUIRES_NEW commits on its own session even when the outer transaction rolls back', async () => {
    if (!concurrent()) {
      const error = await inTx('REQUIRED', () => inTx('REQUIRES_NEW', async () => 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/REQUIRES_NEW .* needs another session of connection 'main', but its backend has a single connection.*wait for itself forever/);
      return;
    }
    await expect(
      inTx('REQUIRED', async () => {
        await Entry.create({ label: 'outer' });
        await inTx('REQUIRES_NEW', async () => {
          expect(await Entry.where({ label: 'outer' }).count()).toBe(0); // the outer is suspended, not joined
          await Entry.create({ label: 'audit log' });
        });
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await labels()).toEqual(['audit log']);
  });

  it('SUPPORTS joins when there is a transaction and runs without one otherwise', async () => {
    await expect(
      inTx('REQUIRED', async () => {
        await inTx('SUPPORTS', () => Entry.create({ label: 'joined' }));
        throw new Error('roll back');
      }),
    ).rejects.toThrow();
    await expect(
      inTx('SUPPORTS', async (transaction?: unknown) => {
        await Entry.create({ label: 'autocommitted' });
        expect((transaction as { savepoint: () => Promise<string> }).savepoint()).rejects.toThrow(TransactionError);
        throw new Error('no transaction to roll back');
      }),
    ).rejects.toThrow();
    expect(await labels()).toEqual(['autocommitted']);
  });

  it('MANDATORY needs a transaction; NEVER refuses one', async () => {
    await expect(inTx('MANDATORY', async () => 1)).rejects.toThrow(/MANDATORY propagation needs an open transaction on connection 'main'/);
    await expect(inTx('REQUIRED', () => inTx('MANDATORY', async () => Entry.create({ label: 'm' })))).resolves.toBeDefined();
    await expect(inTx('REQUIRED', () => inTx('NEVER', async () => 1))).rejects.toThrow(/NEVER propagation refuses/);
    await expect(inTx('NEVER', () => Entry.create({ label: 'n' }))).resolves.toBeDefined();
    expect(await labels()).toEqual(['m', 'n']);
  });

  it('NOT_SUPPORTED suspends the open transaction and runs outside it', async () => {
    if (!concurrent()) {
      await expect(inTx('REQUIRED', () => inTx('NOT_SUPPORTED', async () => 1))).rejects.toThrow(/NOT_SUPPORTED needs another session of connection 'main'/);
      return;
    }
    await expect(
      inTx('REQUIRED', async () => {
        await Entry.create({ label: 'inside' });
        await inTx('NOT_SUPPORTED', () => Entry.create({ label: 'outside' }));
        throw new Error('roll back inside');
      }),
    ).rejects.toThrow();
    expect(await labels()).toEqual(['outside']);
  });

  it('keys the ambient transaction by connection: a billing model never rides on main\'s transaction', async () => {
    await expect(
      inTx('REQUIRED', async () => {
        await Entry.create({ label: 'main, rolled back' });
        await Charge.create({ label: 'billing, own connection' });
        throw new Error('main fails');
      }),
    ).rejects.toThrow();
    expect(await labels()).toEqual([]);
    expect(await Charge.pluck('label')).toEqual(['billing, own connection']);

    const billing = context.registry.get('billing');
    await expect(
      inTx('REQUIRED', () =>
        billing.transaction(async () => {
          await Charge.create({ label: 'billing, rolled back' });
          await Entry.create({ label: 'main, rolled back too' });
          throw new Error('both fail');
        }),
      ),
    ).rejects.toThrow();
    expect(await Charge.count()).toBe(1);
    expect(await labels()).toEqual([]);
  });

  it('transactional() and the connection name work without a decorator', async () => {
    await transactional({ connection: 'main' }, () => Entry.create({ label: 'functional' }));
    await expect(transactional(async () => {
      await Entry.create({ label: 'default connection' });
      throw new Error('undo');
    })).rejects.toThrow('undo');
    expect(await labels()).toEqual(['functional']);
    await expect(transactional({ connection: 'nope' }, async () => 1)).rejects.toThrow(/Connection 'nope' is not defined in any open application/);
    await expect(main.transaction(async () => 1, { propagation: 'SOMETIMES' as never })).rejects.toThrow(/unknown propagation 'SOMETIMES'/);
  });
});
