import type { RowDataPacket } from 'mysql2';
import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';
import { describeMariadb, useMariadb, withAdmin } from './harness';

@Model({ table: 'ddl_owners' })
class Owner extends ActiveRecord {
  @PrimaryKey({ type: 'bigint' }) id!: bigint;
  @Column({ unique: true, length: 80 }) email!: string;
}

@Model({ table: 'ddl_things' })
class Thing extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40, default: "it's \\ fine" }) label!: string;
  @Column('text', { nullable: true }) body!: string | null;
  @Column('integer', { default: 7 }) count!: number;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('float', { nullable: true }) ratio!: number | null;
  @Column('decimal', { precision: 20, scale: 4, default: '1.5000' }) amount!: string;
  @Column('boolean', { default: true }) flag!: boolean;
  @Column('date', { nullable: true }) day!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
  @Column('binary', { nullable: true }) blob!: Buffer | null;
  @Column('uuid', { nullable: true, unique: true }) ref!: string | null;
  @Column({ type: 'bigint', references: { model: () => Owner, onDelete: 'cascade' } }) ownerId!: bigint;
}

interface ColumnInfo extends RowDataPacket {
  name: string;
  columnType: string;
  nullable: string;
  columnDefault: string | null;
  columnKey: string;
  extra: string;
  collation: string | null;
}

describeMariadb('DDL from models, checked against information_schema', () => {
  const db = useMariadb({}, [Owner, Thing]);

  const columns = () =>
    withAdmin(async (admin) => {
      const [rows] = await admin.query<ColumnInfo[]>(
        `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS columnDefault,
                COLUMN_KEY AS columnKey, EXTRA AS extra, COLLATION_NAME AS collation
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'ddl_things' ORDER BY ORDINAL_POSITION`,
        [db.database],
      );
      return Object.fromEntries(rows.map((row) => [row.name, row]));
    });

  it('maps every logical type to its SQL type, with nullability', async () => {
    const found = await columns();
    const shape = Object.fromEntries(Object.entries(found).map(([name, c]) => [name, `${c.columnType} ${c.nullable === 'YES' ? 'NULL' : 'NOT NULL'}`]));
    expect(shape).toEqual({
      id: 'int(11) NOT NULL',
      label: 'varchar(40) NOT NULL',
      body: 'longtext NULL',
      count: 'int(11) NOT NULL',
      big: 'bigint(20) NULL',
      ratio: 'double NULL',
      amount: 'decimal(20,4) NOT NULL',
      flag: 'tinyint(1) NOT NULL',
      day: 'date NULL',
      at: 'datetime(3) NULL',
      data: 'longtext NULL', // MariaDB's JSON is LONGTEXT with a JSON_VALID check
      blob: 'longblob NULL',
      ref: 'char(36) NULL',
      ownerId: 'bigint(20) NOT NULL',
    });
  });

  it('makes integer keys AUTO_INCREMENT primary keys, and unique columns unique', async () => {
    const found = await columns();
    expect(found.id!.columnKey).toBe('PRI');
    expect(found.id!.extra).toBe('auto_increment');
    expect(found.ref!.columnKey).toBe('UNI');
    const [owner] = await withAdmin((admin) =>
      admin.query<ColumnInfo[]>(
        "SELECT COLUMN_KEY AS columnKey, EXTRA AS extra FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'ddl_owners' ORDER BY ORDINAL_POSITION",
        [db.database],
      ),
    );
    expect(owner.map((c) => [c.columnKey, c.extra])).toEqual([
      ['PRI', 'auto_increment'],
      ['UNI', ''],
    ]);
  });

  it('writes defaults the database reads back exactly, including quotes and backslashes', async () => {
    const found = await columns();
    expect(found.label!.columnDefault).toBe("'it''s \\\\ fine'");
    expect(found.count!.columnDefault).toBe('7');
    expect(found.amount!.columnDefault).toBe('1.5000');
    expect(found.flag!.columnDefault).toBe('1');
    const owner = await Owner.create({ email: 'o@example.com' });
    const thing = await Thing.create({ ownerId: owner.id });
    await thing.reload();
    expect(thing.label).toBe("it's \\ fine");
    expect(thing.count).toBe(7);
    expect(thing.amount).toBe('1.5000');
    expect(thing.flag).toBe(true);
  });

  it('creates InnoDB tables in utf8mb4 with a binary (case-sensitive) collation', async () => {
    const [tables] = await withAdmin((admin) =>
      admin.query<RowDataPacket[]>(
        "SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
        [db.database],
      ),
    );
    expect(tables.map((t) => [t.name, t.engine, t.collation])).toEqual([
      ['ddl_owners', 'InnoDB', 'utf8mb4_bin'],
      ['ddl_things', 'InnoDB', 'utf8mb4_bin'],
    ]);
    const found = await columns();
    expect(found.label!.collation).toBe('utf8mb4_bin');
    const owner = await Owner.create({ email: 'Case@Example.com' });
    expect(await Owner.findBy({ email: 'case@example.com' })).toBeNull();
    await Owner.create({ email: 'case@example.com' }); // differs in case only: not a duplicate
    await owner.destroy();
  });

  it('creates foreign keys with their referential actions', async () => {
    const [keys] = await withAdmin((admin) =>
      admin.query<RowDataPacket[]>(
        `SELECT k.COLUMN_NAME AS columnName, k.REFERENCED_TABLE_NAME AS referencedTable, k.REFERENCED_COLUMN_NAME AS referencedColumn,
                r.DELETE_RULE AS onDelete
           FROM information_schema.KEY_COLUMN_USAGE k
           JOIN information_schema.REFERENTIAL_CONSTRAINTS r
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = 'ddl_things'`,
        [db.database],
      ),
    );
    expect(keys.map((k) => ({ ...k }))).toEqual([{ columnName: 'ownerId', referencedTable: 'ddl_owners', referencedColumn: 'id', onDelete: 'CASCADE' }]);
  });

  it('is idempotent (CREATE TABLE IF NOT EXISTS) and drops dependents first', async () => {
    await db.registry.schema.createTables();
    await db.registry.schema.dropTables();
    const [tables] = await withAdmin((admin) =>
      admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db.database]),
    );
    expect(Number(tables[0]!.n)).toBe(0);
    await db.registry.schema.createTables();
  });
});
