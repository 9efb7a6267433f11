import {
  ActiveRecord,
  Column,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  TransactionError,
  onCommit,
  onRollback,
  transactional,
  type CoordinatorEvent,
} from 'nestjs-activerecord';
import { postgres, quietLogger, releasePostgres, serversAvailable, sqliteFile } from './support';

@Model({ table: 'accounts', connection: 'east' })
class EastAccount extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() balance!: number;
}

@Model({ table: 'accounts', connection: 'west' })
class WestAccount extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() balance!: number;
}

@Model({ table: 'ledger', connection: 'local' })
class LocalEntry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) note!: string;
}

const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

describeIf('two-phase commit (PostgreSQL + PostgreSQL + SQLite last resource)', () => {
  let registry: ConnectionRegistry;
  const events: CoordinatorEvent[] = [];

  beforeAll(async () => {
    registry = await ConnectionRegistry.open({
      connections: {
        east: { ...(await postgres('tpc_east')), synchronize: true },
        west: { ...(await postgres('tpc_west')), synchronize: true },
        local: { ...sqliteFile('local'), synchronize: true },
      },
      models: [EastAccount, WestAccount, LocalEntry],
      coordinator: { log: { connection: 'local' }, nodeId: 'tpc-test' },
      logger: quietLogger,
    });
    registry.coordinator.onEvent((event) => void events.push(event));
  });
  afterAll(async () => {
    await registry.close();
    await releasePostgres('tpc_east');
    await releasePostgres('tpc_west');
  });
  beforeEach(async () => {
    await EastAccount.deleteAll();
    await WestAccount.deleteAll();
    await LocalEntry.deleteAll();
    await EastAccount.create({ id: 1, balance: 100 });
    await WestAccount.create({ id: 1, balance: 100 });
    events.length = 0;
  });

  const transfer = (amount: number, failAfter = false) =>
    transactional({ connections: ['east', 'west', 'local'] }, async () => {
      await EastAccount.where({ id: 1 }).updateAll({ balance: 100 - amount });
      await WestAccount.where({ id: 1 }).updateAll({ balance: 100 + amount });
      await LocalEntry.create({ note: `moved ${amount}` });
      if (failAfter) throw new Error('business rule failed');
      return amount;
    });

  const balances = async () => [(await EastAccount.find(1)).balance, (await WestAccount.find(1)).balance, await LocalEntry.count()];

  it('commits every branch, with the last resource deciding', async () => {
    expect(await transfer(30)).toBe(30);
    expect(await balances()).toEqual([70, 130, 1]);
    expect(events.map((e) => e.type)).toEqual(['begin', 'preparing', 'preparing', 'prepared', 'prepared', 'decided', 'branch-committed', 'branch-committed', 'done']);
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('rolls back every branch when the work fails, and leaves nothing prepared', async () => {
    await expect(transfer(30, true)).rejects.toThrow('business rule failed');
    expect(await balances()).toEqual([100, 100, 0]);
    expect(events.map((e) => e.type)).toEqual(['begin', 'branch-rolled-back', 'branch-rolled-back', 'branch-rolled-back', 'done']);
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('rolls back the prepared branches when a participant fails to prepare', async () => {
    const error = await transactional({ connections: ['east', 'west', 'local'] }, async () => {
      await EastAccount.where({ id: 1 }).updateAll({ balance: 1 });
      // PostgreSQL refuses to prepare a transaction that touched a temporary table.
      await registry.get('west').execute('CREATE TEMP TABLE scratch (x int)');
      await WestAccount.where({ id: 1 }).updateAll({ balance: 2 });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).message).toMatch(/connection 'west' failed to prepare/);
    expect(await balances()).toEqual([100, 100, 0]);
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('rolls back the prepared branches when the last resource fails to commit', async () => {
    const local = registry.get('local');
    await local.execute('CREATE TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY)');
    await local.execute('CREATE TABLE IF NOT EXISTS child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))');
    const error = await transactional({ connections: ['east', 'west', 'local'] }, async () => {
      await EastAccount.where({ id: 1 }).updateAll({ balance: 1 });
      await WestAccount.where({ id: 1 }).updateAll({ balance: 2 });
      // A deferred foreign-key violation makes SQLite's COMMIT itself fail.
      await local.execute('PRAGMA defer_foreign_keys = ON');
      await local.execute('INSERT INTO child (parent_id) VALUES (42)');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as Error).message).toMatch(/last resource, connection 'local', failed to commit/);
    expect(await balances()).toEqual([100, 100, 0]);
    expect(await registry.get('local').query('SELECT COUNT(*) AS n FROM child')).toEqual([{ n: 0 }]);
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('runs hooks registered on any branch after the global outcome', async () => {
    const seen: string[] = [];
    await transactional({ connections: ['east', 'west'] }, async () => {
      await EastAccount.where({ id: 1 }).updateAll({ balance: 5 });
      onCommit(() => seen.push('committed everywhere'));
    });
    await transactional({ connections: ['east', 'west'] }, async () => {
      onRollback(() => seen.push('rolled back everywhere'));
      throw new Error('no');
    }).catch(() => undefined);
    expect(seen).toEqual(['committed everywhere', 'rolled back everywhere']);
  });

  it('flips decision records to committed in batches, and writes the last batch on close', async () => {
    const move = (amount: number) =>
      transactional({ connections: ['east', 'west'] }, async () => {
        await EastAccount.where({ id: 1 }).updateAll({ balance: 100 - amount });
        await WestAccount.where({ id: 1 }).updateAll({ balance: 100 + amount });
      });
    await move(1);
    await Promise.all([move(2), move(3), move(4)]);
    const gids = events.filter((e) => e.type === 'done').map((e) => e.gid);
    expect(gids).toHaveLength(4);
    await registry.coordinator.close();
    const states = await registry.get('local').query<{ gid: string; state: string }>(
      `SELECT gid, state FROM ar_tx_decisions WHERE gid IN (${gids.map(() => '?').join(', ')})`,
      gids,
    );
    expect(states.map((row) => row.state)).toEqual(['committed', 'committed', 'committed', 'committed']);
    expect(await registry.coordinator.inDoubt()).toEqual({ branches: [], sagas: [], unreachable: [] });
  });

  it('refuses two participants that cannot prepare, pointing to saga mode', async () => {
    const other = await ConnectionRegistry.open({
      connections: { a: sqliteFile('a'), b: sqliteFile('b') },
      logger: quietLogger,
    });
    try {
      await expect(transactional({ connections: ['a', 'b'] }, async () => 1)).rejects.toThrow(/at most one such connection can join a two-phase commit.*mode: 'saga'/);
    } finally {
      await other.close();
    }
  });
});
