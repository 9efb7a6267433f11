import type { ColumnType } from '../column-types';
import { Dialect, type ValueReader } from '../dialect';
import { ISOLATION_LEVELS, type BeginOptions, type IsolationLevel } from '../transaction-options';
import { toBigInt, toInstant, toWellFormed } from '../value-conversion';
import type { ColumnDefinition } from '../../schema/table-definition';
import { SQLITE_READERS, sqliteColumnType } from './types';
import type { ColumnRef } from '../../query/nodes';
import { jsonArrayParameter } from '../json-array-parameter';

export class SqliteDialect extends Dialect {
  readonly name: string = 'sqlite';
  readonly supportsReturning = true;
  /** Binds every value through toDriverValue, in tree order (see SqlCompiler.stableShapes). */
  override readonly stableShapes = true;
  /**
   * The library's SQLite tables store bound values as they are (TEXT, INTEGER, REAL and BLOB
   * columns; decimals as TEXT), so an insert reads nothing back it does not already know.
   */
  override storesExactly(): boolean {
    return true;
  }
  /** SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32. */
  override readonly maxParameters = 32766;
  /** Longer IN lists bind as one JSON array read by json_each (see compileIn). */
  override readonly maxInListValues = 200;
  /**
   * Every SQLite transaction is SERIALIZABLE, which gives at least what each weaker level
   * promises: asking for any level gets that (stronger, never weaker) behaviour.
   */
  readonly isolationLevels: readonly IsolationLevel[] = ISOLATION_LEVELS;

  quoteIdentifier(name: string): string {
    return '"' + name.replace(/"/g, '""') + '"';
  }

  placeholder(): string {
    return '?';
  }

  columnType(column: ColumnDefinition): string {
    return sqliteColumnType(column);
  }

  valueReader(type: ColumnType): ValueReader | undefined {
    return SQLITE_READERS[type];
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
        // SQLite stores -0 as 0: bind what will be stored, so an insert knows it without reading back.
        return value === 0 ? 0 : value;
      case 'boolean':
        return value ? 1 : 0;
      case 'datetime':
        return toInstant(value).toISOString();
      case 'bigint':
        return toBigInt(value);
      default:
        return super.toDriverValue(type, value);
    }
  }

  /** better-sqlite3 binds only numbers, strings, bigints, Buffers and null. */
  protected override untypedToDriver(value: unknown): unknown {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Uint8Array || typeof value !== 'object') return value;
    return JSON.stringify(value);
  }

  /**
   * A long IN list as one JSON array parameter: `IN (SELECT value FROM json_each(?))`. SQLite
   * applies the column's affinity to the subquery's values as it does to a list, NOT IN keeps
   * its NULL semantics, and the statement is the same whatever the length (past 32,766 values
   * a list of placeholders cannot be prepared at all). Blobs travel as hex.
   */
  protected override compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    if (values.length <= this.maxInListValues) return super.compileIn(column, values, negated, params);
    params.push(jsonArrayParameter(values.map((value) => this.toDriverValue(column.type, value))));
    const value = column.type === 'binary' ? 'unhex("value")' : '"value"';
    return `${this.column(column)} ${negated ? 'NOT IN' : 'IN'} (SELECT ${value} FROM json_each(${this.placeholder()}))`;
  }

  protected override compileLimitOffset(
    node: { limit?: number; offset?: number },
    params: unknown[],
  ): string {
    // SQLite accepts OFFSET only after a LIMIT; -1 means "no limit".
    if (node.offset !== undefined && node.limit === undefined) {
      return ` LIMIT -1 OFFSET ${this.bind(params, node.offset)}`;
    }
    return super.compileLimitOffset({ ...node, orderBy: [] }, params);
  }

  protected override primaryKeyClause(column: ColumnDefinition): string {
    // AUTOINCREMENT keeps SQLite from reusing the id of a deleted last row.
    return column.autoIncrement ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY NOT NULL';
  }

  protected override literal(type: ColumnType, value: string | number | boolean | null): string {
    if (typeof value === 'boolean') return value ? '1' : '0';
    return super.literal(type, value);
  }

  override beginTransaction(options: BeginOptions = {}): string[] {
    // IMMEDIATE takes the write lock up front, so two processes sharing the file cannot both
    // read and then deadlock on upgrading to write (SQLITE_BUSY mid-transaction).
    return [options.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE'];
  }
}
