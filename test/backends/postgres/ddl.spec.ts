import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';
import { describePostgres, usePostgres, withAdmin } from './harness';

@Model({ table: 'ddl_owners' })
class Owner extends ActiveRecord {
  @PrimaryKey({ type: 'bigint' }) id!: bigint;
  @Column({ unique: true, length: 80 }) handle!: string;
}

@Model({ table: 'ddl_things' })
class Thing extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40, default: "it's \\ quoted" }) label!: string;
  @Column('text', { nullable: true }) body!: string | null;
  @Column('integer', { default: 7 }) qty!: number;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('float', { nullable: true }) ratio!: number | null;
  @Column('decimal', { precision: 30, scale: 10, default: '0.5' }) amount!: string;
  @Column('decimal', { nullable: true }) price!: string | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  @Column('date', { nullable: true }) day!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
  @Column('binary', { nullable: true }) blob!: Buffer | null;
  @Column('uuid', { unique: true, nullable: true }) ref!: string | null;
  @Column({ type: 'bigint', references: { model: () => Owner, onDelete: 'cascade' } }) ownerId!: bigint;
}

@Model({ table: 'ddl_tokens' })
class Token extends ActiveRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Column() value!: string;
}

interface ColumnInfo {
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
  is_identity: 'YES' | 'NO';
  identity_generation: string | null;
}

/** `synchronize` / `createTables()` checked against what the server says it built. */
describePostgres('DDL from model metadata', () => {
  const pg = usePostgres({}, [Owner, Thing, Token]);

  const columns = (table: string) =>
    withAdmin(async (client) => {
      const { rows } = await client.query<ColumnInfo>(
        `SELECT column_name, data_type, is_nullable, column_default, character_maximum_length, numeric_precision,
                numeric_scale, datetime_precision, is_identity, identity_generation
           FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [pg.schema, table],
      );
      return Object.fromEntries(rows.map((row) => [row.column_name, row]));
    });

  const constraints = (table: string) =>
    withAdmin(async (client) => {
      const { rows } = await client.query<{ type: string; columns: string; target: string | null; on_delete: string | null }>(
        `SELECT tc.constraint_type AS type,
                string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) AS columns,
                max(ccu.table_name) AS target, max(rc.delete_rule) AS on_delete
           FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage kcu
             ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
           LEFT JOIN information_schema.referential_constraints rc
             ON rc.constraint_schema = tc.constraint_schema AND rc.constraint_name = tc.constraint_name
           LEFT JOIN information_schema.constraint_column_usage ccu
             ON ccu.constraint_schema = tc.constraint_schema AND ccu.constraint_name = tc.constraint_name
                AND tc.constraint_type = 'FOREIGN KEY'
          WHERE tc.table_schema = $1 AND tc.table_name = $2
          GROUP BY tc.constraint_name, tc.constraint_type ORDER BY 1, 2`,
        [pg.schema, table],
      );
      return rows;
    });

  it('creates the tables in the configured schema only', async () => {
    const tables = await withAdmin(async (client) => {
      const { rows } = await client.query<{ table_name: string; table_schema: string }>(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'ddl\\_%' ORDER BY table_name",
      );
      return rows.filter((row) => row.table_schema === pg.schema).map((row) => row.table_name);
    });
    expect(tables).toEqual(['ddl_owners', 'ddl_things', 'ddl_tokens']);
  });

  it('maps every logical type to its native PostgreSQL type', async () => {
    const info = await columns('ddl_things');
    const types = Object.fromEntries(Object.values(info).map((c) => [c.column_name, c.data_type]));
    expect(types).toEqual({
      id: 'integer',
      label: 'character varying',
      body: 'text',
      qty: 'integer',
      big: 'bigint',
      ratio: 'double precision',
      amount: 'numeric',
      price: 'numeric',
      enabled: 'boolean',
      day: 'date',
      at: 'timestamp with time zone',
      data: 'jsonb',
      blob: 'bytea',
      ref: 'uuid',
      ownerId: 'bigint',
    });
    expect(info.label!.character_maximum_length).toBe(40);
    expect([info.amount!.numeric_precision, info.amount!.numeric_scale]).toEqual([30, 10]);
    expect([info.price!.numeric_precision, info.price!.numeric_scale]).toEqual([12, 2]); // the decorator's defaults
    expect(info.at!.datetime_precision).toBe(3);
    expect((await columns('ddl_tokens')).id!.data_type).toBe('uuid');
  });

  it('makes generated keys identity columns, and others plain keys', async () => {
    const things = await columns('ddl_things');
    expect([things.id!.is_identity, things.id!.identity_generation, things.id!.column_default]).toEqual(['YES', 'BY DEFAULT', null]);
    const owners = await columns('ddl_owners');
    expect([owners.id!.data_type, owners.id!.is_identity]).toEqual(['bigint', 'YES']);
    const tokens = await columns('ddl_tokens');
    expect([tokens.id!.is_identity, tokens.id!.column_default]).toEqual(['NO', null]);
  });

  it('writes nullability and defaults, with quotes and backslashes kept literally', async () => {
    const info = await columns('ddl_things');
    const nullable = Object.values(info)
      .filter((c) => c.is_nullable === 'YES')
      .map((c) => c.column_name)
      .sort();
    expect(nullable).toEqual(['at', 'big', 'blob', 'body', 'data', 'day', 'price', 'ratio', 'ref']);
    expect(info.qty!.column_default).toBe('7');
    expect(info.enabled!.column_default).toBe('true');
    expect(info.amount!.column_default).toBe("0.5");
    const row = await pg.connection.query<{ id: string }>(
      'INSERT INTO "ddl_owners" ("handle") VALUES ($1) RETURNING "id"',
      ['defaults'],
    );
    const created = await Thing.create({ ownerId: BigInt(row[0]!.id) });
    expect([created.label, created.qty, created.enabled, created.amount]).toEqual(["it's \\ quoted", 7, true, '0.5000000000']);
  });

  it('creates unique, primary and foreign key constraints (with ON DELETE)', async () => {
    expect(await constraints('ddl_things')).toEqual([
      { type: 'FOREIGN KEY', columns: 'ownerId', target: 'ddl_owners', on_delete: 'CASCADE' },
      { type: 'PRIMARY KEY', columns: 'id', target: null, on_delete: null },
      { type: 'UNIQUE', columns: 'ref', target: null, on_delete: null },
    ]);
    expect(await constraints('ddl_owners')).toEqual([
      { type: 'PRIMARY KEY', columns: 'id', target: null, on_delete: null },
      { type: 'UNIQUE', columns: 'handle', target: null, on_delete: null },
    ]);
  });

  it('keeps createTables idempotent and dropTables complete', async () => {
    await expect(pg.registry.schema.createTables()).resolves.toEqual(['ddl_owners', 'ddl_things', 'ddl_tokens']);
    await pg.registry.schema.dropTables();
    expect(await columns('ddl_things')).toEqual({});
    await pg.registry.schema.createTables();
    expect(Object.keys(await columns('ddl_things'))).toHaveLength(15);
  });

  it('lets an explicit key into an identity column', async () => {
    const owner = await Owner.create({ id: 9007199254740993n, handle: 'explicit' });
    expect(owner.id).toBe(9007199254740993n);
    expect((await Owner.find(9007199254740993n)).handle).toBe('explicit');
  });
});
