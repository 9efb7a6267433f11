import { EventEmitter, once } from 'node:events';
import { Readable } from 'node:stream';
import { Connection, currentTransaction, TransactionError } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { BILLING, Entry, labels, TX_MODELS } from './models';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeBackends('ambient transaction context', { models: TX_MODELS, extraConnections: BILLING, connection: { pool: { max: 3, acquireTimeoutMs: 20000 } } }, (context) => {
  let main: Connection;
  beforeAll(() => {
    main = context.registry.get('main');
  });
  beforeEach(async () => {
    await Entry.deleteAll();
  });

  it('flows through Promise.all, timers, setImmediate, event listeners and streams', async () => {
    await expect(
      main.transaction(async () => {
        await Promise.all([Entry.create({ label: 'all 1' }), Entry.create({ label: 'all 2' })]);
        await new Promise<void>((resolve, reject) => setTimeout(() => Entry.create({ label: 'timer' }).then(() => resolve(), reject), 5));
        await new Promise<void>((resolve, reject) => setImmediate(() => Entry.create({ label: 'immediate' }).then(() => resolve(), reject)));
        const emitter = new EventEmitter();
        const handled = once(emitter, 'done');
        emitter.on('order', (label: string) => void Entry.create({ label }).then(() => emitter.emit('done')));
        emitter.emit('order', 'event');
        await handled;
        for await (const label of Readable.from(['stream 1', 'stream 2'])) await Entry.create({ label: label as string });
        expect(await Entry.count()).toBe(7);
        throw new Error('roll back all of it');
      }),
    ).rejects.toThrow('roll back all of it');
    expect(await Entry.count()).toBe(0);
  });

  it('never shares a transaction between concurrent requests', async () => {
    const requests = Array.from({ length: 8 }, (_, i) =>
      main.transaction(async () => {
        await Entry.create({ label: `request ${i}` });
        await sleep(5);
        const mine = await Entry.where({ label: `request ${i}` }).count();
        if (i % 2) throw new Error(`request ${i} fails`);
        return mine;
      }),
    );
    const results = await Promise.allSettled(requests);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual([1, 1, 1, 1]);
    expect(await labels()).toEqual(['request 0', 'request 2', 'request 4', 'request 6']);
  });

  it('runs many more transactions than the pool has sessions, without leaking one', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => main.transaction(() => Entry.create({ label: `t${i}` }))));
    await Promise.all(Array.from({ length: 20 }, (_, i) => main.transaction(async () => { await Entry.create({ label: `f${i}` }); throw new Error('x'); }).catch(() => undefined)));
    expect(await Entry.count()).toBe(40);
    const probe = await Promise.all(Array.from({ length: 10 }, () => main.transaction(() => Entry.count())));
    expect(probe.every((n) => n === 40)).toBe(true);
  });

  it('does not leak into work that runs after the transaction committed', async () => {
    let late: Promise<unknown> | undefined;
    await main.transaction(async () => {
      setTimeout(() => {
        late = (async () => {
          expect(currentTransaction()).toBeUndefined();
          return Entry.create({ label: 'after commit, on its own' });
        })();
      }, 30);
    });
    await sleep(60);
    await late;
    expect(await labels()).toEqual(['after commit, on its own']);
  });

  it('refuses statements from a Promise.all sibling still running after its transaction rolled back', async () => {
    let sibling: Promise<unknown> | undefined;
    await expect(
      main.transaction(async () => {
        sibling = (async () => {
          await sleep(40);
          return Entry.create({ label: 'sibling' }).catch((e: unknown) => e);
        })();
        await Promise.all([sibling, (async () => { await Entry.create({ label: 'failing' }); throw new Error('one branch fails'); })()]);
      }),
    ).rejects.toThrow('one branch fails');
    expect(await sibling).toBeInstanceOf(TransactionError);
    expect(await labels()).toEqual([]);
  });
});
