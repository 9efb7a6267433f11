import { ConfigurationError, MssqlDialect, QueryError, type QueryNode, type TableDefinition } from 'nestjs-activerecord';
import { MssqlTypedValue, type MssqlParamType } from '../../lib/backend/mssql/compiled';
import { plainNumber } from '../../lib/backend/mssql/types';

/** Golden SQL: what the SQL Server dialect compiles, byte for byte, with its bind values. */
describe('MssqlDialect', () => {
  const dialect = new MssqlDialect();
  const compile = (node: QueryNode) => dialect.compile(node);
  const t = (type: MssqlParamType, value: unknown) => new MssqlTypedValue(type, value);
  const select = (extra: Partial<Extract<QueryNode, { kind: 'select' }>> = {}) =>
    ({ kind: 'select', table: 'people', columns: ['id', 'name'], orderBy: [], ...extra }) as const;

  it('bracket-quotes identifiers (doubling ]) and numbers placeholders @p1, @p2, ...', () => {
    expect(dialect.quoteIdentifier('users')).toBe('[users]');
    expect(dialect.quoteIdentifier('evil"`] table; DROP TABLE x; --')).toBe('[evil"`]] table; DROP TABLE x; --]');
    expect(() => dialect.quoteIdentifier('nul\u0000')).toThrow(ConfigurationError);
    expect(dialect.placeholder(1)).toBe('@p1');
    expect(dialect.supportsReturning).toBe(true);
    expect(dialect.maxParameters).toBe(2098);
    expect(dialect.isolationLevels).toEqual(['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE']);
  });

  it('selects DECIMAL columns as server-converted text so tedious never rounds them through a double', () => {
    const query = compile(
      select({
        columns: ['id', 'balance', 'name'],
        columnTypes: ['integer', 'decimal', 'string'],
        where: { kind: 'compare', column: { name: 'balance', type: 'decimal' }, op: '>', value: '12345678901234567.1234' },
      }),
    );
    expect(query.sql).toBe(
      'SELECT [id], CONVERT(VARCHAR(50), [balance]) AS [balance], [name] FROM [people] WHERE [balance] > @p1',
    );
    expect(query.params).toEqual([t('NVarChar', '12345678901234567.1234')]);
    expect(compile(select({ columns: ['evil]name'], columnTypes: ['decimal'] })).sql).toBe(
      'SELECT CONVERT(VARCHAR(50), [evil]]name]) AS [evil]]name] FROM [people]',
    );
  });

  it('compiles a select with every condition kind, ORDER BY, OFFSET and FETCH', () => {
    const query = compile(
      select({
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
      }),
    );
    expect(query.sql).toBe(
      'SELECT [id], [name] FROM [people] WHERE ([age] >= @p1 AND [status] IN (@p2, @p3) AND 1 = 1 AND [born] BETWEEN @p4 AND @p5 ' +
        `AND [email] IS NOT NULL AND [name] NOT LIKE @p6 ESCAPE '\\' AND (NOT ([flag] = @p7))) ` +
        'ORDER BY [name] ASC, [id] DESC OFFSET @p8 ROWS FETCH NEXT @p9 ROWS ONLY',
    );
    expect(query.params).toEqual([
      t('Int', 18),
      t('NVarChar', 'a'),
      t('NVarChar', 'b'),
      t('NVarChar', '1990-01-01'),
      t('NVarChar', '1999-12-31'),
      'A%',
      t('Bit', true),
      20,
      10,
    ]);
  });

  it('pages with TOP for a limit alone or LIMIT 0, and with ORDER BY (SELECT NULL) when an offset has no order', () => {
    const where = { kind: 'compare' as const, column: { name: 'status', type: 'string' as const }, op: '=' as const, value: 'odd' };
    expect(compile(select({ limit: 1, where }))).toEqual({
      sql: 'SELECT TOP (@p1) [id], [name] FROM [people] WHERE [status] = @p2',
      params: [1, t('NVarChar', 'odd')],
    });
    expect(compile(select({ limit: 0, offset: 5, orderBy: [{ column: 'name', direction: 'asc' }] }))).toEqual({
      sql: 'SELECT TOP (@p1) [id], [name] FROM [people] ORDER BY [name] ASC',
      params: [0],
    });
    expect(compile(select({ offset: 22 }))).toEqual({
      sql: 'SELECT [id], [name] FROM [people] ORDER BY (SELECT NULL) OFFSET @p1 ROWS',
      params: [22],
    });
    expect(compile(select({ offset: 10, limit: 5 })).sql).toBe(
      'SELECT [id], [name] FROM [people] ORDER BY (SELECT NULL) OFFSET @p1 ROWS FETCH NEXT @p2 ROWS ONLY',
    );
    expect(compile(select({ columns: [] })).sql).toBe('SELECT * FROM [people]');
  });

  it('counts a page as the page and asks for existence with WHERE EXISTS', () => {
    const source = { kind: 'select' as const, table: 'people', columns: ['id'], orderBy: [], limit: 5, offset: 10 };
    expect(compile({ kind: 'count', source })).toEqual({
      sql: 'SELECT COUNT(*) AS [count] FROM (SELECT * FROM [people] ORDER BY (SELECT NULL) OFFSET @p1 ROWS FETCH NEXT @p2 ROWS ONLY) [page]',
      params: [10, 5],
    });
    expect(compile({ kind: 'count', source: { ...source, limit: 3, offset: undefined } }).sql).toBe(
      'SELECT COUNT(*) AS [count] FROM (SELECT TOP (@p1) * FROM [people]) [page]',
    );
    expect(compile({ kind: 'count', source: { ...source, limit: undefined, offset: undefined } }).sql).toBe('SELECT COUNT(*) AS [count] FROM [people]');
    const where = { kind: 'compare' as const, column: { name: 'age', type: 'integer' as const }, op: '=' as const, value: 4 };
    expect(compile({ kind: 'exists', source: { ...source, where } })).toEqual({
      sql: 'SELECT 1 AS [found] WHERE EXISTS (SELECT 1 FROM [people] WHERE [age] = @p1)',
      params: [t('Int', 4)],
    });
  });

  it('makes [ literal in LIKE patterns, so that only % and _ are wildcards', () => {
    const query = compile(select({ where: { kind: 'like', column: { name: 'name' }, pattern: '[a-z]%_x', negated: false } }));
    expect(query).toEqual({ sql: `SELECT [id], [name] FROM [people] WHERE [name] LIKE @p1 ESCAPE '\\'`, params: ['[[]a-z]%_x'] });
  });

  it('sends IN lists over 1000 values as one JSON parameter read with OPENJSON', () => {
    const ids = Array.from({ length: 1500 }, (_, i) => i + 1);
    const query = compile(select({ where: { kind: 'in', column: { name: 'id', type: 'integer' }, values: ids, negated: false } }));
    expect(query.sql).toBe('SELECT [id], [name] FROM [people] WHERE [id] IN (SELECT [value] FROM OPENJSON(@p1))');
    expect(query.params).toEqual([t('NVarChar', JSON.stringify(ids.map(String)))]);
    const at = new Date('2024-03-31T01:59:59.123Z');
    const dates = compile(
      select({ where: { kind: 'in', column: { name: 'at', type: 'datetime' }, values: Array(1001).fill(at), negated: true } }),
    );
    expect(dates.sql).toMatch(/WHERE \[at\] NOT IN \(SELECT \[value\] FROM OPENJSON\(@p1\)\)$/);
    expect(JSON.parse((dates.params[0] as MssqlTypedValue).value as string)[0]).toBe('2024-03-31T01:59:59.123Z');
    const exactly = compile(select({ where: { kind: 'in', column: { name: 'id', type: 'integer' }, values: ids.slice(0, 1000), negated: false } }));
    expect(exactly.params).toHaveLength(1000);
  });

  it('fails clearly, naming the limit, when a statement would need more than 2098 parameters', () => {
    const rows = Array.from({ length: 1100 }, (_, i) => [`n${i}`, i]);
    const insert = {
      kind: 'insert' as const,
      table: 'people',
      columns: [
        { name: 'name', type: 'string' as const },
        { name: 'age', type: 'integer' as const },
      ],
      rows,
    };
    expect(() => compile(insert)).toThrow(QueryError);
    expect(() => compile(insert)).toThrow(/at most 2098 bound values in one statement .* has 2200/);
    expect(compile({ ...insert, rows: rows.slice(0, 1049) }).params).toHaveLength(2098);
  });

  describe('inserts', () => {
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

    it('returns rows with OUTPUT INSERTED placed before VALUES', () => {
      expect(compile({ ...base, returning: ['id', 'email'] })).toEqual({
        sql: 'INSERT INTO [accounts] ([email], [balance]) OUTPUT INSERTED.[id], INSERTED.[email] VALUES (@p1, @p2), (@p3, @p4)',
        params: [t('NVarChar', 'a@x.org'), t('NVarChar', '1.50'), t('NVarChar', 'b@x.org'), t('NVarChar', '2')],
      });
      expect(compile({ ...base, rows: [['a', null]] }).sql).toBe('INSERT INTO [accounts] ([email], [balance]) VALUES (@p1, @p2)');
      expect(compile({ kind: 'insert', table: 'counters', columns: [], rows: [[]], returning: ['id'] })).toEqual({
        sql: 'INSERT INTO [counters] OUTPUT INSERTED.[id] DEFAULT VALUES',
        params: [],
      });
    });

    it('upserts with MERGE ... WITH (HOLDLOCK) over a VALUES source, ending in a semicolon', () => {
      expect(compile({ ...base, onConflict: { target: ['email'], update: ['email', 'balance'] } })).toEqual({
        sql:
          'MERGE INTO [accounts] WITH (HOLDLOCK) AS [target] USING (VALUES (@p1, @p2), (@p3, @p4)) AS [source] ([email], [balance]) ' +
          'ON ([target].[email] = [source].[email]) WHEN MATCHED THEN UPDATE SET [target].[balance] = [source].[balance] ' +
          'WHEN NOT MATCHED THEN INSERT ([email], [balance]) VALUES ([source].[email], [source].[balance]);',
        params: [t('NVarChar', 'a@x.org'), t('NVarChar', '1.50'), t('NVarChar', 'b@x.org'), t('NVarChar', '2')],
      });
      const ignore = compile({ ...base, rows: [['a@x.org', '1']], onConflict: { target: ['email'], update: [] }, returning: ['id'] });
      expect(ignore.sql).toBe(
        'MERGE INTO [accounts] WITH (HOLDLOCK) AS [target] USING (VALUES (@p1, @p2)) AS [source] ([email], [balance]) ' +
          'ON ([target].[email] = [source].[email]) WHEN NOT MATCHED THEN INSERT ([email], [balance]) VALUES ([source].[email], [source].[balance]) ' +
          'OUTPUT INSERTED.[id];',
      );
      expect(() => compile({ ...base, onConflict: { target: ['id'], update: [] } })).toThrow(/matches on 'id'/);
    });
  });

  it('updates and deletes', () => {
    expect(
      compile({
        kind: 'update',
        table: 'people',
        set: [
          [{ name: 'name', type: 'string' }, "O'Brien"],
          [{ name: 'blob', type: 'binary' }, null],
        ],
        where: { kind: 'compare', column: { name: 'id', type: 'bigint' }, op: '=', value: 7n },
      }),
    ).toEqual({
      sql: 'UPDATE [people] SET [name] = @p1, [blob] = @p2 WHERE [id] = @p3',
      params: [t('NVarChar', "O'Brien"), t('VarBinary', null), t('BigInt', 7n)],
    });
    expect(compile({ kind: 'delete', table: 'people' })).toEqual({ sql: 'DELETE FROM [people]', params: [] });
  });

  it('keeps hostile values as binds and hostile names quoted', () => {
    const payload = "x' OR '1'='1'; DROP TABLE people; --";
    expect(
      compile({
        kind: 'select',
        table: 'evil"`] table; DROP TABLE people; --',
        columns: ["c]; DELETE FROM people; --"],
        where: { kind: 'compare', column: { name: 'n', type: 'string' }, op: '=', value: payload },
        orderBy: [],
      }),
    ).toEqual({
      sql: 'SELECT [c]]; DELETE FROM people; --] FROM [evil"`]] table; DROP TABLE people; --] WHERE [n] = @p1',
      params: [t('NVarChar', payload)],
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
        column('id', 'bigint', { primary: true, autoIncrement: true, nullable: false }),
        column('label', 'string', { length: 100, unique: true, nullable: false, default: "it's" }),
        column('email', 'string', { unique: true }),
        column('body', 'text'),
        column('count', 'integer', { default: 0 }),
        column('ratio', 'float', { default: 0.5 }),
        column('amount', 'decimal', { precision: 20, scale: 4, default: '1.5000' }),
        column('flag', 'boolean', { nullable: false, default: false }),
        column('day', 'date', { default: '2024-02-29' }),
        column('at', 'datetime', { default: '2024-03-31T01:59:59.123Z' }),
        column('data', 'json'),
        column('blob', 'binary'),
        column('ref', 'uuid', { default: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' }),
        column('owner_id', 'integer', { references: { table: 'owners', column: 'id', onDelete: 'cascade', onUpdate: 'restrict' } }),
        column('long_text', 'string', { length: 5000 }),
      ],
    };
    const create =
      'CREATE TABLE [samples] (\n  ' +
      [
        '[id] BIGINT IDENTITY(1,1) PRIMARY KEY',
        "[label] NVARCHAR(100) NOT NULL UNIQUE DEFAULT N'it''s'",
        '[email] NVARCHAR(255) NULL',
        '[body] NVARCHAR(MAX) NULL',
        '[count] INT NULL DEFAULT 0',
        '[ratio] FLOAT NULL DEFAULT 0.5',
        '[amount] DECIMAL(20, 4) NULL DEFAULT 1.5000',
        '[flag] BIT NOT NULL DEFAULT 0',
        "[day] DATE NULL DEFAULT '2024-02-29'",
        "[at] DATETIMEOFFSET(3) NULL DEFAULT '2024-03-31 01:59:59.123 +00:00'",
        '[data] NVARCHAR(MAX) NULL CHECK (ISJSON([data]) = 1)',
        '[blob] VARBINARY(MAX) NULL',
        "[ref] UNIQUEIDENTIFIER NULL DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
        '[owner_id] INT NULL',
        '[long_text] NVARCHAR(MAX) NULL',
        'FOREIGN KEY ([owner_id]) REFERENCES [owners] ([id]) ON DELETE CASCADE',
      ].join(',\n  ') +
      '\n)';
    const index = 'CREATE UNIQUE INDEX [UX_samples_email] ON [samples] ([email]) WHERE [email] IS NOT NULL';

    it('creates a table with every column type, defaults, identity, foreign keys, and a filtered unique index for nullable unique columns', () => {
      expect(dialect.compileCreateTable(table)).toBe(`${create};\n${index}`);
      expect(dialect.compileCreateTable({ name: 't', columns: [column('id', 'uuid', { primary: true, nullable: false })] })).toBe(
        'CREATE TABLE [t] (\n  [id] UNIQUEIDENTIFIER PRIMARY KEY\n)',
      );
    });

    it('creates and drops only when needed with IF OBJECT_ID(...)', () => {
      expect(dialect.compileCreateTable(table, { ifNotExists: true })).toBe(
        `IF OBJECT_ID(N'[samples]', N'U') IS NULL\nBEGIN\n${create};\n${index};\nEND`,
      );
      expect(dialect.compileDropTable("it's]")).toBe("DROP TABLE [it's]]]");
      expect(dialect.compileDropTable("it's]", { ifExists: true })).toBe(`IF OBJECT_ID(N'[it''s]]]', N'U') IS NOT NULL DROP TABLE [it's]]]`);
    });

    it('writes ON UPDATE actions, and refuses defaults that cannot be literals', () => {
      const fk = dialect.compileCreateTable({
        name: 't',
        columns: [column('p', 'integer', { references: { table: 'p', column: 'id', onDelete: 'set null', onUpdate: 'cascade' } })],
      });
      expect(fk).toContain('REFERENCES [p] ([id]) ON DELETE SET NULL ON UPDATE CASCADE');
      expect(() => dialect.compileCreateTable({ name: 't', columns: [column('b', 'binary', { default: 'x' })] })).toThrow(/binary/);
      expect(() => dialect.compileCreateTable({ name: 't', columns: [column('n', 'decimal', { default: '1); DROP' })] })).toThrow(TypeError);
    });
  });

  describe('transactions', () => {
    it('always sets the isolation level (it outlives the transaction on a pooled connection)', () => {
      expect(dialect.beginTransaction()).toEqual(['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'BEGIN TRANSACTION']);
      expect(dialect.beginTransaction({ isolation: 'SERIALIZABLE', readOnly: true })).toEqual([
        'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
        'BEGIN TRANSACTION',
      ]);
      expect(dialect.beginTransaction({ isolation: 'READ UNCOMMITTED' })[0]).toBe('SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED');
      expect(dialect.commitTransaction()).toBe('COMMIT TRANSACTION');
      expect(dialect.rollbackTransaction()).toBe('ROLLBACK TRANSACTION');
    });

    it('uses SAVE TRANSACTION and ROLLBACK TRANSACTION for savepoints; releasing sends nothing', () => {
      expect(dialect.createSavepoint('ar_nested_1_1')).toBe('SAVE TRANSACTION [ar_nested_1_1]');
      expect(dialect.rollbackToSavepoint('ar_nested_1_1')).toBe('ROLLBACK TRANSACTION [ar_nested_1_1]');
      expect(dialect.releaseSavepoint('ar_nested_1_1')).toBeUndefined();
    });
  });

  describe('values', () => {
    it('declares every column value, NULL included, with its SQL Server type', () => {
      const at = new Date('2024-03-31T01:59:59.123Z');
      expect(dialect.toDriverValue('string', 5)).toEqual(t('NVarChar', '5'));
      expect(dialect.toDriverValue('text', null)).toEqual(t('NVarChar', null));
      expect(dialect.toDriverValue('integer', 2147483647)).toEqual(t('Int', 2147483647));
      expect(dialect.toDriverValue('bigint', '-9223372036854775808')).toEqual(t('BigInt', -9223372036854775808n));
      expect(dialect.toDriverValue('float', -1.5e-300)).toEqual(t('Float', -1.5e-300));
      expect(dialect.toDriverValue('decimal', '1234567890123456.1234')).toEqual(t('NVarChar', '1234567890123456.1234'));
      expect(dialect.toDriverValue('boolean', false)).toEqual(t('Bit', false));
      expect(dialect.toDriverValue('date', new Date('2024-02-29T00:00:00Z'))).toEqual(t('NVarChar', '2024-02-29'));
      expect(dialect.toDriverValue('datetime', '2024-03-31T01:59:59.123Z')).toEqual(t('DateTimeOffset', at));
      expect(dialect.toDriverValue('json', [1, { a: null }])).toEqual(t('NVarChar', '[1,{"a":null}]'));
      expect(dialect.toDriverValue('binary', null)).toEqual(t('VarBinary', null));
      expect(dialect.toDriverValue('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toEqual(t('UniqueIdentifier', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'));
    });

    it('binds raw-SQL values by their JavaScript type, Dates as DATETIMEOFFSET', () => {
      const now = new Date();
      expect(dialect.toDriverValue(undefined, now)).toEqual(t('DateTimeOffset', now));
      expect(dialect.toDriverValue(undefined, 'x')).toBe('x');
      expect(dialect.toDriverValue(undefined, 3)).toBe(3);
      expect(dialect.toDriverValue(undefined, { a: 1 })).toBe('{"a":1}');
      expect(dialect.toDriverValue(undefined, null)).toBeNull();
    });

    it('reads every logical type back from what tedious returns', () => {
      const read = (type: Parameters<typeof dialect.fromDriverValue>[0], value: unknown) => dialect.fromDriverValue(type, value);
      expect(read('integer', 7)).toBe(7);
      expect(read('bigint', '9223372036854775807')).toBe(9223372036854775807n);
      expect(read('float', 0.1)).toBe(0.1);
      expect(read('decimal', 19.99)).toBe('19.99');
      expect(read('decimal', 0.0001)).toBe('0.0001');
      expect(read('decimal', 1e-7)).toBe('0.0000001');
      expect(read('boolean', true)).toBe(true);
      expect(read('boolean', false)).toBe(false);
      expect(read('date', new Date('2024-02-29T00:00:00.000Z'))).toBe('2024-02-29');
      expect(read('date', new Date('1969-12-31T00:00:00.000Z'))).toBe('1969-12-31');
      expect(read('datetime', new Date('2024-03-31T01:59:59.123Z'))).toEqual(new Date('2024-03-31T01:59:59.123Z'));
      expect(read('json', '{"a":1}')).toEqual({ a: 1 });
      expect(read('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
      expect(read('binary', Buffer.from('x'))).toEqual(Buffer.from('x'));
      expect(read('string', null)).toBeNull();
    });

    it('writes numbers as plain decimal digits', () => {
      expect(plainNumber(1e21)).toBe('1000000000000000000000');
      expect(plainNumber(-1.5e-7)).toBe('-0.00000015');
      expect(plainNumber(1.25e22)).toBe('12500000000000000000000');
      expect(plainNumber(123.45)).toBe('123.45');
    });
  });
});
