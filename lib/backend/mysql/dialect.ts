import type { ColumnDefault, ColumnDefinition, TableDefinition } from '../../schema/table-definition';
import type { ColumnRef, ConflictClause, InsertNode, RowLockNode } from '../../query/nodes';
import { jsonArrayParameter } from '../json-array-parameter';
import type { ColumnType } from '../column-types';
import { Dialect, type ValueReader } from '../dialect';
import { ISOLATION_LEVELS, type BeginOptions, type IsolationLevel } from '../transaction-options';
import { toBigInt, toBuffer, toInstant, toWellFormed } from '../value-conversion';
import { assumedFeatures, type MysqlServerFeatures } from './server-info';
import { formatWallClock, UTC, type FixedOffset } from './time-zone';
import type { SchemaSupport } from '../schema-support';
import { mysqlSchemaSupport } from './schema-support';
import { EXPRESSION_DEFAULT_TYPES, mysqlColumnType, mysqlReaders } from './types';

export interface MysqlDialectSettings {
  /** The configured backend name; the server's own answer replaces it at open. */
  readonly flavour?: 'mysql' | 'mariadb';
  /** Offset `datetime` values are stored in; default UTC. */
  readonly timezone?: FixedOffset;
  /** Table defaults written by CREATE TABLE. */
  readonly charset?: string;
  readonly collation?: string;
}

/**
 * JSON_TABLE column types for a long IN list, by logical type ('TEXT': a string in the
 * connection's collation). JSON has no equality to test against, so json columns keep a
 * placeholder per value; binary values travel as hex.
 */
const JSON_TABLE_TYPES: Partial<Record<ColumnType, string>> = {
  integer: 'BIGINT',
  bigint: 'BIGINT',
  float: 'DOUBLE',
  decimal: 'DECIMAL(65, 30)',
  boolean: 'TINYINT',
  string: 'TEXT',
  text: 'TEXT',
  uuid: 'TEXT',
  date: 'DATE',
  datetime: 'DATETIME(6)',
  // Hex text (decoded by UNHEX); a LONGTEXT here loses rows under DISTINCT on MariaDB 10.11.
  binary: 'VARCHAR(16000) CHARACTER SET ascii',
};

/** MySQL's `LIMIT` has no "all": the largest BIGINT UNSIGNED is the documented stand-in. */
const NO_LIMIT = '18446744073709551615';

/**
 * MySQL and MariaDB: backtick quoting, `?` placeholders, `ON DUPLICATE KEY UPDATE` upserts,
 * RETURNING where the server has it (MariaDB 10.5+). One class for both: the differences are
 * features of the connected server, which `useServer` sets once the backend has asked.
 */
export class MysqlDialect extends Dialect {
  /** MySQL's limit on placeholders in one prepared statement. */
  override readonly maxParameters = 65535;
  /** Binds every value through toDriverValue, in tree order (see SqlCompiler.stableShapes). */
  override readonly stableShapes = true;

  /**
   * Every column type the library creates stores what is bound, except DECIMAL, which rounds to
   * its scale ('12.3' reads back as '12.30'). Strict mode refuses values that would not fit.
   */
  override storesExactly(type: ColumnType): boolean {
    return type !== 'decimal';
  }
  readonly isolationLevels: readonly IsolationLevel[] = ISOLATION_LEVELS;

  private features: MysqlServerFeatures;
  private readonly offset: FixedOffset;
  private readonly charset: string;
  private readonly collation: string;
  private readonly readers: Partial<Record<ColumnType, ValueReader>>;

  constructor(settings: MysqlDialectSettings = {}) {
    super();
    this.features = assumedFeatures(settings.flavour ?? 'mysql');
    this.offset = settings.timezone ?? UTC;
    this.charset = settings.charset ?? 'utf8mb4';
    this.collation = settings.collation ?? `${this.charset}_bin`;
    this.readers = mysqlReaders(this.offset);
  }

  get name(): string {
    return this.features.flavour;
  }

  /** RETURNING is decided by the server version, known after the first connect. */
  get supportsReturning(): boolean {
    return this.features.returning;
  }

  get server(): MysqlServerFeatures {
    return this.features;
  }

  /** Adopt what the connected server supports (called by the backend when it opens). */
  useServer(features: MysqlServerFeatures): void {
    this.features = features;
    this.maxInListValues = features.jsonTable ? 200 : Infinity;
  }

  quoteIdentifier(name: string): string {
    if (name.includes('\0')) throw new TypeError('a MySQL identifier cannot contain a NUL character');
    return name.includes('`') ? '`' + name.replace(/`/g, '``') + '`' : '`' + name + '`';
  }

  placeholder(): string {
    return '?';
  }

  columnType(column: ColumnDefinition): string {
    return mysqlColumnType(column);
  }

  valueReader(type: ColumnType): ValueReader | undefined {
    return this.readers[type];
  }

  override toDriverValue(type: ColumnType | undefined, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (type) {
      case 'string':
      case 'text':
        // Stored as UTF-8, where a lone surrogate becomes U+FFFD: bind what will be stored.
        return typeof value === 'string' ? toWellFormed(value) : String(value);
      case 'integer':
      case 'float':
        // MySQL and MariaDB store -0 as 0: bind what will be stored (see storesExactly).
        return value === 0 ? 0 : value;
      case 'bigint':
        // Bound as a 64-bit integer (see session.ts), never through a float or a string comparison.
        return toBigInt(value);
      case 'datetime':
        // mysql2 writes a Date's wall clock in the connection's offset, the one readers use.
        return toInstant(value);
      default:
        return super.toDriverValue(type, value);
    }
  }

  /** Raw-query values: objects and arrays travel as JSON text (MariaDB refuses mysql2's JSON bind type). */
  protected override untypedToDriver(value: unknown): unknown {
    if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
    if (value instanceof Uint8Array) return toBuffer(value);
    return JSON.stringify(value);
  }

  // ---- queries ---------------------------------------------------------------------------

  /** Long IN lists bind as one JSON array (compileIn) where the server has JSON_TABLE (set by useServer). */
  override maxInListValues = Infinity;

  /**
   * A long IN list as one JSON array parameter read by JSON_TABLE, typed like the column:
   * prepared statements (which the library uses for every statement with values) stop at
   * 65,535 placeholders, and each length would be a prepared statement of its own. Strings are
   * compared in the connection's character set and collation, the ones the library's tables use.
   *
   * The values go through a DISTINCT derived table, which the server materializes with an index
   * (a bare JSON_TABLE subquery in an UPDATE or DELETE is re-read for every row). NOT IN is
   * written as NOT EXISTS inside a CASE that keeps NOT IN's answers for NULLs (x NOT IN a list
   * holding NULL is never true; NULL NOT IN anything is unknown): a NOT IN subquery must stay
   * NULL-aware, and MariaDB then scans the whole list for every row (measured: 35 s to delete
   * 19,000 of 20,000 rows against a list of 71,000, 85 ms this way).
   */
  protected override compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    const type = column.type === undefined ? undefined : JSON_TABLE_TYPES[column.type];
    if (values.length <= this.maxInListValues || type === undefined) return super.compileIn(column, values, negated, params);
    let hasNull = false;
    const converted = values.map((value) => {
      const driver = this.toDriverValue(column.type, value);
      if (driver === null) hasNull = true;
      return driver instanceof Date ? formatWallClock(driver, this.offset) : driver;
    });
    params.push(jsonArrayParameter(converted));
    const sqlType = type === 'TEXT' ? `LONGTEXT CHARACTER SET ${this.charset} COLLATE ${this.collation}` : type;
    const read = column.type === 'binary' ? 'UNHEX(`ar_json_value`)' : '`ar_json_value`';
    const list =
      `(SELECT DISTINCT ${read} AS \`ar_in_value\` FROM JSON_TABLE(${this.placeholder()}, '$[*]' ` +
      `COLUMNS (\`ar_json_value\` ${sqlType} PATH '$')) AS \`ar_json\`) AS \`ar_in\``;
    const target = this.column(column);
    if (!negated) return `${target} IN (SELECT \`ar_in_value\` FROM ${list})`;
    const found = `EXISTS (SELECT 1 FROM ${list} WHERE \`ar_in\`.\`ar_in_value\` = ${target})`;
    return `(CASE WHEN ${target} IS NULL THEN NULL WHEN ${found} THEN 0 ELSE ${hasNull ? 'NULL' : '1'} END) = 1`;
  }

  /**
   * MySQL reacts to a collision on any unique key (the target only documents intent). "Do
   * nothing" assigns a key column to itself: unlike INSERT IGNORE, it does not also turn NOT
   * NULL, foreign key, check and truncation errors into warnings.
   */
  protected override compileOnConflict(clause: ConflictClause): string {
    if (clause.update.length === 0) {
      const column = this.quoteIdentifier(clause.target[0]!);
      return ` ON DUPLICATE KEY UPDATE ${column} = ${column}`;
    }
    if (this.features.rowAlias) {
      // VALUES(col) is deprecated since MySQL 8.0.20; the row alias replaces it. The alias may
      // not equal the table's name, hence one no schema is likely to use.
      const alias = this.quoteIdentifier('ar_new_row');
      const set = clause.update.map((c) => `${this.quoteIdentifier(c)} = ${alias}.${this.quoteIdentifier(c)}`);
      return ` AS ${alias} ON DUPLICATE KEY UPDATE ${set.join(', ')}`;
    }
    const set = clause.update.map((c) => `${this.quoteIdentifier(c)} = VALUES(${this.quoteIdentifier(c)})`);
    return ` ON DUPLICATE KEY UPDATE ${set.join(', ')}`;
  }

  /** A backslash without a string literal, whose meaning would depend on NO_BACKSLASH_ESCAPES. */
  protected override likeEscape(): string {
    return 'CHAR(92 USING utf8mb4)';
  }

  protected override compileInsertDefaults(node: InsertNode): string {
    return `INSERT INTO ${this.quoteIdentifier(node.table)} () VALUES ()${this.compileReturning(node.returning)}`;
  }

  protected override compileLimitOffset(node: { limit?: number; offset?: number }, params: unknown[]): string {
    if (node.offset !== undefined && node.limit === undefined) {
      return ` LIMIT ${NO_LIMIT} OFFSET ${this.bind(params, node.offset)}`;
    }
    return super.compileLimitOffset({ ...node, orderBy: [] }, params);
  }

  /**
   * `FOR UPDATE`, and for shared locks MariaDB's `LOCK IN SHARE MODE` or MySQL 8's `FOR SHARE`;
   * NOWAIT and SKIP LOCKED need MySQL 8.0 or MariaDB 10.6. Joined tables' rows are locked too
   * (MariaDB has no `OF`).
   */
  protected override compileLock(lock: RowLockNode): string {
    const clause = lock.mode === 'update' ? ' FOR UPDATE' : this.features.flavour === 'mariadb' ? ' LOCK IN SHARE MODE' : ' FOR SHARE';
    return clause + this.lockWait(lock);
  }

  // ---- DDL -------------------------------------------------------------------------------

  override compileCreateTable(table: TableDefinition, options: { ifNotExists?: boolean } = {}): string {
    // InnoDB for transactions and foreign keys; the collation is explicit so that comparisons
    // do not depend on the server's defaults.
    return (
      super.compileCreateTable(table, options) +
      ` ENGINE=InnoDB DEFAULT CHARSET=${this.charset} COLLATE=${this.collation}`
    );
  }

  protected override primaryKeyClause(column: ColumnDefinition): string {
    return column.autoIncrement ? 'AUTO_INCREMENT PRIMARY KEY' : 'PRIMARY KEY';
  }

  protected override literal(type: ColumnType, value: ColumnDefault): string {
    if (value === null) return 'NULL';
    let sql: string;
    switch (type) {
      case 'boolean':
        sql = this.toDriverValue(type, value) ? '1' : '0';
        break;
      case 'bigint':
        sql = toBigInt(value).toString();
        break;
      case 'decimal':
        // toDecimalString has checked it is a plain number: safe to write unquoted.
        sql = String(this.toDriverValue(type, value));
        break;
      case 'datetime':
        sql = this.quoteString(formatWallClock(toInstant(value), this.offset));
        break;
      default:
        sql = super.literal(type, value);
    }
    return EXPRESSION_DEFAULT_TYPES.has(type) ? `(${sql})` : sql;
  }

  /**
   * A string literal for DDL. Whether a backslash escapes depends on the session's sql_mode
   * (NO_BACKSLASH_ESCAPES), so a string holding one is written as hex with a character set
   * introducer, which reads the same in every mode.
   */
  protected override quoteString(value: string): string {
    if (value.includes('\0')) throw new TypeError('a default cannot contain a NUL character');
    if (value.includes('\\')) return `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
    return `'${value.replace(/'/g, "''")}'`;
  }

  private schema?: SchemaSupport;

  override schemaSupport(): SchemaSupport {
    return (this.schema ??= mysqlSchemaSupport(this));
  }

  // ---- transactions ----------------------------------------------------------------------

  /** `SET TRANSACTION` (no SESSION) applies to the next transaction only, on this connection. */
  override beginTransaction(options: BeginOptions = {}): string[] {
    const statements: string[] = [];
    if (options.isolation) {
      if (!ISOLATION_LEVELS.includes(options.isolation)) throw new TypeError(`unknown isolation level`);
      statements.push(`SET TRANSACTION ISOLATION LEVEL ${options.isolation}`);
    }
    statements.push(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    return statements;
  }
}
