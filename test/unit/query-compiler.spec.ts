import Database from 'better-sqlite3';
import type { Dialect, SelectNode } from 'nestjs-activerecord';
import { formatDecimal, parseDecimal, registerDecimalAggregates } from '../../lib/backend/sqlite/decimal-aggregates';
import { MssqlDialect } from '../../lib/backend/mssql/dialect';
import { MysqlDialect } from '../../lib/backend/mysql/dialect';
import { OracleDialect } from '../../lib/backend/oracle/dialect';
import { PostgresDialect } from '../../lib/backend/postgres/dialect';
import { SqliteDialect } from '../../lib/backend/sqlite/dialect';

const joined: SelectNode = {
  kind: 'select',
  table: 'books',
  columns: ['id'],
  joins: [{ kind: 'inner', table: 'authors', alias: 'author', on: { kind: 'columns', left: { name: 'id', table: 'author' }, op: '=', right: { name: 'authorId', table: 'books' } } }],
  where: { kind: 'compare', column: { name: 'name', type: 'string', table: 'author' }, op: '=', value: 'Ada' },
  distinct: true,
  orderBy: [{ column: 'id', direction: 'asc', table: 'books' }],
};

describe('counts and existence over joins, distinct rows and CTEs', () => {
  it('counts the rows of the query as a subquery, its order dropped', () => {
    expect(new PostgresDialect().compile({ kind: 'count', source: joined })).toEqual({
      sql:
        'SELECT COUNT(*) AS "count" FROM (SELECT DISTINCT "books"."id" FROM "books" INNER JOIN "authors" "author" ' +
        'ON "author"."id" = "books"."authorId" WHERE "author"."name" = $1) "page"',
      params: ['Ada'],
    });
    const mssql = new MssqlDialect().compile({ kind: 'count', source: joined });
    expect(mssql.sql).toBe(
      'SELECT COUNT(*) AS [count] FROM (SELECT DISTINCT [books].[id] FROM [books] INNER JOIN [authors] [author] ' +
        'ON [author].[id] = [books].[authorId] WHERE [author].[name] = @p1) [page]',
    );
  });

  it('asks for existence of a joined row per dialect', () => {
    expect(new SqliteDialect().compile({ kind: 'exists', source: joined }).sql).toBe(
      'SELECT 1 AS "found" FROM (SELECT DISTINCT "books"."id" FROM "books" INNER JOIN "authors" "author" ON "author"."id" = "books"."authorId" ' +
        'WHERE "author"."name" = ?) "page" LIMIT ?',
    );
    expect(new OracleDialect().compile({ kind: 'exists', source: joined }).sql).toBe(
      'SELECT 1 AS "found" FROM DUAL WHERE EXISTS (SELECT DISTINCT "books"."id" FROM "books" INNER JOIN "authors" "author" ' +
        'ON "author"."id" = "books"."authorId" WHERE "author"."name" = :1)',
    );
    expect(new MssqlDialect().compile({ kind: 'exists', source: joined }).sql).toBe(
      'SELECT 1 AS [found] WHERE EXISTS (SELECT DISTINCT [books].[id] FROM [books] INNER JOIN [authors] [author] ' +
        'ON [author].[id] = [books].[authorId] WHERE [author].[name] = @p1)',
    );
  });

  it('keeps a WITH clause outermost when counting (SQL Server allows none in a derived table)', () => {
    const withCte: SelectNode = {
      kind: 'select',
      table: 'nodes',
      columns: ['id'],
      source: { kind: 'cte', name: 'tree' },
      with: { recursive: false, tables: [{ name: 'tree', columns: ['id'], query: { kind: 'select', table: 'nodes', columns: ['id'], orderBy: [] } }] },
      orderBy: [],
    };
    expect(new MssqlDialect().compile({ kind: 'count', source: withCte }).sql).toBe(
      'WITH [tree] ([id]) AS (SELECT [id] FROM [nodes]) SELECT COUNT(*) AS [count] FROM (SELECT [nodes].[id] FROM [tree] [nodes]) [page]',
    );
  });
});

describe('EXPLAIN per dialect', () => {
  const query = { sql: 'SELECT 1', params: [7] };
  const plans: Array<[string, Dialect, string[], number]> = [
    ['sqlite', new SqliteDialect(), ['EXPLAIN QUERY PLAN SELECT 1'], 0],
    ['postgres', new PostgresDialect(), ['EXPLAIN SELECT 1'], 0],
    ['mariadb', new MysqlDialect({ flavour: 'mariadb' }), ['EXPLAIN SELECT 1'], 0],
    ['oracle', new OracleDialect(), ['EXPLAIN PLAN FOR SELECT 1', 'SELECT PLAN_TABLE_OUTPUT FROM TABLE(DBMS_XPLAN.DISPLAY())'], 1],
    ['mssql', new MssqlDialect(), ['SET SHOWPLAN_TEXT ON', 'SELECT 1', 'SET SHOWPLAN_TEXT OFF'], 1],
  ];
  it.each(plans)('%s: the statements to run, and which returns the plan', (_name, dialect, statements, planStatement) => {
    const plan = dialect.explain(query);
    expect(plan.statements.map((s) => s.sql)).toEqual(statements);
    expect(plan.planStatement).toBe(planStatement);
    expect(plan.statements[planStatement]!.params.length + plan.statements[0]!.params.length).toBeGreaterThan(0);
  });

  it('formats SQLite plan rows as an indented tree', () => {
    const plan = new SqliteDialect().explain(query);
    const rows = [
      { id: 2, parent: 0, detail: 'SCAN books' },
      { id: 5, parent: 2, detail: 'SEARCH authors USING INTEGER PRIMARY KEY (rowid=?)' },
    ];
    expect(plan.format(rows)).toBe('SCAN books\n  SEARCH authors USING INTEGER PRIMARY KEY (rowid=?)');
  });
});

describe('SQLite transactions and row locks', () => {
  const dialect = new SqliteDialect();
  it('begins IMMEDIATE by default, DEFERRED when read-only, or as sqliteBegin says', () => {
    expect(dialect.beginTransaction()).toEqual(['BEGIN IMMEDIATE']);
    expect(dialect.beginTransaction({ readOnly: true })).toEqual(['BEGIN DEFERRED']);
    expect(dialect.beginTransaction({ sqliteBegin: 'deferred' })).toEqual(['BEGIN DEFERRED']);
    expect(dialect.beginTransaction({ sqliteBegin: 'exclusive' })).toEqual(['BEGIN EXCLUSIVE']);
    expect(() => dialect.beginTransaction({ sqliteBegin: 'now; DROP TABLE x' as never })).toThrow(/sqliteBegin must be one of/);
  });
});

describe('exact decimal aggregates for SQLite', () => {
  it('parses and formats decimals as scaled integers', () => {
    expect(parseDecimal('12.30')).toEqual({ units: 1230n, scale: 2 });
    expect(parseDecimal('-0.5')).toEqual({ units: -5n, scale: 1 });
    expect(parseDecimal('1.5e3')).toEqual({ units: 1500n, scale: 0 });
    expect(parseDecimal('25e-3')).toEqual({ units: 25n, scale: 3 });
    expect(parseDecimal(7)).toEqual({ units: 7n, scale: 0 });
    expect(() => parseDecimal('abc')).toThrow(/not a decimal/);
    expect(formatDecimal(-5n, 2)).toBe('-0.05');
    expect(formatDecimal(123456789012345678901234567890n, 4)).toBe('12345678901234567890123456.7890');
  });

  it('sums, averages and compares without floating point, at the column scale', () => {
    const db = new Database(':memory:');
    registerDecimalAggregates(db);
    db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('0.1'), ('0.2'), (NULL), ('9'), ('10.005'), ('99999999999999999999.99')");
    const one = (sql: string) => (db.prepare(sql).get() as { r: unknown }).r;
    expect(one('SELECT ar_decimal_sum(v, 2) AS r FROM t')).toBe('100000000000000000019.30');
    expect(one('SELECT ar_decimal_min(v, 2) AS r FROM t')).toBe('0.10');
    expect(one('SELECT ar_decimal_max(v, 2) AS r FROM t')).toBe('99999999999999999999.99');
    expect(one("SELECT ar_decimal_max(v, 2) AS r FROM t WHERE v <> '99999999999999999999.99'")).toBe('10.01');
    expect(one("SELECT ar_decimal_avg(v, 1) AS r FROM t WHERE v IN ('0.1', '0.2')")).toBe('0.15000');
    expect(one('SELECT ar_decimal_sum(v, 2) AS r FROM t WHERE v IS NULL')).toBeNull();
    expect(one('SELECT ar_decimal_sum(DISTINCT v) AS r FROM (SELECT v FROM t UNION ALL SELECT v FROM t)')).toBe('100000000000000000019.295');
    db.close();
  });
});
