import {
  ActiveRecord,
  AfterCommit,
  AfterRollback,
  BeforeSave,
  Column,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  TransactionError,
  Version,
  defineSagaStep,
  transactional,
} from 'nestjs-activerecord';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

const journal: string[] = [];

/** The same lifecycle on three databases. */
function tracked(name: string) {
  abstract class Tracked extends ActiveRecord {
    @PrimaryKey() id!: number;
    @Column({ length: 40 }) label!: string;
    @Version() lockVersion!: number;
    @BeforeSave() beforeSave() {
      journal.push(`${name}:beforeSave`);
    }
    @AfterCommit() afterCommit() {
      journal.push(`${name}:afterCommit:${this.label}`);
    }
    @AfterRollback() afterRollback() {
      journal.push(`${name}:afterRollback:${this.label}`);
    }
  }
  return Tracked;
}

@Model({ table: 'life_hooks', connection: 'pg' })
class PgItem extends tracked('pg') {}

@Model({ table: 'life_hooks', connection: 'maria' })
class MariaItem extends tracked('maria') {}

@Model({ table: 'life_hooks', connection: 'lite' })
class LiteItem extends tracked('lite') {}

/** Saga steps: one write each, on PostgreSQL and on SQLite; the second fails on demand. */
const pgStep = defineSagaStep({
  name: 'life-hooks-pg',
  connection: 'pg',
  run: async (label: string) => (await PgItem.create({ label })).id,
  compensate: async (id: number) => {
    journal.push('compensated pg');
    await PgItem.where({ id }).deleteAll();
  },
});
const liteStep = defineSagaStep({
  name: 'life-hooks-lite',
  connection: 'lite',
  run: async (label: string) => {
    await LiteItem.create({ label });
    if (label.startsWith('fail')) throw new Error(`step refused ${label}`);
    return label;
  },
  compensate: async () => undefined,
});

const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

describeIf('AfterCommit / AfterRollback in cross-database units', () => {
  let registry: ConnectionRegistry;

  beforeAll(async () => {
    registry = await ConnectionRegistry.open({
      connections: {
        pg: { ...(await postgres('life_hooks_pg')), synchronize: true },
        maria: { ...(await mariadb('life_hooks_maria')), synchronize: true },
        lite: { ...sqliteFile('life_hooks'), synchronize: true },
      },
      models: [PgItem, MariaItem, LiteItem],
      coordinator: { log: { connection: 'lite' }, nodeId: 'life-hooks' },
      logger: quietLogger,
    });
    registry.coordinator.onEvent((event) => {
      if (event.type === 'decided' || event.type === 'done') journal.push(`unit:${event.type}`);
    });
  });
  afterAll(async () => {
    await registry.close();
    await releasePostgres('life_hooks_pg');
    await releaseMariadb('life_hooks_maria');
  });
  beforeEach(async () => {
    await PgItem.deleteAll();
    await MariaItem.deleteAll();
    await LiteItem.deleteAll();
    journal.length = 0;
  });

  it('PostgreSQL + MariaDB (two-phase commit): commit callbacks run once the unit has committed', async () => {
    await transactional({ connections: ['pg', 'maria'] }, async () => {
      await PgItem.create({ label: 'a' });
      await MariaItem.create({ label: 'b' });
      journal.push('body done');
    });
    const commits = journal.filter((entry) => entry.includes('afterCommit'));
    expect(commits.sort()).toEqual(['maria:afterCommit:b', 'pg:afterCommit:a']);
    // No commit callback ran before the body ended and the unit decided.
    const firstCommit = Math.min(...commits.map((entry) => journal.indexOf(entry)));
    expect(journal.indexOf('body done')).toBeLessThan(firstCommit);
    expect(journal.indexOf('unit:decided')).toBeLessThan(firstCommit);
    expect(journal.some((entry) => entry.includes('afterRollback'))).toBe(false);
  });

  it('PostgreSQL + MariaDB: a failed unit runs every record\'s rollback callbacks and makes them new again', async () => {
    const pg = new PgItem();
    pg.assign({ label: 'a' });
    const maria = new MariaItem();
    maria.assign({ label: 'b' });
    await expect(
      transactional({ connections: ['pg', 'maria'] }, async () => {
        await pg.save();
        await maria.save();
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(journal.filter((entry) => entry.includes('afterRollback')).sort()).toEqual(['maria:afterRollback:b', 'pg:afterRollback:a']);
    expect(journal.some((entry) => entry.includes('afterCommit'))).toBe(false);
    expect([pg.isNewRecord, maria.isNewRecord]).toEqual([true, true]);
    expect([await PgItem.count(), await MariaItem.count()]).toEqual([0, 0]);
    // Saved again outside the unit, each commits on its own.
    await pg.save();
    await maria.save();
    expect(journal.filter((entry) => entry.includes('afterCommit')).sort()).toEqual(['maria:afterCommit:b', 'pg:afterCommit:a']);
  });

  it('PostgreSQL + MariaDB: a participant that cannot prepare rolls back, and the callbacks say so', async () => {
    const error = await transactional({ connections: ['pg', 'maria'] }, async () => {
      await MariaItem.create({ label: 'b' });
      await PgItem.create({ label: 'a' });
      // PostgreSQL refuses to prepare a transaction that touched a temporary table.
      await registry.get('pg').execute('CREATE TEMP TABLE life_scratch (x int)');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect(journal.filter((entry) => entry.includes('afterRollback')).sort()).toEqual(['maria:afterRollback:b', 'pg:afterRollback:a']);
    expect([await PgItem.count(), await MariaItem.count()]).toEqual([0, 0]);
  });

  it('SQLite (last resource) + PostgreSQL: commit callbacks after the unit, rollback callbacks on failure', async () => {
    await transactional({ connections: ['lite', 'pg'] }, async () => {
      await LiteItem.create({ label: 'l' });
      await PgItem.create({ label: 'p' });
      journal.push('body done');
    });
    const commits = journal.filter((entry) => entry.includes('afterCommit'));
    expect(commits.sort()).toEqual(['lite:afterCommit:l', 'pg:afterCommit:p']);
    expect(journal.indexOf('unit:decided')).toBeLessThan(Math.min(...commits.map((entry) => journal.indexOf(entry))));

    journal.length = 0;
    await expect(
      transactional({ connections: ['lite', 'pg'] }, async () => {
        await LiteItem.create({ label: 'l2' });
        await PgItem.create({ label: 'p2' });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(journal.filter((entry) => entry.includes('afterRollback')).sort()).toEqual(['lite:afterRollback:l2', 'pg:afterRollback:p2']);
    expect([await LiteItem.count(), await PgItem.count()]).toEqual([1, 1]);
  });

  it('saga: a record commits with its step, so its commit callback runs at the step\'s commit even if a later step fails', async () => {
    await transactional({ connections: ['pg', 'lite'], mode: 'saga' }, async () => {
      await pgStep.execute('s1');
      journal.push('step 1 returned');
      await liteStep.execute('s2');
      journal.push('body done');
    });
    const at = (entry: string) => journal.indexOf(entry);
    expect(journal.filter((entry) => /after(Commit|Rollback)/.test(entry))).toEqual(['pg:afterCommit:s1', 'lite:afterCommit:s2']);
    expect(at('pg:afterCommit:s1')).toBeLessThan(at('step 1 returned'));

    journal.length = 0;
    await expect(
      transactional({ connections: ['pg', 'lite'], mode: 'saga' }, async () => {
        await pgStep.execute('s3');
        await liteStep.execute('fail-s4');
      }),
    ).rejects.toThrow('step refused fail-s4');
    // s3's step committed (then compensation deleted it, in a transaction of its own); fail-s4's step rolled back.
    expect(journal.filter((entry) => /after(Commit|Rollback)|compensated/.test(entry))).toEqual([
      'pg:afterCommit:s3',
      'lite:afterRollback:fail-s4',
      'compensated pg',
    ]);
    expect(await PgItem.where({ label: 's3' }).count()).toBe(0);
    expect(await LiteItem.where({ label: 'fail-s4' }).count()).toBe(0);
  });

  it('outside any transaction, commit callbacks run right after the write', async () => {
    await PgItem.create({ label: 'solo' });
    expect(journal).toEqual(['pg:beforeSave', 'pg:afterCommit:solo']);
  });
});
