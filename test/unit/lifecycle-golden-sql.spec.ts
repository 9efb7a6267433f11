import {
  ActiveRecord,
  BelongsTo,
  Column,
  ConnectionRegistry,
  DeletedAt,
  Dialect,
  Model,
  MssqlDialect,
  MysqlDialect,
  OracleDialect,
  PostgresDialect,
  PrimaryKey,
  SqliteDialect,
  StorageBackend,
  UpdatedAt,
  Version,
  type BackendContext,
  type CompiledQuery,
  type DriverSession,
} from 'nestjs-activerecord';
import { runtimeOf } from '../../lib/model/model-runtime';

/**
 * Golden SQL of the model lifecycle on every dialect, Oracle and SQL Server included (no server
 * here): a backend that runs nothing and records each statement the model layer sends.
 */
interface GoldenOptions {
  backend: typeof GoldenBackend;
  dialect: () => Dialect;
  journal: string[];
}

class GoldenBackend extends StorageBackend<GoldenOptions> {
  readonly dialect: Dialect;
  readonly capabilities = { twoPhaseCommit: false, savepoints: true, concurrentSessions: true };
  constructor(options: GoldenOptions, context: BackendContext) {
    super(options, context);
    this.dialect = options.dialect();
  }
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async acquire(): Promise<DriverSession> {
    const record = (query: CompiledQuery) => void this.options.journal.push(query.sql);
    return {
      query: async (query) => (record(query), []),
      execute: async (query) => (record(query), { affectedRows: 1 }),
      stream: async function* () {},
      release: () => undefined,
      destroy: () => undefined,
    };
  }
  translateError(error: unknown): Error {
    return error as Error;
  }
  describeTarget(): string {
    return 'golden';
  }
}

@Model({ table: 'posts' })
class Post extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) title!: string;
  @UpdatedAt({ name: 'updated_at' }) updatedAt!: Date;
  @DeletedAt({ name: 'deleted_at' }) deletedAt!: Date | null;
  @Version({ name: 'lock_version' }) lockVersion!: number;
}

@Model({ table: 'comments' })
class Remark extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer', { references: () => Post }) postId!: number;
  @BelongsTo(() => Post) post!: Post;
}

@Model({ table: 'secrets' })
class Secret extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('string', { encrypted: { deterministic: true }, length: 40 }) email!: string;
}

const DIALECTS: Array<[string, () => Dialect]> = [
  ['sqlite', () => new SqliteDialect()],
  ['postgres', () => new PostgresDialect()],
  ['mariadb', () => new MysqlDialect({ flavour: 'mariadb' })],
  ['oracle', () => new OracleDialect()],
  ['mssql', () => new MssqlDialect()],
];

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe.each(DIALECTS)('lifecycle SQL on %s', (name, dialect) => {
  const journal: string[] = [];
  let registry: ConnectionRegistry;
  const key = Buffer.alloc(32, 7);

  beforeAll(async () => {
    registry = await ConnectionRegistry.open({
      connections: { main: { backend: GoldenBackend, dialect, journal } },
      models: [Post, Secret, Remark],
      encryption: { keys: [{ id: 'new', key }, { id: 'old', key: Buffer.alloc(32, 8) }] },
      logger: quiet,
    });
  });
  afterAll(() => registry.close());
  beforeEach(() => void (journal.length = 0));

  const loaded = () =>
    runtimeOf(Post).hydrate<Post>({ id: 5, title: 'a', updated_at: new Date(0).toISOString(), deleted_at: null, lock_version: 3 });

  it('hides soft-deleted rows in reads, and finds them on request', () => {
    expect(Post.where({ title: 'x' }).toSQL().sql).toMatchSnapshot();
    expect(Post.onlyDeleted().toSQL().sql).toMatchSnapshot();
    expect(Post.withDeleted().where({ title: { like: 'a\\%%' } }).toSQL().sql).toMatchSnapshot();
  });

  it('updates with the version checked and bumped, and updatedAt set', async () => {
    const post = loaded();
    post.title = 'b';
    await post.save();
    expect(journal).toMatchSnapshot();
    expect(post.lockVersion).toBe(4);
  });

  it('soft-deletes with one guarded UPDATE, and really deletes with a guarded DELETE', async () => {
    await loaded().destroy();
    await loaded().reallyDestroy();
    expect(journal).toMatchSnapshot();
  });

  it('bulk updates touch updatedAt and increment the version in SQL', async () => {
    await Post.where({ title: 'x' }).updateAll({ title: 'y' });
    await Post.where({ title: 'x' }).deleteAll();
    expect(journal).toMatchSnapshot();
  });

  it('keeps soft-deleted rows out of joins and EXISTS subqueries (toSQL for the dialect, no connection)', () => {
    const compiled = dialect();
    expect(Remark.joins('post').toSQL({ dialect: compiled }).sql).toMatchSnapshot();
    expect(Remark.whereExists('post').toSQL({ dialect: compiled }).sql).toMatchSnapshot();
  });

  it('finds a deterministic encrypted value under every configured key', () => {
    const query = Secret.where({ email: 'a@example.com' }).toSQL();
    expect(query.sql).toMatchSnapshot();
    expect(query.params).toHaveLength(2);
    expect(String(JSON.stringify(query.params))).not.toContain('a@example.com');
    expect(name).toBeDefined();
  });
});
