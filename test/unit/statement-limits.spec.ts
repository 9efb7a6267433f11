import { MysqlDialect, PostgresDialect, SqliteDialect, type QueryNode } from 'nestjs-activerecord';
import { featuresOf } from '../../lib/backend/mysql/server-info';
import { insertHeadLength, rowsPerInsert } from '../../lib/backend/statement-limits';
import { PREPARED_TEXT_LIMIT } from '../../lib/backend/postgres/prepared-statements';

const columns = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `column_${i}`, type: 'string' as const }));

/** The text of a full chunk, as the model layer compiles it. */
function chunkSql(dialect: PostgresDialect | SqliteDialect | MysqlDialect, width: number, rows: number): string {
  const row = new Array<unknown>(width).fill(null);
  return dialect.compile({ kind: 'insert', table: 'wide_table', columns: columns(width), rows: new Array(rows).fill(row) }).sql;
}

describe('rows per bulk-insert statement, from the backend limits', () => {
  it('keeps a wide PostgreSQL chunk short enough to be prepared (100 columns: not 500 rows and 400k characters)', () => {
    const dialect = new PostgresDialect();
    const rows = rowsPerInsert(dialect, 100, insertHeadLength('wide_table', columns(100), false));
    expect(rows).toBeGreaterThanOrEqual(100);
    expect(rows).toBeLessThan(500);
    expect(chunkSql(dialect, 100, rows).length).toBeLessThanOrEqual(PREPARED_TEXT_LIMIT);
    // One more row would no longer fit: the chunk is as big as the limit allows.
    expect(chunkSql(dialect, 100, rows + 20).length).toBeGreaterThan(PREPARED_TEXT_LIMIT);
  });

  it('keeps the row budget for narrow rows, and the parameter limit everywhere', () => {
    expect(rowsPerInsert(new PostgresDialect(), 6, 200)).toBe(500);
    expect(rowsPerInsert(new SqliteDialect(), 6, 200)).toBe(1000);
    expect(rowsPerInsert(new SqliteDialect(), 100, 200)).toBe(327); // 32,766 parameters
    expect(rowsPerInsert(new MysqlDialect(), 100, 200)).toBe(655); // 65,535 placeholders
    expect(rowsPerInsert(new SqliteDialect(), 40_000, 200)).toBe(1); // never zero
    expect(rowsPerInsert(new SqliteDialect(), 0, 200)).toBe(1); // DEFAULT VALUES
  });
});

describe('long IN lists as one array-like parameter', () => {
  const select = (values: unknown[], type: 'integer' | 'string' | 'binary' | 'bigint' | 'datetime' | 'json', negated = false): QueryNode => ({
    kind: 'select',
    table: 't',
    columns: [],
    orderBy: [],
    where: { kind: 'in', column: { name: 'c', type }, values, negated },
  });
  const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

  it('SQLite: json_each over one JSON array past 200 values, whatever the length', () => {
    const dialect = new SqliteDialect();
    expect(dialect.compile(select([1, 2], 'integer')).sql).toBe('SELECT * FROM "t" WHERE "c" IN (?, ?)');
    const long = dialect.compile(select(many(40_000, (i) => i), 'integer', true));
    expect(long.sql).toBe('SELECT * FROM "t" WHERE "c" NOT IN (SELECT "value" FROM json_each(?))');
    expect(long.params).toHaveLength(1);
    expect(JSON.parse(long.params[0] as string)).toHaveLength(40_000);
    const strings = dialect.compile(select(many(300, (i) => `it's "${i}"`), 'string'));
    expect(JSON.parse(strings.params[0] as string)[7]).toBe('it\'s "7"');
    const blobs = dialect.compile(select(many(300, (i) => Buffer.from([i & 255, 1])), 'binary'));
    expect(blobs.sql).toContain('IN (SELECT unhex("value") FROM json_each(?))');
    expect(JSON.parse(blobs.params[0] as string)[2]).toBe('0201');
    const big = dialect.compile(select(many(300, (i) => 2n ** 62n + BigInt(i)), 'bigint'));
    expect((big.params[0] as string).startsWith('[4611686018427387904,4611686018427387905,')).toBe(true);
  });

  it('MySQL/MariaDB: JSON_TABLE typed like the column, only where the server has it', () => {
    const old = new MysqlDialect({ flavour: 'mariadb' });
    old.useServer(featuresOf('10.5.9-MariaDB'));
    expect(old.compile(select(many(300, (i) => i), 'integer')).params).toHaveLength(300);

    const dialect = new MysqlDialect({ flavour: 'mariadb', collation: 'utf8mb4_unicode_ci' });
    dialect.useServer(featuresOf('10.11.19-MariaDB'));
    const ints = dialect.compile(select(many(70_000, (i) => i), 'integer'));
    expect(ints.sql).toBe(
      'SELECT * FROM `t` WHERE `c` IN (SELECT `ar_in_value` FROM (SELECT DISTINCT `ar_json_value` AS `ar_in_value` ' +
        "FROM JSON_TABLE(?, '$[*]' COLUMNS (`ar_json_value` BIGINT PATH '$')) AS `ar_json`) AS `ar_in`)",
    );
    expect(ints.params).toHaveLength(1);
    const strings = dialect.compile(select(many(300, (i) => `s${i}`), 'string', true));
    expect(strings.sql).toBe(
      'SELECT * FROM `t` WHERE (CASE WHEN `c` IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM (SELECT DISTINCT `ar_json_value` AS `ar_in_value` ' +
        "FROM JSON_TABLE(?, '$[*]' COLUMNS (`ar_json_value` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$')) AS `ar_json`) " +
        'AS `ar_in` WHERE `ar_in`.`ar_in_value` = `c`) THEN 0 ELSE 1 END) = 1',
    );
    const withNull = dialect.compile(select([...many(300, (i) => `s${i}`), null], 'string', true));
    expect(withNull.sql).toContain('THEN 0 ELSE NULL END) = 1');
    const times = dialect.compile(select(many(300, (i) => new Date(Date.UTC(2024, 0, 1, 0, 0, i))), 'datetime'));
    expect(JSON.parse(times.params[0] as string)[5]).toBe('2024-01-01 00:00:05.000');
    // json has no equality: such a list keeps its placeholders.
    expect(dialect.compile(select(many(300, (i) => ({ i })), 'json')).params).toHaveLength(300);
  });
});
