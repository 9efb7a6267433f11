import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ActiveRecord,
  ActiveRecordModule,
  ActiveRecordTestingModule,
  Column,
  ConnectionRegistry,
  currentTransaction,
  Model,
  onCommit,
  onRollback,
  PrimaryKey,
  Transactional,
  TransactionCoordinator,
  TransactionError,
  UniqueConstraintError,
  type MysqlConnectionOptions,
  type PostgresConnectionOptions,
} from 'nestjs-activerecord';
import { withAdmin as withPostgres, quoteIdent } from '../backends/postgres/target';
import { withAdmin as withMariadb } from '../backends/mysql/target';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from '../distributed/support';
import { quietLogger } from './fixtures';

jest.setTimeout(60_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

@Model({ table: 'tm_accounts', connection: 'pg' })
class Account extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ unique: true, length: 80 }) email!: string;
}

@Model({ table: 'tm_audit', connection: 'pg' })
class AuditEntry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) action!: string;
}

@Model({ table: 'tm_ledger', connection: 'maria' })
class LedgerLine extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ unique: true, length: 80 }) reference!: string;
  @Column('integer') cents!: number;
}

@Model({ table: 'tm_notes', connection: 'main' })
class Note extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ unique: true, length: 80 }) title!: string;
}

const events: string[] = [];

@Injectable()
class AuditService {
  /** Commits on its own in production, whatever the caller does afterwards. */
  @Transactional({ connection: 'pg', propagation: 'REQUIRES_NEW' })
  async record(action: string): Promise<AuditEntry> {
    return AuditEntry.create({ action });
  }

  /** Writes without a transaction (each statement commits at once in production). */
  @Transactional({ connection: 'pg', propagation: 'NOT_SUPPORTED' })
  async recordOutside(action: string): Promise<void> {
    await AuditEntry.create({ action });
  }
}

@Injectable()
class AccountService {
  constructor(private readonly audit: AuditService) {}

  @Transactional({ connection: 'pg' })
  async open(email: string): Promise<Account> {
    const account = await Account.create({ email });
    await this.audit.record(`open ${email}`);
    onCommit(() => void events.push(`committed ${email}`));
    onRollback(() => void events.push(`rolled back ${email}`));
    return account;
  }

  /** Fails after its first write: in production nothing of it stays. */
  @Transactional({ connection: 'pg' })
  async openTwice(email: string): Promise<void> {
    onRollback(() => void events.push(`rolled back twice ${email}`));
    await Account.create({ email });
    await this.audit.record(`twice ${email}`); // REQUIRES_NEW: stays in production, and here until the test ends
    await Account.create({ email });
  }

  @Transactional({ connection: 'pg' })
  async openWithOptionalNote(email: string, title: string): Promise<void> {
    await Account.create({ email });
    await this.note(title).catch(() => undefined);
  }

  @Transactional({ connection: 'pg', propagation: 'NESTED' })
  async note(title: string): Promise<void> {
    await AuditEntry.create({ action: `note ${title}` });
    throw new Error('the note is refused');
  }

  /** Both databases, one unit (two-phase commit in production). */
  @Transactional({ connections: ['pg', 'maria'] })
  async pay(email: string, reference: string, cents: number): Promise<void> {
    await Account.create({ email });
    await LedgerLine.create({ reference, cents });
    if (cents < 0) throw new Error('negative payment');
  }
}

async function countRows(): Promise<{ accounts: number; audit: number; ledger: number; notes: number }> {
  return {
    accounts: await Account.count(),
    audit: await AuditEntry.count(),
    ledger: await LedgerLine.count(),
    notes: await Note.count(),
  };
}

describeIf('ActiveRecordTestingModule: every test in a transaction rolled back at its end', () => {
  let moduleRef: TestingModule;
  let pg: PostgresConnectionOptions & { schema: string };
  let maria: MysqlConnectionOptions & { database: string };

  beforeAll(async () => {
    pg = (await postgres('testing_module')) as typeof pg;
    maria = (await mariadb('testing_module')) as typeof maria;
    moduleRef = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRoot({
          connections: {
            main: { ...sqliteFile('testing-module'), synchronize: true },
            pg: { ...pg, synchronize: true, pool: { max: 3 } },
            maria: { ...maria, synchronize: true, pool: { max: 3 } },
          },
          models: [Account, AuditEntry, LedgerLine, Note],
          logger: quietLogger,
        }),
      ],
      providers: [AccountService, AuditService],
    }).compile();
    await moduleRef.init();
  });

  afterAll(async () => {
    // Nothing any test wrote is left, on any of the three databases.
    expect(await moduleRef.get(ConnectionRegistry).run(() => countRows())).toEqual({ accounts: 0, audit: 0, ledger: 0, notes: 0 });
    await withPostgres(async (client) => {
      const { rows } = await client.query(`SELECT (SELECT COUNT(*) FROM ${quoteIdent(pg.schema)}.tm_accounts)::int AS accounts, (SELECT COUNT(*) FROM ${quoteIdent(pg.schema)}.tm_audit)::int AS audit`);
      expect(rows[0]).toEqual({ accounts: 0, audit: 0 });
    });
    await withMariadb(async (connection) => {
      const [rows] = await connection.query(`SELECT COUNT(*) AS ledger FROM \`${maria.database}\`.tm_ledger`);
      expect(Number((rows as Array<{ ledger: number }>)[0]!.ledger)).toBe(0);
    });
    await moduleRef?.close();
    await releasePostgres('testing_module');
    await releaseMariadb('testing_module');
  });

  ActiveRecordTestingModule.rollbackEachTest(() => moduleRef);

  beforeEach(() => {
    events.length = 0;
  });

  it('lets a test write a unique row on each database', async () => {
    await Account.create({ email: 'same@example.com' });
    await LedgerLine.create({ reference: 'same', cents: 1 });
    await Note.create({ title: 'same' });
    expect(await countRows()).toEqual({ accounts: 1, audit: 0, ledger: 1, notes: 1 });
  });

  it('lets the next test write the same unique rows: the first test was rolled back', async () => {
    await Account.create({ email: 'same@example.com' });
    await LedgerLine.create({ reference: 'same', cents: 1 });
    await Note.create({ title: 'same' });
    expect(await countRows()).toEqual({ accounts: 1, audit: 0, ledger: 1, notes: 1 });
  });

  it('runs a @Transactional service as it would run: REQUIRED begins, REQUIRES_NEW inside, commit hooks after', async () => {
    const service = moduleRef.get(AccountService);
    const account = await service.open('ada@example.com');
    expect(account.id).toEqual(expect.any(Number));
    expect(events).toEqual(['committed ada@example.com']);
    // The code under test sees no transaction once its own has "committed".
    expect(currentTransaction('pg')).toBeUndefined();
    expect(await Account.where({ email: 'ada@example.com' }).count()).toBe(1);
    expect(await AuditEntry.pluck('action')).toEqual(['open ada@example.com']);
  });

  it('rolls back a failing @Transactional method alone (its savepoint), keeping what the test wrote before; REQUIRES_NEW work stays until the test ends', async () => {
    const service = moduleRef.get(AccountService);
    await Account.create({ email: 'before@example.com' });
    await expect(service.openTwice('twice@example.com')).rejects.toThrow(UniqueConstraintError);
    expect(events).toEqual(['rolled back twice twice@example.com']);
    expect(await Account.pluck('email')).toEqual(['before@example.com']);
    // In production the REQUIRES_NEW audit would have committed on its own: here it is a savepoint
    // of the failed method's level, so it went with it (the documented difference).
    expect(await AuditEntry.count()).toBe(0);
  });

  it('undoes a NESTED failure alone, as savepoints do', async () => {
    await moduleRef.get(AccountService).openWithOptionalNote('nested@example.com', 'refused');
    expect(await Account.pluck('email')).toEqual(['nested@example.com']);
    expect(await AuditEntry.count()).toBe(0);
  });

  it('keeps a failed statement outside any transaction from aborting the test transaction (PostgreSQL aborts a transaction on any error)', async () => {
    await Account.create({ email: 'dup@example.com' });
    await expect(Account.create({ email: 'dup@example.com' })).rejects.toThrow(UniqueConstraintError);
    await expect(LedgerLine.insertAll([{ reference: 'a', cents: 1 }, { reference: 'a', cents: 2 }])).rejects.toThrow(UniqueConstraintError);
    expect(await Account.count()).toBe(1);
    expect(await LedgerLine.count()).toBe(0);
  });

  it('runs NOT_SUPPORTED work inside the test transaction too (statement by statement), so it is undone at the end', async () => {
    await moduleRef.get(AuditService).recordOutside('outside');
    expect(await AuditEntry.pluck('action')).toEqual(['outside']);
  });

  it('runs a PostgreSQL + MariaDB unit as one savepoint level of the test transaction on both databases', async () => {
    const service = moduleRef.get(AccountService);
    await service.pay('payer@example.com', 'pay-1', 500);
    await expect(service.pay('refused@example.com', 'pay-2', -1)).rejects.toThrow('negative payment');
    expect(await Account.pluck('email')).toEqual(['payer@example.com']);
    expect(await LedgerLine.pluck('reference')).toEqual(['pay-1']);
  });

  // On MySQL/MariaDB a saga's first use creates its barrier table, and DDL there commits the
  // transaction it runs in: see docs/testing.md. These steps use PostgreSQL and SQLite.
  it('runs a saga inside the test transaction: its steps and their compensation are savepoints of it', async () => {
    const coordinator = moduleRef.get(TransactionCoordinator);
    const saga = (reference: string) =>
      coordinator
        .saga<{ reference: string }>('tm-order')
        .step({ name: 'account', connection: 'pg', run: ({ reference }) => Account.create({ email: `${reference}@example.com` }).then((a) => a.id), compensate: (id) => Account.where({ id }).deleteAll().then(() => undefined) })
        .step({ name: 'note', connection: 'main', run: ({ reference }) => Note.create({ title: reference }).then(() => { if (reference === 'bad') throw new Error('refused'); }) })
        .execute({ reference });
    await saga('good');
    await expect(saga('bad')).rejects.toThrow('refused');
    expect(await Account.pluck('email')).toEqual(['good@example.com']);
    expect(await Note.pluck('title')).toEqual(['good']);
  });

  it('takes concurrent transactions of the code under test in turns', async () => {
    const service = moduleRef.get(AccountService);
    await Promise.all([service.open('one@example.com'), service.open('two@example.com'), Note.create({ title: 'meanwhile' })]);
    expect((await Account.pluck('email')).sort()).toEqual(['one@example.com', 'two@example.com']);
    expect(await Note.count()).toBe(1);
  });

  it('sees the rows of earlier tests nowhere (the databases were left as they were)', async () => {
    expect(await countRows()).toEqual({ accounts: 0, audit: 0, ledger: 0, notes: 0 });
  });
});

describe('ActiveRecordTestingModule.forRoot: the one-line in-memory module', () => {
  @Model({ table: 'tm_one_line' })
  class Item extends ActiveRecord {
    @PrimaryKey() id!: number;
    @Column({ unique: true }) name!: string;
  }

  @Model({ table: 'tm_one_line_audit', connection: 'audit' })
  class Audit extends ActiveRecord {
    @PrimaryKey() id!: number;
    @Column() name!: string;
  }

  let moduleRef: TestingModule;
  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [ActiveRecordTestingModule.forRoot({ models: [Item, Audit], logger: quietLogger })] }).compile();
    await moduleRef.init();
  });
  afterAll(() => moduleRef.close());

  it('opens an in-memory SQLite database, tables created, for every connection the models name', async () => {
    const registry = moduleRef.get(ConnectionRegistry);
    expect(registry.connectionNames().sort()).toEqual(['audit', 'main']);
    await registry.run(async () => {
      await Item.create({ name: 'a' });
      await Audit.create({ name: 'a' });
      expect([await Item.count(), await Audit.count()]).toEqual([1, 1]);
    });
  });

  it('rolls back by hand, too: beginTransaction / rollbackTransaction', async () => {
    const registry = moduleRef.get(ConnectionRegistry);
    const before = await registry.run(() => Item.count());
    await ActiveRecordTestingModule.beginTransaction(moduleRef);
    try {
      await registry.run(() => Item.create({ name: 'temporary' }));
      expect(await registry.run(() => Item.count())).toBe(before + 1);
      await expect(ActiveRecordTestingModule.beginTransaction(moduleRef)).rejects.toThrow(
        new TransactionError('A test transaction is already open in this application; roll it back first'),
      );
    } finally {
      await ActiveRecordTestingModule.rollbackTransaction(moduleRef);
    }
    expect(await registry.run(() => Item.count())).toBe(before);
  });
});
