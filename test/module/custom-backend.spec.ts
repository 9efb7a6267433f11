import { Test } from '@nestjs/testing';
import {
  ActiveRecord,
  ActiveRecordModule,
  Column,
  Connection,
  Model,
  PrimaryKey,
  SqliteBackend,
  SqliteDialect,
  StorageBackend,
  type BackendCapabilities,
  type BackendContext,
  type CompiledQuery,
  type DriverSession,
  type SqliteConnectionOptions,
} from 'nestjs-activerecord';
import { quietLogger } from './fixtures';

/** A dialect of its own: SQLite's, with every statement tagged so the test can see it ran. */
class TaggingDialect extends SqliteDialect {
  override readonly name = 'recording-sqlite';
  override compile(node: Parameters<SqliteDialect['compile']>[0]): CompiledQuery {
    const compiled = super.compile(node);
    return { ...compiled, sql: `${compiled.sql} /* recorded */` };
  }
}

interface RecordingOptions {
  backend: typeof RecordingBackend;
  database: string;
  /** Where the backend writes what it ran. */
  journal: string[];
}

/** A custom backend: wraps the SQLite backend and records every statement it is given. */
class RecordingBackend extends StorageBackend<RecordingOptions> {
  readonly dialect = new TaggingDialect();
  readonly capabilities: BackendCapabilities;
  private readonly inner: SqliteBackend;

  constructor(options: RecordingOptions, context: BackendContext) {
    super(options, context);
    const sqlite: SqliteConnectionOptions = { backend: 'sqlite', database: options.database };
    this.inner = new SqliteBackend(sqlite, context);
    this.capabilities = this.inner.capabilities;
  }

  static validateOptions(options: Record<string, unknown>, path: string): void {
    if (!Array.isArray(options.journal)) throw new Error(`${path}.journal must be an array`);
  }

  open() {
    return this.inner.open();
  }
  close() {
    return this.inner.close();
  }
  describeTarget() {
    return `recording ${this.inner.describeTarget()}`;
  }
  translateError(error: unknown, sql?: string) {
    return this.inner.translateError(error, sql);
  }
  async acquire(): Promise<DriverSession> {
    const session = await this.inner.acquire();
    const record = (query: CompiledQuery) => this.options.journal.push(query.sql);
    return {
      query: (query, options) => (record(query), session.query(query, options)),
      execute: (query, options) => (record(query), session.execute(query, options)),
      stream: (query, options) => (record(query), session.stream(query, options)),
      release: () => session.release(),
      destroy: () => session.destroy(),
    };
  }
}

@Model({ table: 'gadgets', connection: 'recorded' })
class Gadget extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

describe('a custom backend passed as a class', () => {
  it('serves models, queries and transactions through its own dialect and sessions', async () => {
    const journal: string[] = [];
    const ref = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRoot({
          connections: { recorded: { backend: RecordingBackend, database: ':memory:', journal, synchronize: true } },
          models: [Gadget],
          logger: quietLogger,
        }),
      ],
    }).compile();
    await ref.init();

    const gadget = await Gadget.create({ name: 'sprocket' });
    expect((await Gadget.where({ name: 'sprocket' }).all()).map((g) => g.id)).toEqual([gadget.id]);
    await ref.get(Connection).transaction(async () => {
      await Gadget.create({ name: 'in a transaction' });
    });
    expect(await Gadget.count()).toBe(2);

    expect(journal.some((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS "gadgets"'))).toBe(true);
    expect(journal.some((sql) => sql.startsWith('INSERT INTO "gadgets"') && sql.endsWith('/* recorded */'))).toBe(true);
    expect(journal.filter((sql) => sql === 'BEGIN IMMEDIATE' || sql === 'COMMIT')).toEqual(['BEGIN IMMEDIATE', 'COMMIT']);
    expect(journal.every((sql) => !sql.includes('sprocket'))).toBe(true);
    await ref.close();
  });

  it('checks its own options at startup through validateOptions', async () => {
    const error = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { recorded: { backend: RecordingBackend, database: ':memory:' } }, logger: quietLogger })],
    })
      .compile()
      .then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/Connection 'recorded': connections\.recorded\.journal must be an array/);
  });

  it('refuses a class that does not extend StorageBackend', async () => {
    class NotABackend {}
    const error = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { x: { backend: NotABackend as never } }, logger: quietLogger })],
    })
      .compile()
      .then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/does not extend StorageBackend/);
  });
});
