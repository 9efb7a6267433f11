import { SqliteDialect, type QueryNode, type TableDefinition } from 'nestjs-activerecord';

const dialect = new SqliteDialect();
const col = (name: string, type?: 'integer' | 'string' | 'boolean' | 'datetime' | 'json' | 'bigint') => ({ name, type });
const select = (extra: Partial<Extract<QueryNode, { kind: 'select' }>> = {}): Extract<QueryNode, { kind: 'select' }> => ({
  kind: 'select',
  table: 'users',
  columns: ['id', 'name'],
  orderBy: [],
  ...extra,
});

describe('SqliteDialect golden SQL', () => {
  it.each<[string, QueryNode, string, unknown[]]>([
    ['select all', select({ columns: [] }), 'SELECT * FROM "users"', []],
    ['select columns', select(), 'SELECT "id", "name" FROM "users"', []],
    [
      'every condition kind',
      select({
        where: {
          kind: 'and',
          items: [
            { kind: 'compare', column: col('age', 'integer'), op: '>=', value: 18 },
            { kind: 'in', column: col('status', 'string'), values: ['a', 'b'], negated: false },
            { kind: 'in', column: col('id', 'integer'), values: [3], negated: true },
            { kind: 'between', column: col('score', 'integer'), low: 1, high: 9 },
            { kind: 'null', column: col('email'), negated: false },
            { kind: 'null', column: col('phone'), negated: true },
            { kind: 'like', column: col('name'), pattern: 'A%', negated: false },
            { kind: 'like', column: col('name'), pattern: '%z', negated: true },
            { kind: 'or', items: [{ kind: 'compare', column: col('flag', 'boolean'), op: '=', value: true }, { kind: 'not', item: { kind: 'compare', column: col('x'), op: '<>', value: 'y' } }] },
          ],
        },
      }),
      `SELECT "id", "name" FROM "users" WHERE ("age" >= ? AND "status" IN (?, ?) AND "id" NOT IN (?) AND "score" BETWEEN ? AND ? AND "email" IS NULL AND "phone" IS NOT NULL AND "name" LIKE ? ESCAPE '\\' AND "name" NOT LIKE ? ESCAPE '\\' AND ("flag" = ? OR NOT ("x" <> ?)))`,
      [18, 'a', 'b', 3, 1, 9, 'A%', '%z', 1, 'y'],
    ],
    ['empty IN matches nothing', select({ where: { kind: 'in', column: col('id'), values: [], negated: false } }), 'SELECT "id", "name" FROM "users" WHERE 1 = 0', []],
    ['empty NOT IN matches everything', select({ where: { kind: 'in', column: col('id'), values: [], negated: true } }), 'SELECT "id", "name" FROM "users" WHERE 1 = 1', []],
    ['order, limit, offset', select({ orderBy: [{ column: 'name', direction: 'asc' }, { column: 'id', direction: 'desc' }], limit: 10, offset: 20 }), 'SELECT "id", "name" FROM "users" ORDER BY "name" ASC, "id" DESC LIMIT ? OFFSET ?', [10, 20]],
    ['offset without limit', select({ offset: 5 }), 'SELECT "id", "name" FROM "users" LIMIT -1 OFFSET ?', [5]],
    ['count', { kind: 'count', source: select({ where: { kind: 'compare', column: col('a'), op: '=', value: 1 } }) }, 'SELECT COUNT(*) AS "count" FROM "users" WHERE "a" = ?', [1]],
    ['count of a page', { kind: 'count', source: select({ limit: 5 }) }, 'SELECT COUNT(*) AS "count" FROM (SELECT * FROM "users" LIMIT ?) "page"', [5]],
    ['exists', { kind: 'exists', source: select({ orderBy: [{ column: 'name', direction: 'asc' }] }) }, 'SELECT 1 AS "found" FROM "users" LIMIT ?', [1]],
    [
      'multi-row insert with returning',
      { kind: 'insert', table: 'users', columns: [col('name', 'string'), col('active', 'boolean')], rows: [['a', true], ['b', false]], returning: ['id'] },
      'INSERT INTO "users" ("name", "active") VALUES (?, ?), (?, ?) RETURNING "id"',
      ['a', 1, 'b', 0],
    ],
    ['insert of defaults', { kind: 'insert', table: 'users', columns: [], rows: [[]], returning: ['id'] }, 'INSERT INTO "users" DEFAULT VALUES RETURNING "id"', []],
    [
      'upsert',
      { kind: 'insert', table: 'users', columns: [col('email'), col('name')], rows: [['e', 'n']], onConflict: { target: ['email'], update: ['name'] } },
      'INSERT INTO "users" ("email", "name") VALUES (?, ?) ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name"',
      ['e', 'n'],
    ],
    [
      'upsert doing nothing',
      { kind: 'insert', table: 'users', columns: [col('email')], rows: [['e']], onConflict: { target: ['email'], update: [] } },
      'INSERT INTO "users" ("email") VALUES (?) ON CONFLICT ("email") DO NOTHING',
      ['e'],
    ],
    [
      'update with typed values',
      { kind: 'update', table: 'users', set: [[col('at', 'datetime'), new Date('2024-01-01T00:00:00.000Z')], [col('meta', 'json'), { a: 1 }]], where: { kind: 'compare', column: col('id', 'bigint'), op: '=', value: 5n } },
      'UPDATE "users" SET "at" = ?, "meta" = ? WHERE "id" = ?',
      ['2024-01-01T00:00:00.000Z', '{"a":1}', 5n],
    ],
    ['delete', { kind: 'delete', table: 'users' }, 'DELETE FROM "users"', []],
    ['hostile identifiers stay names', select({ table: 'a"; DROP TABLE b; --', columns: ['c"d'] }), 'SELECT "c""d" FROM "a""; DROP TABLE b; --"', []],
  ])('%s', (_name, node, sql, params) => {
    expect(dialect.compile(node)).toEqual({ sql, params });
  });

  it('compiles DDL from a table definition, with escaped literal defaults', () => {
    const table: TableDefinition = {
      name: 'orders',
      columns: [
        { name: 'id', type: 'integer', nullable: false, primary: true, autoIncrement: true, unique: false },
        { name: 'ref', type: 'uuid', nullable: false, primary: false, autoIncrement: false, unique: true },
        { name: 'note', type: 'string', nullable: true, primary: false, autoIncrement: false, unique: false, default: "it's", length: 40 },
        { name: 'paid', type: 'boolean', nullable: false, primary: false, autoIncrement: false, unique: false, default: false },
        { name: 'total', type: 'decimal', nullable: false, primary: false, autoIncrement: false, unique: false, default: '0.00', precision: 12, scale: 2 },
        { name: 'user_id', type: 'integer', nullable: false, primary: false, autoIncrement: false, unique: false, references: { table: 'users', column: 'id', onDelete: 'cascade' } },
      ],
    };
    expect(dialect.compileCreateTable(table, { ifNotExists: true })).toBe(
      'CREATE TABLE IF NOT EXISTS "orders" (\n' +
        '  "id" INTEGER PRIMARY KEY AUTOINCREMENT,\n' +
        '  "ref" TEXT NOT NULL UNIQUE,\n' +
        '  "note" TEXT DEFAULT \'it\'\'s\',\n' +
        '  "paid" INTEGER NOT NULL DEFAULT 0,\n' +
        '  "total" TEXT NOT NULL DEFAULT \'0.00\',\n' +
        '  "user_id" INTEGER NOT NULL,\n' +
        '  FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE\n' +
        ')',
    );
    expect(dialect.compileDropTable('orders', { ifExists: true })).toBe('DROP TABLE IF EXISTS "orders"');
  });

  it('spells transactions and savepoints', () => {
    expect(dialect.beginTransaction()).toEqual(['BEGIN IMMEDIATE']);
    expect(dialect.beginTransaction({ readOnly: true })).toEqual(['BEGIN DEFERRED']);
    expect(dialect.createSavepoint('sp"1')).toBe('SAVEPOINT "sp""1"');
    expect(dialect.rollbackToSavepoint('s')).toBe('ROLLBACK TO SAVEPOINT "s"');
    expect(dialect.releaseSavepoint('s')).toBe('RELEASE SAVEPOINT "s"');
  });

  it('converts values both ways for every type', () => {
    expect(dialect.toDriverValue('boolean', true)).toBe(1);
    expect(dialect.fromDriverValue('boolean', 0)).toBe(false);
    expect(dialect.toDriverValue('bigint', '9223372036854775807')).toBe(9223372036854775807n);
    expect(dialect.fromDriverValue('bigint', 42n)).toBe(42n);
    expect(dialect.fromDriverValue('integer', 42n)).toBe(42);
    expect(dialect.toDriverValue('datetime', new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(dialect.fromDriverValue('datetime', '1970-01-01T00:00:00.000Z')).toEqual(new Date(0));
    expect(dialect.toDriverValue('date', new Date('2024-05-06T23:00:00Z'))).toBe('2024-05-06');
    expect(dialect.toDriverValue('json', [1, { a: null }])).toBe('[1,{"a":null}]');
    expect(dialect.fromDriverValue('json', '{"a":[1]}')).toEqual({ a: [1] });
    expect(dialect.toDriverValue('decimal', 1.5)).toBe('1.5');
    expect(dialect.toDriverValue('uuid', 'ABCDEF00-0000-4000-8000-000000000000')).toBe('abcdef00-0000-4000-8000-000000000000');
    expect(dialect.toDriverValue(undefined, false)).toBe(0);
    expect(dialect.toDriverValue(undefined, { a: 1 })).toBe('{"a":1}');
    expect(dialect.fromDriverValue('text', null)).toBeNull();
  });
});
