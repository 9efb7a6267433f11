import { ActiveRecord, Column, Index, Model, PrimaryKey, type TableSchema } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';

/**
 * Live introspection of tables `synchronize` made from models: every logical type reads back as
 * itself (SQLite: as the broadest type with its storage), with nullability, defaults, keys,
 * unique columns and indexes; and the migration generator finds nothing to change.
 */
@Model({ table: 'shelves' })
class Shelf extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80, unique: true }) label!: string;
}

@Model({ table: 'specimens' })
@Index(['label', 'kind'])
@Index(['code'], { where: { retired: false }, name: 'ix_specimens_live_code' })
class Specimen extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40, default: 'unnamed' }) label!: string;
  @Column('string', { length: 12, nullable: true }) code!: string | null;
  @Column('text', { nullable: true }) notes!: string | null;
  @Column('integer', { default: 3, index: true }) kind!: number;
  @Column('bigint', { nullable: true }) mass!: bigint | null;
  @Column('float', { nullable: true }) ratio!: number | null;
  @Column('decimal', { precision: 8, scale: 3, default: '1.500' }) price!: string;
  @Column({ default: false }) retired!: boolean;
  @Column('date', { nullable: true }) found!: string | null;
  @Column('datetime', { nullable: true }) seen!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
  @Column('binary', { nullable: true }) image!: Buffer | null;
  @Column('uuid', { nullable: true }) tag!: string | null;
  @Column('integer', { nullable: true, references: { model: () => Shelf, onDelete: 'set null' } }) shelfId!: number | null;
}

// Oracle and SQL Server introspection is golden-tested (test/unit/*-schema.spec.ts), never run here.
describeBackends('introspection of tables made by synchronize', { models: [Shelf, Specimen], only: (target) => target.name !== 'oracle' && target.name !== 'mssql' }, (context) => {
  let table: TableSchema;
  beforeAll(async () => {
    table = (await context.registry.schema.introspect('main')).tables.find((t) => t.name === 'specimens')!;
  });
  const sqlite = () => context.target.name.startsWith('sqlite');

  it('reads every logical type back', () => {
    const types = Object.fromEntries(table.columns.map((c) => [c.name, c.type]));
    // SQLite stores eight of the types as TEXT and three as INTEGER: they read back as the broadest.
    expect(types).toEqual(
      sqlite()
        ? { id: 'integer', label: 'text', code: 'text', notes: 'text', kind: 'integer', mass: 'integer', ratio: 'float', price: 'text', retired: 'integer', found: 'text', seen: 'text', data: 'text', image: 'binary', tag: 'text', shelfId: 'integer' }
        : { id: 'integer', label: 'string', code: 'string', notes: 'text', kind: 'integer', mass: 'bigint', ratio: 'float', price: 'decimal', retired: 'boolean', found: 'date', seen: 'datetime', data: 'json', image: 'binary', tag: 'uuid', shelfId: 'integer' },
    );
    if (!sqlite()) {
      expect(table.columns.find((c) => c.name === 'label')).toMatchObject({ length: 40 });
      expect(table.columns.find((c) => c.name === 'price')).toMatchObject({ precision: 8, scale: 3 });
    }
  });

  it('reads nullability, defaults, the generated key and the primary key', () => {
    const column = (name: string) => table.columns.find((c) => c.name === name)!;
    expect(column('id')).toMatchObject({ nullable: false, autoIncrement: true });
    expect(column('label')).toMatchObject({ nullable: false, default: 'unnamed' });
    expect(column('code')).toMatchObject({ nullable: true });
    expect(column('code').default ?? null).toBeNull();
    expect(column('kind')).toMatchObject({ nullable: false, default: 3 });
    expect(Number(column('price').default)).toBe(1.5);
    expect(column('retired').default).toBe(sqlite() ? 0 : false);
    expect(table.primaryKey).toEqual(['id']);
  });

  it('reads foreign keys, unique columns and indexes (partial where the database has them)', async () => {
    expect(table.foreignKeys).toEqual([{ name: 'fk_specimens_shelfId', columns: ['shelfId'], referencedTable: 'shelves', referencedColumns: ['id'], onDelete: 'set null', onUpdate: context.target.name === 'mariadb' ? 'restrict' : 'no action' }]);
    const byName = Object.fromEntries(table.indexes.filter((i) => !i.implicit || i.unique).map((i) => [i.name, i]));
    expect(byName.ix_specimens_label_kind).toMatchObject({ columns: ['label', 'kind'], unique: false });
    expect(byName.ix_specimens_kind).toMatchObject({ columns: ['kind'], unique: false });
    expect(byName.ix_specimens_live_code).toMatchObject({ columns: ['code'], unique: false });
    // MariaDB has no partial indexes: it indexes every row instead.
    if (context.target.name === 'mariadb') expect(byName.ix_specimens_live_code!.predicate).toBeUndefined();
    else expect(byName.ix_specimens_live_code!.where).toEqual({ retired: sqlite() ? 0 : false });
    const shelves = (await context.registry.schema.introspect('main')).tables.find((t) => t.name === 'shelves')!;
    expect(shelves.indexes.filter((i) => i.unique).map((i) => i.columns)).toEqual([['label']]);
  });

  it('agrees with the models: the generator finds nothing to change', async () => {
    const [diff] = await context.registry.schema.migrations.diff();
    expect(diff!.diff.up).toEqual([]);
  });
});
