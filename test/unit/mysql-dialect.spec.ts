import { MysqlDialect, type ColumnDefinition, type QueryNode, type TableDefinition } from 'nestjs-activerecord';
import { featuresOf } from '../../lib/backend/mysql/server-info';
import { parseFixedOffset } from '../../lib/backend/mysql/time-zone';

type Select = Extract<QueryNode, { kind: 'select' }>;
const col = (name: string, type?: ColumnDefinition['type']) => ({ name, type });
const select = (extra: Partial<Select> = {}): Select => ({ kind: 'select', table: 'users', columns: ['id', 'name'], orderBy: [], ...extra });

const mysql = () => new MysqlDialect({ flavour: 'mysql' });
const mysql8 = () => {
  const dialect = new MysqlDialect({ flavour: 'mysql' });
  dialect.useServer(featuresOf('8.0.36'));
  return dialect;
};
const mariadb = () => {
  const dialect = new MysqlDialect({ flavour: 'mariadb' });
  dialect.useServer(featuresOf('10.11.19-MariaDB-0+deb12u1'));
  return dialect;
};

describe('MysqlDialect golden SQL', () => {
  const dialect = mysql();

  it.each<[string, QueryNode, string, unknown[]]>([
    ['select all', select({ columns: [] }), 'SELECT * FROM `users`', []],
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
            {
              kind: 'or',
              items: [
                { kind: 'compare', column: col('flag', 'boolean'), op: '=', value: true },
                { kind: 'not', item: { kind: 'compare', column: col('x'), op: '<>', value: 'y' } },
              ],
            },
          ],
        },
      }),
      'SELECT `id`, `name` FROM `users` WHERE (`age` >= ? AND `status` IN (?, ?) AND `id` NOT IN (?) AND `score` BETWEEN ? AND ? ' +
        'AND `email` IS NULL AND `phone` IS NOT NULL AND `name` LIKE ? ESCAPE CHAR(92 USING utf8mb4) AND `name` NOT LIKE ? ESCAPE CHAR(92 USING utf8mb4) AND (`flag` = ? OR NOT (`x` <> ?)))',
      [18, 'a', 'b', 3, 1, 9, 'A%', '%z', true, 'y'],
    ],
    ['empty IN', select({ where: { kind: 'in', column: col('id'), values: [], negated: false } }), 'SELECT `id`, `name` FROM `users` WHERE 1 = 0', []],
    [
      'order, limit, offset',
      select({ orderBy: [{ column: 'name', direction: 'asc' }, { column: 'id', direction: 'desc' }], limit: 10, offset: 20 }),
      'SELECT `id`, `name` FROM `users` ORDER BY `name` ASC, `id` DESC LIMIT ? OFFSET ?',
      [10, 20],
    ],
    ['offset without limit', select({ offset: 5 }), 'SELECT `id`, `name` FROM `users` LIMIT 18446744073709551615 OFFSET ?', [5]],
    ['count of a page', { kind: 'count', source: select({ limit: 5 }) }, 'SELECT COUNT(*) AS `count` FROM (SELECT * FROM `users` LIMIT ?) `page`', [5]],
    ['exists', { kind: 'exists', source: select() }, 'SELECT 1 AS `found` FROM `users` LIMIT ?', [1]],
    [
      'multi-row insert, no RETURNING before the server is known',
      { kind: 'insert', table: 'users', columns: [col('name', 'string'), col('active', 'boolean')], rows: [['a', true], ['b', false]], returning: ['id'] },
      'INSERT INTO `users` (`name`, `active`) VALUES (?, ?), (?, ?)',
      ['a', true, 'b', false],
    ],
    ['insert of defaults', { kind: 'insert', table: 'users', columns: [], rows: [[]], returning: ['id'] }, 'INSERT INTO `users` () VALUES ()', []],
    [
      'upsert with VALUES() (MariaDB, MySQL before 8.0.19)',
      { kind: 'insert', table: 'users', columns: [col('email'), col('name')], rows: [['e', 'n']], onConflict: { target: ['email'], update: ['name'] } },
      'INSERT INTO `users` (`email`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)',
      ['e', 'n'],
    ],
    [
      'upsert doing nothing assigns the key to itself (not INSERT IGNORE)',
      { kind: 'insert', table: 'users', columns: [col('email')], rows: [['e']], onConflict: { target: ['email'], update: [] } },
      'INSERT INTO `users` (`email`) VALUES (?) ON DUPLICATE KEY UPDATE `email` = `email`',
      ['e'],
    ],
    [
      'update',
      { kind: 'update', table: 'users', set: [[col('name', 'string'), 'x'], [col('n', 'integer'), 2]], where: { kind: 'compare', column: col('id'), op: '=', value: 1 } },
      'UPDATE `users` SET `name` = ?, `n` = ? WHERE `id` = ?',
      ['x', 2, 1],
    ],
    ['delete', { kind: 'delete', table: 'users' }, 'DELETE FROM `users`', []],
  ])('%s', (_title, node, sql, params) => {
    expect(dialect.compile(node)).toEqual({ sql, params });
  });

  it('quotes identifiers so that any name is taken literally', () => {
    expect(dialect.quoteIdentifier('plain')).toBe('`plain`');
    expect(dialect.quoteIdentifier('a`b')).toBe('`a``b`');
    expect(dialect.quoteIdentifier('`; DROP TABLE users; --')).toBe('```; DROP TABLE users; --`');
    expect(dialect.quoteIdentifier('say "hi" [now]')).toBe('`say "hi" [now]`');
    expect(() => dialect.quoteIdentifier('nul\0byte')).toThrow(/NUL/);
    expect(dialect.placeholder()).toBe('?');
  });

  it('converts values to what mysql2 binds', () => {
    const at = new Date('2024-03-31T01:59:59.123Z');
    expect(dialect.toDriverValue('bigint', '9223372036854775807')).toBe(9223372036854775807n);
    expect(dialect.toDriverValue('bigint', 5)).toBe(5n);
    expect(dialect.toDriverValue('datetime', '2024-03-31T01:59:59.123Z')).toEqual(at);
    expect(dialect.toDriverValue('decimal', 12.5)).toBe('12.5');
    expect(dialect.toDriverValue('date', new Date('2024-02-29T00:00:00Z'))).toBe('2024-02-29');
    expect(dialect.toDriverValue('json', { a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(dialect.toDriverValue('json', 'text')).toBe('"text"');
    expect(dialect.toDriverValue('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(dialect.toDriverValue(undefined, { a: 1 })).toBe('{"a":1}');
    expect(dialect.toDriverValue(undefined, [1, 2])).toBe('[1,2]');
    expect(dialect.toDriverValue(undefined, at)).toBe(at);
    expect(Buffer.isBuffer(dialect.toDriverValue(undefined, new Uint8Array([1, 2])))).toBe(true);
    expect(dialect.toDriverValue('integer', null)).toBeNull();
    expect(() => dialect.toDriverValue('bigint', 1.5)).toThrow(TypeError);
  });

  it('reads driver values into the logical types', () => {
    expect(dialect.fromDriverValue('bigint', '-9223372036854775808')).toBe(-9223372036854775808n);
    expect(dialect.fromDriverValue('bigint', 42)).toBe(42n);
    expect(dialect.fromDriverValue('boolean', 1)).toBe(true);
    expect(dialect.fromDriverValue('boolean', 0)).toBe(false);
    expect(dialect.fromDriverValue('decimal', '0.1000')).toBe('0.1000');
    expect(dialect.fromDriverValue('date', '1969-12-31')).toBe('1969-12-31');
    expect(dialect.fromDriverValue('datetime', '2024-03-31 01:59:59.123')).toEqual(new Date('2024-03-31T01:59:59.123Z'));
    expect(dialect.fromDriverValue('json', '"text"')).toBe('text');
    expect(dialect.fromDriverValue('json', '{"a":null}')).toEqual({ a: null });
    expect(dialect.fromDriverValue('integer', 7)).toBe(7);
    expect(dialect.fromDriverValue('json', null)).toBeNull();
  });

  it('reads wall-clock datetimes in the configured offset', () => {
    const offset = new MysqlDialect({ timezone: parseFixedOffset('+02:00') });
    expect(offset.fromDriverValue('datetime', '2024-03-31 03:59:59.123')).toEqual(new Date('2024-03-31T01:59:59.123Z'));
  });
});

describe('MysqlDialect: what depends on the server', () => {
  it('reads flavour and version from VERSION()', () => {
    expect(featuresOf('10.11.19-MariaDB-0+deb12u1')).toEqual({ flavour: 'mariadb', version: '10.11.19', returning: true, rowAlias: false, jsonTable: true });
    expect(featuresOf('5.5.5-10.4.32-MariaDB')).toEqual({ flavour: 'mariadb', version: '10.4.32', returning: false, rowAlias: false, jsonTable: false });
    expect(featuresOf('10.5.0-MariaDB').returning).toBe(true);
    expect(featuresOf('8.0.36')).toEqual({ flavour: 'mysql', version: '8.0.36', returning: false, rowAlias: true, jsonTable: true });
    expect(featuresOf('8.0.18-log').rowAlias).toBe(false);
    expect(featuresOf('5.7.44').flavour).toBe('mysql');
    expect(featuresOf('9.1.0').rowAlias).toBe(true);
  });

  it('adds RETURNING on MariaDB 10.5+, never on MySQL', () => {
    const insert: QueryNode = { kind: 'insert', table: 't', columns: [col('a', 'string')], rows: [['x']], returning: ['id', 'a'] };
    expect(mariadb().supportsReturning).toBe(true);
    expect(mariadb().compile(insert).sql).toBe('INSERT INTO `t` (`a`) VALUES (?) RETURNING `id`, `a`');
    expect(mariadb().compile({ kind: 'insert', table: 't', columns: [], rows: [[]], returning: ['id'] }).sql).toBe(
      'INSERT INTO `t` () VALUES () RETURNING `id`',
    );
    expect(mysql8().supportsReturning).toBe(false);
    expect(mysql8().compile(insert).sql).toBe('INSERT INTO `t` (`a`) VALUES (?)');
    expect(mariadb().name).toBe('mariadb');
    expect(mysql8().name).toBe('mysql');
  });

  it('uses the row alias for upserts on MySQL 8.0.19+', () => {
    const upsert: QueryNode = {
      kind: 'insert',
      table: 'users',
      columns: [col('email'), col('name'), col('age')],
      rows: [['e', 'n', 1]],
      onConflict: { target: ['email'], update: ['name', 'age'] },
    };
    expect(mysql8().compile(upsert).sql).toBe(
      'INSERT INTO `users` (`email`, `name`, `age`) VALUES (?, ?, ?) AS `ar_new_row` ON DUPLICATE KEY UPDATE `name` = `ar_new_row`.`name`, `age` = `ar_new_row`.`age`',
    );
    expect(mariadb().compile(upsert).sql).toBe(
      'INSERT INTO `users` (`email`, `name`, `age`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `age` = VALUES(`age`)',
    );
  });
});

describe('MysqlDialect DDL', () => {
  const base = { nullable: true, primary: false, autoIncrement: false, unique: false };
  const column = (name: string, type: ColumnDefinition['type'], extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({
    ...base,
    name,
    type,
    ...extra,
  });

  it('creates InnoDB tables with every type, keys, defaults and foreign keys', () => {
    const table: TableDefinition = {
      name: 'samples',
      columns: [
        column('id', 'integer', { primary: true, autoIncrement: true, nullable: false }),
        column('label', 'string', { length: 20, nullable: false, default: "it's" }),
        column('body', 'text', { default: 'long' }),
        column('big', 'bigint', { default: '9007199254740993' }),
        column('ratio', 'float', { default: 0.5 }),
        column('amount', 'decimal', { precision: 20, scale: 4, default: '12.3000' }),
        column('flag', 'boolean', { nullable: false, default: true }),
        column('day', 'date', { default: '2024-02-29' }),
        column('at', 'datetime', { default: '2024-03-31T01:59:59.123Z' }),
        column('data', 'json', { default: 'on' }),
        column('blob', 'binary'),
        column('ref', 'uuid', { unique: true }),
        column('owner_id', 'integer', { nullable: false, references: { table: 'owners', column: 'id', onDelete: 'cascade' } }),
      ],
    };
    expect(mysql().compileCreateTable(table, { ifNotExists: true })).toBe(
      [
        'CREATE TABLE IF NOT EXISTS `samples` (',
        '  `id` INT AUTO_INCREMENT PRIMARY KEY,',
        "  `label` VARCHAR(20) NOT NULL DEFAULT 'it''s',",
        "  `body` LONGTEXT DEFAULT ('long'),",
        '  `big` BIGINT DEFAULT 9007199254740993,',
        '  `ratio` DOUBLE DEFAULT 0.5,',
        '  `amount` DECIMAL(20, 4) DEFAULT 12.3000,',
        '  `flag` TINYINT(1) NOT NULL DEFAULT 1,',
        "  `day` DATE DEFAULT '2024-02-29',",
        "  `at` DATETIME(3) DEFAULT '2024-03-31 01:59:59.123',",
        '  `data` JSON DEFAULT (\'"on"\'),',
        '  `blob` LONGBLOB,',
        '  `ref` CHAR(36) UNIQUE,',
        '  `owner_id` INT NOT NULL,',
        '  FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE CASCADE',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      ].join('\n'),
    );
  });

  it('writes defaults with a backslash as hex, so sql_mode cannot change them', () => {
    const sql = mysql().compileCreateTable({ name: 't', columns: [column('path', 'string', { default: 'C:\\dir' })] });
    expect(sql).toContain(`\`path\` VARCHAR(255) DEFAULT _utf8mb4 X'${Buffer.from('C:\\dir').toString('hex')}'`);
  });

  it('writes datetime defaults in the configured offset, and the table collation as configured', () => {
    const dialect = new MysqlDialect({ timezone: parseFixedOffset('-05:30'), charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' });
    const sql = dialect.compileCreateTable({ name: 't', columns: [column('at', 'datetime', { default: '2024-01-01T00:00:00.000Z' })] });
    expect(sql).toContain("`at` DATETIME(3) DEFAULT '2023-12-31 18:30:00.000'");
    expect(sql).toMatch(/COLLATE=utf8mb4_unicode_ci$/);
  });

  it('refuses keys that MySQL cannot index, naming the column', () => {
    expect(() => mysql().compileCreateTable({ name: 't', columns: [column('notes', 'text', { unique: true })] })).toThrow(/'notes'.*string/);
    expect(mysql().compileCreateTable({ name: 't', columns: [column('hash', 'binary', { unique: true, length: 32 })] })).toContain(
      '`hash` VARBINARY(32) UNIQUE',
    );
  });

  it('drops tables', () => {
    expect(mysql().compileDropTable('a`b', { ifExists: true })).toBe('DROP TABLE IF EXISTS `a``b`');
  });
});

describe('MysqlDialect transactions', () => {
  const dialect = mysql();

  it('sets the isolation level for the next transaction only, then starts it', () => {
    expect(dialect.beginTransaction()).toEqual(['START TRANSACTION']);
    expect(dialect.beginTransaction({ isolation: 'SERIALIZABLE' })).toEqual(['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION']);
    expect(dialect.beginTransaction({ isolation: 'READ COMMITTED', readOnly: true })).toEqual([
      'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'START TRANSACTION READ ONLY',
    ]);
    expect(dialect.isolationLevels).toEqual(['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE']);
    expect(() => dialect.beginTransaction({ isolation: 'SNAPSHOT; DROP TABLE x' as never })).toThrow(TypeError);
  });

  it('quotes savepoint names', () => {
    expect(dialect.createSavepoint('sp`1')).toBe('SAVEPOINT `sp``1`');
    expect(dialect.rollbackToSavepoint('sp1')).toBe('ROLLBACK TO SAVEPOINT `sp1`');
    expect(dialect.releaseSavepoint('sp1')).toBe('RELEASE SAVEPOINT `sp1`');
    expect(dialect.commitTransaction()).toBe('COMMIT');
    expect(dialect.rollbackTransaction()).toBe('ROLLBACK');
  });
});
