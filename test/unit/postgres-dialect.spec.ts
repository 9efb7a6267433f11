import { PostgresDialect, TransactionError, type QueryNode, type TableDefinition } from 'nestjs-activerecord';
import { parseBytea, parseTimestamp } from '../../lib/backend/postgres/type-parsers';
import { startupOptions } from '../../lib/backend/postgres/pool-config';

/** Golden SQL: what the PostgreSQL dialect compiles, byte for byte, with its bind values. */
describe('PostgresDialect', () => {
  const dialect = new PostgresDialect();
  const compile = (node: QueryNode) => dialect.compile(node);

  it('quotes identifiers with double quotes, doubling embedded ones, and numbers placeholders', () => {
    expect(dialect.quoteIdentifier('users')).toBe('"users"');
    expect(dialect.quoteIdentifier('we"ird; DROP TABLE x; --')).toBe('"we""ird; DROP TABLE x; --"');
    expect(dialect.placeholder(1)).toBe('$1');
    expect(dialect.placeholder(65535)).toBe('$65535');
    expect(dialect.supportsReturning).toBe(true);
    expect(dialect.maxParameters).toBe(65535);
  });

  it('compiles a select with every condition kind, order, limit and offset', () => {
    const query = compile({
      kind: 'select',
      table: 'people',
      columns: ['id', 'name'],
      where: {
        kind: 'and',
        items: [
          { kind: 'compare', column: { name: 'age', type: 'integer' }, op: '>=', value: 18 },
          { kind: 'in', column: { name: 'status', type: 'string' }, values: ['a', 'b'], negated: false },
          { kind: 'in', column: { name: 'status', type: 'string' }, values: [], negated: true },
          { kind: 'between', column: { name: 'born', type: 'date' }, low: '1990-01-01', high: '1999-12-31' },
          { kind: 'null', column: { name: 'email' }, negated: true },
          { kind: 'like', column: { name: 'name' }, pattern: 'A%', negated: true },
          { kind: 'or', items: [{ kind: 'not', item: { kind: 'compare', column: { name: 'flag', type: 'boolean' }, op: '=', value: true } }] },
        ],
      },
      orderBy: [
        { column: 'name', direction: 'asc' },
        { column: 'id', direction: 'desc' },
      ],
      limit: 10,
      offset: 20,
    });
    expect(query.sql).toBe(
      'SELECT "id", "name" FROM "people" WHERE ("age" >= $1 AND "status" IN ($2, $3) AND 1 = 1 AND "born" BETWEEN $4 AND $5 ' +
        `AND "email" IS NOT NULL AND "name" NOT LIKE $6 ESCAPE E'\\\\' AND (NOT ("flag" = $7))) ORDER BY "name" ASC, "id" DESC LIMIT 10 OFFSET 20`,
    );
    expect(query.params).toEqual([18, 'a', 'b', '1990-01-01', '1999-12-31', 'A%', true]);
  });

  it('counts a page as the page, and asks for existence with LIMIT 1', () => {
    const source = { kind: 'select' as const, table: 'people', columns: [], orderBy: [], limit: 5, offset: 10 };
    expect(compile({ kind: 'count', source })).toEqual({
      sql: 'SELECT COUNT(*) AS "count" FROM (SELECT * FROM "people" LIMIT 5 OFFSET 10) "page"',
      params: [],
    });
    expect(compile({ kind: 'count', source: { ...source, limit: undefined, offset: undefined } }).sql).toBe(
      'SELECT COUNT(*) AS "count" FROM "people"',
    );
    expect(compile({ kind: 'exists', source })).toEqual({
      sql: 'SELECT 1 AS "found" FROM "people" LIMIT 1 OFFSET 10',
      params: [],
    });
  });

  it('writes LIMIT and OFFSET as checked integers, never as parameters (generic plans guess a bound limit)', () => {
    const source = { kind: 'select' as const, table: 'people', columns: [], orderBy: [] };
    expect(compile({ ...source, limit: 0 }).sql).toBe('SELECT * FROM "people" LIMIT 0');
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
      expect(() => compile({ ...source, limit: bad })).toThrow(RangeError);
      expect(() => compile({ ...source, offset: bad })).toThrow(RangeError);
    }
    expect(() => compile({ ...source, limit: '1; DROP TABLE people' as unknown as number })).toThrow(RangeError);
  });

  it('binds a long IN list as one array parameter (= ANY / <> ALL), a short one as placeholders', () => {
    const column = { name: 'id', type: 'bigint' as const };
    const short = compile({ kind: 'select', table: 't', columns: [], orderBy: [], where: { kind: 'in', column, values: [1n, 2n], negated: false } });
    expect(short.sql).toBe('SELECT * FROM "t" WHERE "id" IN ($1, $2)');
    const ids = Array.from({ length: 70_000 }, (_, i) => BigInt(i));
    const long = compile({ kind: 'select', table: 't', columns: [], orderBy: [], where: { kind: 'in', column, values: ids, negated: false } });
    expect(long.sql).toBe('SELECT * FROM "t" WHERE "id" = ANY($1)');
    expect(long.params).toHaveLength(1);
    expect((long.params[0] as unknown[]).slice(0, 2)).toEqual(['0', '1']);
    const notIn = compile({ kind: 'delete', table: 't', where: { kind: 'in', column, values: ids, negated: true } });
    expect(notIn.sql).toBe('DELETE FROM "t" WHERE "id" <> ALL($1)');
  });

  it('inserts several rows with RETURNING, and upserts with ON CONFLICT', () => {
    const base = {
      kind: 'insert' as const,
      table: 'accounts',
      columns: [
        { name: 'email', type: 'string' as const },
        { name: 'balance', type: 'decimal' as const },
      ],
      rows: [
        ['a@x.org', '1.50'],
        ['b@x.org', 2],
      ],
    };
    expect(compile({ ...base, returning: ['id', 'email'] })).toEqual({
      sql: 'INSERT INTO "accounts" ("email", "balance") VALUES ($1, $2), ($3, $4) RETURNING "id", "email"',
      params: ['a@x.org', '1.50', 'b@x.org', '2'],
    });
    expect(compile({ ...base, onConflict: { target: ['email'], update: ['balance'] } }).sql).toBe(
      'INSERT INTO "accounts" ("email", "balance") VALUES ($1, $2), ($3, $4) ON CONFLICT ("email") DO UPDATE SET "balance" = EXCLUDED."balance"',
    );
    expect(compile({ ...base, onConflict: { target: ['email'], update: [] }, returning: ['id'] }).sql).toBe(
      'INSERT INTO "accounts" ("email", "balance") VALUES ($1, $2), ($3, $4) ON CONFLICT ("email") DO NOTHING RETURNING "id"',
    );
    expect(compile({ kind: 'insert', table: 'accounts', columns: [], rows: [[]], returning: ['id'] }).sql).toBe(
      'INSERT INTO "accounts" DEFAULT VALUES RETURNING "id"',
    );
  });

  it('updates and deletes with bound values only', () => {
    expect(
      compile({
        kind: 'update',
        table: 'accounts',
        set: [[{ name: 'data', type: 'json' }, { a: "'; DROP" }]],
        where: { kind: 'compare', column: { name: 'id', type: 'bigint' }, op: '=', value: 9007199254740993n },
      }),
    ).toEqual({ sql: 'UPDATE "accounts" SET "data" = $1 WHERE "id" = $2', params: ['{"a":"\'; DROP"}', '9007199254740993'] });
    expect(compile({ kind: 'delete', table: 'accounts' })).toEqual({ sql: 'DELETE FROM "accounts"', params: [] });
  });

  it('converts values to what pg binds, independent of the process time zone', () => {
    const at = new Date('2024-03-31T01:59:59.123Z');
    expect(dialect.toDriverValue('datetime', at)).toBe('2024-03-31T01:59:59.123Z');
    expect(dialect.toDriverValue('datetime', '2024-03-31T03:59:59.123+02:00')).toBe('2024-03-31T01:59:59.123Z');
    expect(dialect.toDriverValue('date', new Date('2024-02-29T00:00:00Z'))).toBe('2024-02-29');
    expect(dialect.toDriverValue('bigint', -9223372036854775808n)).toBe('-9223372036854775808');
    expect(dialect.toDriverValue('decimal', '12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    expect(dialect.toDriverValue('boolean', 1)).toBe(true);
    expect(dialect.toDriverValue('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(dialect.toDriverValue('json', 'text')).toBe('"text"');
    expect(dialect.toDriverValue('binary', new Uint8Array([0, 1]))).toEqual(Buffer.from([0, 1]));
    expect(dialect.toDriverValue(undefined, at)).toBe('2024-03-31T01:59:59.123Z');
    expect(dialect.toDriverValue(undefined, 2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(dialect.toDriverValue('integer', null)).toBeNull();
  });

  it('reads int8 text as bigint and leaves parsed values alone', () => {
    expect(dialect.fromDriverValue('bigint', '-9223372036854775808')).toBe(-9223372036854775808n);
    expect(dialect.fromDriverValue('decimal', '0.10')).toBe('0.10');
    expect(dialect.valueReader('json')).toBeUndefined();
    expect(dialect.valueReader('date')).toBeUndefined();
    expect(dialect.valueReader('datetime')).toBeUndefined();
  });

  it('creates tables with native types, identity keys, defaults, nullability, unique and foreign keys', () => {
    const table: TableDefinition = {
      name: 'orders',
      columns: [
        { name: 'id', type: 'bigint', nullable: false, primary: true, autoIncrement: true, unique: false },
        { name: 'code', type: 'uuid', nullable: false, primary: false, autoIncrement: false, unique: true },
        { name: 'note', type: 'string', nullable: true, primary: false, autoIncrement: false, unique: false, length: 40, default: "it's \\ fine" },
        { name: 'body', type: 'text', nullable: true, primary: false, autoIncrement: false, unique: false },
        { name: 'qty', type: 'integer', nullable: false, primary: false, autoIncrement: false, unique: false, default: 1 },
        { name: 'ratio', type: 'float', nullable: true, primary: false, autoIncrement: false, unique: false },
        { name: 'total', type: 'decimal', nullable: false, primary: false, autoIncrement: false, unique: false, precision: 12, scale: 2, default: '0.00' },
        { name: 'loose', type: 'decimal', nullable: true, primary: false, autoIncrement: false, unique: false },
        { name: 'paid', type: 'boolean', nullable: false, primary: false, autoIncrement: false, unique: false, default: false },
        { name: 'day', type: 'date', nullable: true, primary: false, autoIncrement: false, unique: false },
        { name: 'at', type: 'datetime', nullable: true, primary: false, autoIncrement: false, unique: false },
        { name: 'data', type: 'json', nullable: true, primary: false, autoIncrement: false, unique: false },
        { name: 'blob', type: 'binary', nullable: true, primary: false, autoIncrement: false, unique: false },
        {
          name: 'account_id',
          type: 'integer',
          nullable: false,
          primary: false,
          autoIncrement: false,
          unique: false,
          references: { table: 'accounts', column: 'id', onDelete: 'cascade' },
        },
      ],
    };
    expect(dialect.compileCreateTable(table, { ifNotExists: true })).toBe(
      [
        'CREATE TABLE IF NOT EXISTS "orders" (',
        '  "id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,',
        '  "code" UUID NOT NULL UNIQUE,',
        `  "note" VARCHAR(40) DEFAULT E'it''s \\\\ fine',`,
        '  "body" TEXT,',
        '  "qty" INTEGER NOT NULL DEFAULT 1,',
        '  "ratio" DOUBLE PRECISION,',
        `  "total" NUMERIC(12, 2) NOT NULL DEFAULT '0.00',`,
        '  "loose" NUMERIC,',
        '  "paid" BOOLEAN NOT NULL DEFAULT FALSE,',
        '  "day" DATE,',
        '  "at" TIMESTAMPTZ(3),',
        '  "data" JSONB,',
        '  "blob" BYTEA,',
        '  "account_id" INTEGER NOT NULL,',
        '  FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE',
        ')',
      ].join('\n'),
    );
    expect(dialect.compileDropTable('orders', { ifExists: true })).toBe('DROP TABLE IF EXISTS "orders"');
  });

  it('begins transactions with checked isolation levels and read-only mode', () => {
    expect(dialect.beginTransaction()).toEqual(['BEGIN']);
    expect(dialect.beginTransaction({ isolation: 'SERIALIZABLE', readOnly: true })).toEqual(['BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY']);
    expect(dialect.beginTransaction({ isolation: 'REPEATABLE READ' })).toEqual(['BEGIN ISOLATION LEVEL REPEATABLE READ']);
    expect(dialect.beginTransaction({ readOnly: true })).toEqual(['BEGIN READ ONLY']);
    expect(() => dialect.beginTransaction({ isolation: 'READ UNCOMMITTED' })).toThrow(/runs READ UNCOMMITTED as READ COMMITTED/);
    expect(() => dialect.beginTransaction({ isolation: 'SERIALIZABLE; DROP TABLE x' as never })).toThrow(TransactionError);
    expect(dialect.isolationLevels).toEqual(['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE']);
    expect(dialect.createSavepoint('sp"1')).toBe('SAVEPOINT "sp""1"');
  });
});

describe('PostgreSQL text parsers', () => {
  it('reads timestamps at any offset as the same instant, to the millisecond', () => {
    expect(parseTimestamp('2024-03-31 01:59:59.123+00').toISOString()).toBe('2024-03-31T01:59:59.123Z');
    expect(parseTimestamp('2024-03-31 03:59:59.123456+02').toISOString()).toBe('2024-03-31T01:59:59.123Z');
    expect(parseTimestamp('2024-03-30 20:29:59.1-05:30').toISOString()).toBe('2024-03-31T01:59:59.100Z');
    expect(parseTimestamp('1900-01-01 00:00:00+00:09:21').toISOString()).toBe('1899-12-31T23:50:39.000Z');
    expect(parseTimestamp('0099-06-01 12:00:00+00').toISOString()).toBe('0099-06-01T12:00:00.000Z');
    expect(parseTimestamp('0044-03-15 12:00:00+00 BC').getUTCFullYear()).toBe(-43);
    expect(parseTimestamp('2024-03-31 01:59:59').toISOString()).toBe('2024-03-31T01:59:59.000Z');
    expect(Number.isNaN(parseTimestamp('infinity').getTime())).toBe(true);
  });

  it('reads bytea in hex and escape formats', () => {
    expect(parseBytea('\\x00ff10')).toEqual(Buffer.from([0, 255, 16]));
    expect(parseBytea('a\\000\\\\b\\377')).toEqual(Buffer.from([0x61, 0, 0x5c, 0x62, 255]));
  });

  it('sends session settings and an escaped, quoted schema in the startup options', () => {
    expect(startupOptions(undefined)).toBe('-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3');
    expect(startupOptions('my "odd" schema\\')).toBe(
      '-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3 -c search_path="my\\ ""odd""\\ schema\\\\"',
    );
  });
});
