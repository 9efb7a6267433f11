import { ConfigurationError, TransactionError, type QueryNode, type TableDefinition } from 'nestjs-activerecord';
import { OracleTypedValue, type OracleCompiledQuery } from '../../lib/backend/oracle/compiled';
import { OracleDialect } from '../../lib/backend/oracle/dialect';

/** Golden SQL: what the Oracle dialect compiles, byte for byte, with its bind values. */
describe('OracleDialect', () => {
  const dialect = new OracleDialect();
  const compile = (node: QueryNode): OracleCompiledQuery => dialect.compile(node);
  const select = (extra: Partial<Extract<QueryNode, { kind: 'select' }>> = {}) =>
    ({ kind: 'select', table: 'people', columns: ['id', 'name'], orderBy: [], ...extra }) as const;

  it('quotes every identifier (stored case-sensitively) and numbers placeholders :1, :2, ...', () => {
    expect(dialect.quoteIdentifier('users')).toBe('"users"');
    expect(dialect.quoteIdentifier("it's; DROP TABLE x; --")).toBe(`"it's; DROP TABLE x; --"`);
    expect(dialect.placeholder(1)).toBe(':1');
    expect(dialect.placeholder(1000)).toBe(':1000');
    expect(dialect.supportsReturning).toBe(true);
    expect(dialect.maxParameters).toBe(65535);
    expect(dialect.isolationLevels).toEqual(['READ COMMITTED', 'SERIALIZABLE']);
  });

  it('refuses names Oracle cannot quote, instead of producing broken SQL', () => {
    expect(() => dialect.quoteIdentifier('evil" table')).toThrow(ConfigurationError);
    expect(() => dialect.quoteIdentifier('evil" table')).toThrow(/may not contain '"'/);
    expect(() => dialect.quoteIdentifier('nul\u0000')).toThrow(ConfigurationError);
  });

  it('compiles a select with every condition kind, order, offset and limit', () => {
    const query = compile(
      select({
        where: {
          kind: 'and',
          items: [
            { kind: 'compare', column: { name: 'age', type: 'integer' }, op: '>=', value: 18 },
            { kind: 'in', column: { name: 'status', type: 'string' }, values: ['a', 'b'], negated: false },
            { kind: 'in', column: { name: 'status', type: 'string' }, values: [], negated: true },
            { kind: 'in', column: { name: 'status', type: 'string' }, values: [], negated: false },
            { kind: 'between', column: { name: 'born', type: 'date' }, low: '1990-01-01', high: '1999-12-31' },
            { kind: 'null', column: { name: 'email' }, negated: true },
            { kind: 'null', column: { name: 'age' }, negated: false },
            { kind: 'like', column: { name: 'name' }, pattern: 'A%', negated: true },
            { kind: 'like', column: { name: 'email' }, pattern: '%@x.org', negated: false },
            { kind: 'or', items: [{ kind: 'not', item: { kind: 'compare', column: { name: 'flag', type: 'boolean' }, op: '=', value: true } }] },
            { kind: 'compare', column: { name: 'status', type: 'string' }, op: '<>', value: 'gone' },
          ],
        },
        orderBy: [
          { column: 'name', direction: 'asc' },
          { column: 'id', direction: 'desc' },
        ],
        limit: 10,
        offset: 20,
      }),
    );
    expect(query.sql).toBe(
      'SELECT "id", "name" FROM "people" WHERE ("age" >= :1 AND "status" IN (:2, :3) AND 1 = 1 AND 1 = 0 ' +
        `AND "born" BETWEEN TO_DATE(:4, 'YYYY-MM-DD') AND TO_DATE(:5, 'YYYY-MM-DD') AND "email" IS NOT NULL AND "age" IS NULL ` +
        `AND "name" NOT LIKE :6 ESCAPE '\\' AND "email" LIKE :7 ESCAPE '\\' AND (NOT ("flag" = :8)) AND "status" <> :9) ` +
        'ORDER BY "name" ASC, "id" DESC OFFSET :10 ROWS FETCH NEXT :11 ROWS ONLY',
    );
    expect(query.params).toEqual([18, 'a', 'b', '1990-01-01', '1999-12-31', 'A%', '%@x.org', 1, 'gone', 20, 10]);
  });

  it('selects every column with *, and pages with limit only, offset only and limit 0', () => {
    expect(compile(select({ columns: [] })).sql).toBe('SELECT * FROM "people"');
    expect(compile(select({ limit: 1 }))).toEqual({ sql: 'SELECT "id", "name" FROM "people" FETCH NEXT :1 ROWS ONLY', params: [1] });
    expect(compile(select({ offset: 22, orderBy: [{ column: 'name', direction: 'asc' }] }))).toEqual({
      sql: 'SELECT "id", "name" FROM "people" ORDER BY "name" ASC OFFSET :1 ROWS',
      params: [22],
    });
    expect(compile(select({ limit: 0 }))).toEqual({ sql: 'SELECT "id", "name" FROM "people" FETCH NEXT :1 ROWS ONLY', params: [0] });
  });

  it('treats the empty string as NULL, as Oracle stores it', () => {
    const where = (item: Extract<QueryNode, { kind: 'select' }>['where']) => compile(select({ where: item }));
    const name = { name: 'email', type: 'string' as const };
    expect(where({ kind: 'compare', column: name, op: '=', value: '' })).toEqual({
      sql: 'SELECT "id", "name" FROM "people" WHERE "email" IS NULL',
      params: [],
    });
    expect(where({ kind: 'compare', column: name, op: '<>', value: '' }).sql).toMatch(/WHERE "email" IS NOT NULL$/);
    expect(where({ kind: 'in', column: name, values: ['a', ''], negated: false })).toEqual({
      sql: 'SELECT "id", "name" FROM "people" WHERE ("email" IN (:1) OR "email" IS NULL)',
      params: ['a'],
    });
    expect(where({ kind: 'in', column: name, values: [''], negated: false }).sql).toMatch(/WHERE "email" IS NULL$/);
    expect(where({ kind: 'in', column: name, values: ['a', ''], negated: true })).toEqual({
      sql: 'SELECT "id", "name" FROM "people" WHERE "email" NOT IN (:1)',
      params: ['a'],
    });
    expect(where({ kind: 'in', column: name, values: [''], negated: true }).sql).toMatch(/WHERE "email" IS NOT NULL$/);
    // Other comparisons with '' compare with NULL and match nothing, as in Oracle itself.
    expect(where({ kind: 'compare', column: name, op: '>', value: '' })).toEqual({
      sql: 'SELECT "id", "name" FROM "people" WHERE "email" > :1',
      params: [''],
    });
  });

  it('splits IN lists over 1000 items (ORA-01795) into ORed / ANDed lists of at most 1000', () => {
    const ids = Array.from({ length: 2500 }, (_, i) => i + 1);
    const column = { name: 'id', type: 'integer' as const };
    const inList = compile(select({ where: { kind: 'in', column, values: ids, negated: false } }));
    const lists = inList.sql.slice(inList.sql.indexOf('WHERE ') + 6);
    expect(lists.startsWith('("id" IN (:1, :2,')).toBe(true);
    expect(lists.split(' OR ')).toHaveLength(3);
    expect(lists).toContain(':1000) OR "id" IN (:1001, ');
    expect(lists).toContain(':2000) OR "id" IN (:2001, ');
    expect(lists.endsWith(':2500))')).toBe(true);
    expect(inList.params).toEqual(ids);
    const notIn = compile(select({ where: { kind: 'in', column, values: ids.slice(0, 1001), negated: true } }));
    expect(notIn.sql).toMatch(/WHERE \("id" NOT IN \(:1, .*, :1000\) AND "id" NOT IN \(:1001\)\)$/);
    const exactly = compile(select({ where: { kind: 'in', column, values: ids.slice(0, 1000), negated: false } }));
    expect(exactly.sql).toMatch(/WHERE "id" IN \(:1, .*:1000\)$/);
  });

  it('counts a page as the page (no AS before a table alias) and asks for existence FROM DUAL', () => {
    const source = { kind: 'select' as const, table: 'people', columns: ['id'], orderBy: [], limit: 5, offset: 10 };
    expect(compile({ kind: 'count', source })).toEqual({
      sql: 'SELECT COUNT(*) AS "count" FROM (SELECT * FROM "people" OFFSET :1 ROWS FETCH NEXT :2 ROWS ONLY) "page"',
      params: [10, 5],
    });
    const where = { kind: 'compare' as const, column: { name: 'status', type: 'string' as const }, op: '=' as const, value: 'odd' };
    expect(compile({ kind: 'count', source: { ...source, limit: undefined, offset: undefined, where } })).toEqual({
      sql: 'SELECT COUNT(*) AS "count" FROM "people" WHERE "status" = :1',
      params: ['odd'],
    });
    expect(compile({ kind: 'exists', source: { ...source, where } })).toEqual({
      sql: 'SELECT 1 AS "found" FROM DUAL WHERE EXISTS (SELECT 1 FROM "people" WHERE "status" = :1)',
      params: ['odd'],
    });
    expect(compile({ kind: 'exists', source: { ...source, limit: undefined, offset: undefined } }).sql).toBe(
      'SELECT 1 AS "found" FROM DUAL WHERE EXISTS (SELECT 1 FROM "people")',
    );
  });

  describe('inserts', () => {
    const base = {
      kind: 'insert' as const,
      table: 'accounts',
      columns: [
        { name: 'email', type: 'string' as const },
        { name: 'balance', type: 'decimal' as const },
      ],
    };

    it('returns the inserted row through a read-back by ROWID', () => {
      expect(compile({ ...base, rows: [['a@x.org', 1.5]], returning: ['id', 'email', 'balance'] })).toEqual({
        sql: 'INSERT INTO "accounts" ("email", "balance") VALUES (:1, :2)',
        params: ['a@x.org', '1.5'],
        readBack: 'SELECT "id", "email", "balance" FROM "accounts" WHERE ROWID = :1',
      });
    });

    it('inserts several rows as one batch of a single-row statement (identity draws a value per row)', () => {
      expect(compile({ ...base, rows: [['a@x.org', '1.50'], ['b@x.org', null]] })).toEqual({
        sql: 'INSERT INTO "accounts" ("email", "balance") VALUES (:1, :2)',
        params: [],
        batch: [
          ['a@x.org', '1.50'],
          ['b@x.org', null],
        ],
      });
      expect(() => compile({ ...base, rows: [['a', '1'], ['b', '2']], returning: ['id'] })).toThrow(/multi-row insert/);
    });

    it('inserts a row of defaults by naming one column with DEFAULT', () => {
      expect(compile({ kind: 'insert', table: 'counters', columns: [], rows: [[]], returning: ['id', 'n'] })).toEqual({
        sql: 'INSERT INTO "counters" ("id") VALUES (DEFAULT)',
        params: [],
        readBack: 'SELECT "id", "n" FROM "counters" WHERE ROWID = :1',
      });
      expect(() => compile({ kind: 'insert', table: 'counters', columns: [], rows: [[]] })).toThrow(ConfigurationError);
    });

    it('upserts with MERGE ... USING DUAL, binding the proposed values where they are used', () => {
      const upsert = { ...base, onConflict: { target: ['email'], update: ['balance'] } };
      expect(compile({ ...upsert, rows: [['a@x.org', '2.00']] })).toEqual({
        sql:
          'MERGE INTO "accounts" "target" USING DUAL ON ("target"."email" = :1) ' +
          'WHEN MATCHED THEN UPDATE SET "target"."balance" = :2 ' +
          'WHEN NOT MATCHED THEN INSERT ("email", "balance") VALUES (:3, :4)',
        params: ['a@x.org', '2.00', 'a@x.org', '2.00'],
      });
      const batch = compile({ ...upsert, rows: [['a@x.org', '1'], ['b@x.org', '2']] });
      expect(batch.params).toEqual([]);
      expect(batch.batch).toEqual([
        ['a@x.org', '1', 'a@x.org', '1'],
        ['b@x.org', '2', 'b@x.org', '2'],
      ]);
    });

    it('upserts that update nothing, or name a key column to update, leave it out of SET (ORA-38104)', () => {
      const ignore = compile({ ...base, rows: [['a@x.org', '1']], onConflict: { target: ['email'], update: [] } });
      expect(ignore.sql).toBe(
        'MERGE INTO "accounts" "target" USING DUAL ON ("target"."email" = :1) WHEN NOT MATCHED THEN INSERT ("email", "balance") VALUES (:2, :3)',
      );
      const keyToo = compile({ ...base, rows: [['a@x.org', '1']], onConflict: { target: ['email'], update: ['email', 'balance'] } });
      expect(keyToo.sql).toContain('UPDATE SET "target"."balance" = :2 WHEN');
      expect(() => compile({ ...base, rows: [['a', '1']], onConflict: { target: ['id'], update: [] } })).toThrow(/matches on 'id'/);
    });
  });

  it('updates and deletes with typed binds', () => {
    expect(
      compile({
        kind: 'update',
        table: 'people',
        set: [
          [{ name: 'name', type: 'string' }, "O'Brien"],
          [{ name: 'active', type: 'boolean' }, false],
          [{ name: 'born', type: 'date' }, '2000-01-02'],
        ],
        where: { kind: 'compare', column: { name: 'id', type: 'integer' }, op: '=', value: 7 },
      }),
    ).toEqual({
      sql: `UPDATE "people" SET "name" = :1, "active" = :2, "born" = TO_DATE(:3, 'YYYY-MM-DD') WHERE "id" = :4`,
      params: ["O'Brien", 0, '2000-01-02', 7],
    });
    expect(compile({ kind: 'delete', table: 'people' })).toEqual({ sql: 'DELETE FROM "people"', params: [] });
  });

  it('keeps hostile values as binds and hostile names quoted', () => {
    const payload = "x' OR '1'='1'; DROP TABLE people; --";
    const query = compile({
      kind: 'select',
      table: "t'; DROP TABLE people; --",
      columns: ["c') --"],
      where: { kind: 'compare', column: { name: 'name; DELETE', type: 'string' }, op: '=', value: payload },
      orderBy: [],
    });
    expect(query).toEqual({
      sql: `SELECT "c') --" FROM "t'; DROP TABLE people; --" WHERE "name; DELETE" = :1`,
      params: [payload],
    });
  });

  describe('DDL', () => {
    const column = (name: string, type: TableDefinition['columns'][number]['type'], extra: object = {}) => ({
      name,
      type,
      nullable: true,
      primary: false,
      autoIncrement: false,
      unique: false,
      ...extra,
    });
    const table: TableDefinition = {
      name: 'samples',
      columns: [
        column('id', 'integer', { primary: true, autoIncrement: true, nullable: false }),
        column('label', 'string', { length: 100, unique: true, nullable: false, default: "it's" }),
        column('body', 'text'),
        column('count', 'integer', { default: 0 }),
        column('big', 'bigint', { default: '9007199254740993' }),
        column('ratio', 'float', { default: 0.5 }),
        column('amount', 'decimal', { precision: 20, scale: 4, default: '1.5000' }),
        column('flag', 'boolean', { nullable: false, default: true }),
        column('day', 'date', { default: '2024-02-29' }),
        column('at', 'datetime', { default: '2024-03-31T01:59:59.123Z' }),
        column('data', 'json'),
        column('blob', 'binary'),
        column('ref', 'uuid', { default: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' }),
        column('owner_id', 'bigint', { references: { table: 'owners', column: 'id', onDelete: 'cascade' } }),
        column('parent_id', 'integer', { references: { table: 'samples', column: 'id', onDelete: 'set null', onUpdate: 'no action' } }),
        column('long_text', 'string', { length: 5000 }),
      ],
    };
    const body = [
      '"id" NUMBER(10) GENERATED BY DEFAULT ON NULL AS IDENTITY PRIMARY KEY',
      `"label" VARCHAR2(100 CHAR) DEFAULT 'it''s' NOT NULL UNIQUE`,
      '"body" CLOB',
      '"count" NUMBER(10) DEFAULT 0',
      '"big" NUMBER(19) DEFAULT 9007199254740993',
      '"ratio" BINARY_DOUBLE DEFAULT 0.5',
      '"amount" NUMBER(20, 4) DEFAULT 1.5000',
      '"flag" NUMBER(1) DEFAULT 1 NOT NULL CHECK ("flag" IN (0, 1))',
      `"day" DATE DEFAULT DATE '2024-02-29'`,
      `"at" TIMESTAMP(3) WITH TIME ZONE DEFAULT TIMESTAMP '2024-03-31 01:59:59.123 +00:00'`,
      '"data" CLOB CHECK ("data" IS JSON)',
      '"blob" BLOB',
      `"ref" RAW(16) DEFAULT HEXTORAW('a0eebc999c0b4ef8bb6d6bb9bd380a11')`,
      '"owner_id" NUMBER(19)',
      '"parent_id" NUMBER(10)',
      '"long_text" CLOB',
      'FOREIGN KEY ("owner_id") REFERENCES "owners" ("id") ON DELETE CASCADE',
      'FOREIGN KEY ("parent_id") REFERENCES "samples" ("id") ON DELETE SET NULL',
    ];

    it('creates a table with every column type, defaults, unique, identity and foreign keys', () => {
      expect(dialect.compileCreateTable(table)).toBe(`CREATE TABLE "samples" (\n  ${body.join(',\n  ')}\n)`);
    });

    it('creates and drops only when needed through PL/SQL that ignores just ORA-00955 / ORA-00942', () => {
      const ddl = dialect.compileCreateTable(table, { ifNotExists: true });
      expect(ddl.startsWith(`BEGIN\n  EXECUTE IMMEDIATE 'CREATE TABLE "samples" (\n`)).toBe(true);
      expect(ddl).toContain(`DEFAULT ''it''''s'' NOT NULL UNIQUE`);
      expect(ddl).toContain(`DEFAULT DATE ''2024-02-29''`);
      expect(ddl.endsWith(`\n)';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN RAISE; END IF;\nEND;`)).toBe(true);
      expect(dialect.compileDropTable('samples')).toBe('DROP TABLE "samples" PURGE');
      expect(dialect.compileDropTable("it's", { ifExists: true })).toBe(
        `BEGIN\n  EXECUTE IMMEDIATE 'DROP TABLE "it''s" PURGE';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -942 THEN RAISE; END IF;\nEND;`,
      );
    });

    it('refuses what Oracle cannot do: ON UPDATE actions, binary defaults, non-boolean boolean defaults', () => {
      const onUpdate: TableDefinition = {
        name: 't',
        columns: [column('p', 'integer', { references: { table: 'p', column: 'id', onUpdate: 'cascade' } })],
      };
      expect(() => dialect.compileCreateTable(onUpdate)).toThrow(/Oracle has no ON UPDATE CASCADE/);
      expect(() => dialect.compileCreateTable({ name: 't', columns: [column('b', 'binary', { default: 'x' })] })).toThrow(/binary/);
      expect(() => dialect.compileCreateTable({ name: 't', columns: [column('b', 'boolean', { default: 'yes' })] })).toThrow(/true or false/);
      expect(() => dialect.compileCreateTable({ name: 't', columns: [column('n', 'integer', { default: '1; DROP' })] })).toThrow(TypeError);
    });

    it('uses NUMBER(19) identities for bigint keys and plain keys for UUIDs', () => {
      const ddl = dialect.compileCreateTable({
        name: 'orders',
        columns: [column('id', 'bigint', { primary: true, autoIncrement: true, nullable: false })],
      });
      expect(ddl).toBe('CREATE TABLE "orders" (\n  "id" NUMBER(19) GENERATED BY DEFAULT ON NULL AS IDENTITY PRIMARY KEY\n)');
      expect(dialect.compileCreateTable({ name: 'u', columns: [column('id', 'uuid', { primary: true, nullable: false })] })).toBe(
        'CREATE TABLE "u" (\n  "id" RAW(16) PRIMARY KEY\n)',
      );
    });
  });

  describe('transactions', () => {
    it('has no BEGIN: SET TRANSACTION only when the level or read-only mode is asked for', () => {
      expect(dialect.beginTransaction()).toEqual([]);
      expect(dialect.beginTransaction({ isolation: 'READ COMMITTED' })).toEqual(['SET TRANSACTION ISOLATION LEVEL READ COMMITTED']);
      expect(dialect.beginTransaction({ isolation: 'SERIALIZABLE' })).toEqual(['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE']);
      expect(dialect.beginTransaction({ readOnly: true })).toEqual(['SET TRANSACTION READ ONLY']);
      expect(dialect.commitTransaction()).toBe('COMMIT');
      expect(dialect.rollbackTransaction()).toBe('ROLLBACK');
    });

    it('refuses the isolation levels Oracle does not have', () => {
      expect(() => dialect.beginTransaction({ isolation: 'READ UNCOMMITTED' })).toThrow(TransactionError);
      expect(() => dialect.beginTransaction({ isolation: 'REPEATABLE READ' })).toThrow(
        'Oracle supports the isolation levels READ COMMITTED and SERIALIZABLE only; REPEATABLE READ is not available',
      );
    });

    it('sets and rolls back to savepoints; releasing one sends nothing (Oracle has no RELEASE SAVEPOINT)', () => {
      expect(dialect.createSavepoint('sp_1')).toBe('SAVEPOINT "sp_1"');
      expect(dialect.rollbackToSavepoint('sp_1')).toBe('ROLLBACK TO SAVEPOINT "sp_1"');
      expect(dialect.releaseSavepoint('sp_1')).toBeUndefined();
    });
  });

  describe('values', () => {
    it('binds every logical type in the form the driver and column need', () => {
      const at = new Date('2024-03-31T01:59:59.123Z');
      expect(dialect.toDriverValue('string', 42)).toBe('42');
      expect(dialect.toDriverValue('text', 'long')).toBe('long');
      expect(dialect.toDriverValue('integer', 7)).toBe(7);
      expect(dialect.toDriverValue('bigint', '9223372036854775807')).toBe(9223372036854775807n);
      expect(dialect.toDriverValue('float', 1.7976931348623157e308)).toEqual(new OracleTypedValue('BINARY_DOUBLE', 1.7976931348623157e308));
      expect(dialect.toDriverValue('float', null)).toEqual(new OracleTypedValue('BINARY_DOUBLE', null));
      expect(dialect.toDriverValue('decimal', 12.5)).toBe('12.5');
      expect(dialect.toDriverValue('boolean', true)).toBe(1);
      expect(dialect.toDriverValue('boolean', false)).toBe(0);
      expect(dialect.toDriverValue('date', new Date('2024-01-02T00:00:00Z'))).toBe('2024-01-02');
      expect(dialect.toDriverValue('datetime', '2024-03-31T01:59:59.123Z')).toEqual(new OracleTypedValue('TIMESTAMP_TZ', at));
      expect(dialect.toDriverValue('datetime', undefined)).toEqual(new OracleTypedValue('TIMESTAMP_TZ', null));
      expect(dialect.toDriverValue('json', { a: [1, 'two'] })).toBe('{"a":[1,"two"]}');
      expect(dialect.toDriverValue('binary', Buffer.from([0, 255]))).toEqual(Buffer.from([0, 255]));
      expect(dialect.toDriverValue('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toEqual(Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'));
      expect(dialect.toDriverValue('string', null)).toBeNull();
      expect(() => dialect.toDriverValue('uuid', 'not-a-uuid')).toThrow(TypeError);
    });

    it('binds raw-SQL values by their JavaScript type', () => {
      const now = new Date();
      expect(dialect.toDriverValue(undefined, true)).toBe(1);
      expect(dialect.toDriverValue(undefined, now)).toEqual(new OracleTypedValue('TIMESTAMP_TZ', now));
      expect(dialect.toDriverValue(undefined, { a: 1 })).toBe('{"a":1}');
      expect(dialect.toDriverValue(undefined, 'x')).toBe('x');
      expect(dialect.toDriverValue(undefined, 5n)).toBe(5n);
    });

    it('reads every logical type back from what node-oracledb returns', () => {
      const read = (type: Parameters<typeof dialect.fromDriverValue>[0], value: unknown) => dialect.fromDriverValue(type, value);
      expect(read('integer', 42)).toBe(42);
      expect(read('integer', '42')).toBe(42);
      expect(read('bigint', '9223372036854775807')).toBe(9223372036854775807n);
      expect(read('bigint', '-9223372036854775808')).toBe(-9223372036854775808n);
      expect(read('float', 0.1)).toBe(0.1);
      // Thin mode writes NUMBER strings without a leading zero.
      expect(read('decimal', '.1')).toBe('0.1');
      expect(read('decimal', '-.0001')).toBe('-0.0001');
      expect(read('decimal', '1234567890123456.1234')).toBe('1234567890123456.1234');
      expect(read('boolean', 1)).toBe(true);
      expect(read('boolean', '0')).toBe(false);
      expect(read('date', new Date(2024, 1, 29))).toBe('2024-02-29');
      expect(read('datetime', new Date('2024-03-31T01:59:59.123Z'))).toEqual(new Date('2024-03-31T01:59:59.123Z'));
      expect(read('json', '{"a":{"b":[null,true]}}')).toEqual({ a: { b: [null, true] } });
      expect(read('binary', Buffer.from('abc'))).toEqual(Buffer.from('abc'));
      expect(read('uuid', Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'))).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
      expect(read('string', null)).toBeNull();
      expect(dialect.valueReader('string')).toBeUndefined();
    });
  });
});
