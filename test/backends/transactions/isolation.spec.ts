import { Connection, TransactionError, type IsolationLevel } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { BILLING, Entry, TX_MODELS } from './models';

/** Resolves when `signal()` is called: lets two transactions take turns in a fixed order. */
function latch(): { wait: Promise<void>; signal: () => void } {
  let signal!: () => void;
  const wait = new Promise<void>((resolve) => (signal = resolve));
  return { wait, signal };
}

describeBackends('isolation levels and read-only transactions', { models: TX_MODELS, extraConnections: BILLING }, (context) => {
  let main: Connection;
  let id: number;
  beforeAll(() => {
    main = context.registry.get('main');
  });
  beforeEach(async () => {
    await Entry.deleteAll();
    id = (await Entry.create({ label: 'x', value: 1 })).id;
  });

  const provides = (level: IsolationLevel) => main.dialect.isolationLevels.includes(level);

  /** Read the row twice in a transaction at `level`, with a concurrent committed update in between. */
  async function readTwice(level: IsolationLevel): Promise<[number, number]> {
    const firstRead = latch();
    const updated = latch();
    const reader = main.transaction(
      async () => {
        const first = (await Entry.find(id)).value;
        firstRead.signal();
        await updated.wait;
        const second = (await Entry.find(id)).value;
        return [first, second] as [number, number];
      },
      { isolation: level },
    );
    await firstRead.wait;
    await Entry.where({ id }).updateAll({ value: 2 });
    updated.signal();
    return reader;
  }

  it('READ COMMITTED sees a concurrent commit between two reads', async () => {
    if (!main.backend.capabilities.concurrentSessions || !provides('READ COMMITTED')) return;
    expect(await readTwice('READ COMMITTED')).toEqual([1, 2]);
  });

  it('REPEATABLE READ does not', async () => {
    if (!main.backend.capabilities.concurrentSessions || !provides('REPEATABLE READ')) return;
    expect(await readTwice('REPEATABLE READ')).toEqual([1, 1]);
  });

  it('READ UNCOMMITTED, where provided, sees another transaction\'s uncommitted write', async () => {
    if (!main.backend.capabilities.concurrentSessions || !provides('READ UNCOMMITTED')) return;
    const written = latch();
    const read = latch();
    const writer = main.transaction(async () => {
      await Entry.where({ id }).updateAll({ value: 5 });
      written.signal();
      await read.wait;
      throw new Error('roll back the dirty write');
    }).catch(() => undefined);
    await written.wait;
    const dirty = await main.transaction(async () => (await Entry.find(id)).value, { isolation: 'READ UNCOMMITTED' });
    read.signal();
    await writer;
    expect(dirty).toBe(5);
    expect((await Entry.find(id)).value).toBe(1);
  });

  it('runs a transaction at every level the dialect lists, and refuses the others by name', async () => {
    for (const level of ['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'] as IsolationLevel[]) {
      const run = main.transaction(async () => Entry.count(), { isolation: level });
      if (provides(level)) await expect(run).resolves.toBe(1);
      else await expect(run).rejects.toThrow(new RegExp(`isolation ${level} is not provided by ${main.dialect.name}`));
    }
  });

  it('read-only transactions read, refuse writes, and leave the connection writable afterwards', async () => {
    const count = await main.transaction(() => Entry.count(), { readOnly: true });
    expect(count).toBe(1);
    await expect(main.transaction(() => Entry.create({ label: 'nope' }), { readOnly: true })).rejects.toThrow();
    expect(await Entry.count()).toBe(1);
    await Entry.create({ label: 'writable again' });
    expect(await Entry.count()).toBe(2);
  });

  it('warns instead of silently dropping options given while joining', async () => {
    const warnings: string[] = [];
    const logger = main.logger;
    const original = logger.warn;
    logger.warn = (message: string) => warnings.push(message);
    try {
      await main.transaction(() => main.transaction(async () => 1, { isolation: 'SERIALIZABLE', timeoutMs: 5 }));
    } finally {
      logger.warn = original;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/joined the open transaction on connection 'main' and cannot apply isolation 'SERIALIZABLE', timeoutMs/);
    await expect(main.transaction(async () => 1, { timeoutMs: 0 })).rejects.toBeInstanceOf(TransactionError);
  });
});
