import type { ColumnType } from '../column-types';
import { Dialect, type ValueReader } from '../dialect';
import { ISOLATION_LEVELS, type BeginOptions, type IsolationLevel, type SqliteBeginMode } from '../transaction-options';

const SQLITE_BEGIN_MODES: readonly SqliteBeginMode[] = ['deferred', 'immediate', 'exclusive'];
import { toBigInt, toInstant, toWellFormed } from '../value-conversion';
import type { ColumnDefinition } from '../../schema/table-definition';
import type { AggregateNode, CompiledQuery, ConditionNode, OrderNode, RowLockNode } from '../../query/nodes';
import type { ExplainPlan } from '../../query/sql-compiler';
import type { SchemaSupport } from '../schema-support';
import { DECIMAL_AGGREGATES } from './decimal-aggregates';
import { sqliteSchemaSupport } from './schema-support';
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

  /**
   * No row locks: SQLite locks the whole database. A read-write transaction begins IMMEDIATE
   * (see beginTransaction), so it holds the write lock from its first statement and no other
   * connection can change the rows it read before it commits: what FOR UPDATE asks for.
   */
  protected override compileLock(_lock: RowLockNode): string {
    return '';
  }

  /**
   * Decimals are TEXT here, which SQLite's own SUM, AVG, MIN and MAX would read as floats (or
   * compare as text): the backend registers exact versions (decimal-aggregates.ts). The scale
   * comes from model metadata (an integer checked by @Column), never from request data.
   */
  protected override compileAggregate(node: AggregateNode, params: unknown[]): string {
    if (node.argument?.type !== 'decimal' || node.fn === 'count') return super.compileAggregate(node, params);
    const scale = Number.isSafeInteger(node.scale) && node.scale! >= 0 ? node.scale! : 0;
    return `${DECIMAL_AGGREGATES[node.fn]}(${node.distinct ? 'DISTINCT ' : ''}${this.column(node.argument)}, ${scale})`;
  }

  /** A decimal aggregate (TEXT) is compared as a number in HAVING, not as text. */
  protected override compileCondition(node: ConditionNode, params: unknown[]): string {
    if (node.kind === 'expression' && node.type === 'decimal') {
      return `CAST(${this.compileExpression(node.expression, params)} AS REAL) ${node.op} CAST(${this.bind(params, node.value, node.type)} AS REAL)`;
    }
    return super.compileCondition(node, params);
  }

  /** Ordering by a decimal aggregate (TEXT) orders by its number, not its text. */
  protected override orderTerm(order: OrderNode): string {
    if ('expression' in order && order.expression.kind === 'aggregate' && order.expression.argument?.type === 'decimal' && order.expression.fn !== 'count') {
      return `CAST(${this.compileExpression(order.expression, [])} AS REAL)`;
    }
    return super.orderTerm(order);
  }

  /** `EXPLAIN QUERY PLAN`, its rows indented as the tree they describe. */
  override explain(query: CompiledQuery): ExplainPlan {
    return {
      statements: [{ sql: `EXPLAIN QUERY PLAN ${query.sql}`, params: query.params }],
      planStatement: 0,
      format: (rows) => {
        const depth = new Map<unknown, number>();
        return rows
          .map((row) => {
            const level = (depth.get(row.parent) ?? -1) + 1;
            depth.set(row.id, level);
            return `${'  '.repeat(level)}${String(row.detail)}`;
          })
          .join('\n');
      },
    };
  }

  protected override primaryKeyClause(column: ColumnDefinition): string {
    // AUTOINCREMENT keeps SQLite from reusing the id of a deleted last row.
    return column.autoIncrement ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY NOT NULL';
  }

  protected override literal(type: ColumnType, value: string | number | boolean | null): string {
    if (typeof value === 'boolean') return value ? '1' : '0';
    return super.literal(type, value);
  }

  private schema?: SchemaSupport;

  override schemaSupport(): SchemaSupport {
    return (this.schema ??= sqliteSchemaSupport(this));
  }

  override beginTransaction(options: BeginOptions = {}): string[] {
    // IMMEDIATE takes the write lock up front, so two processes sharing the file cannot both
    // read and then deadlock on upgrading to write (SQLITE_BUSY mid-transaction).
    const mode = options.sqliteBegin ?? (options.readOnly ? 'deferred' : 'immediate');
    if (!SQLITE_BEGIN_MODES.includes(mode)) throw new TypeError(`sqliteBegin must be one of ${SQLITE_BEGIN_MODES.join(', ')}`);
    return [`BEGIN ${mode.toUpperCase()}`];
  }
}
