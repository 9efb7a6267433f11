import { TransactionError } from '../../errors';
import type { ColumnDefinition } from '../../schema/table-definition';
import type { ColumnType } from '../column-types';
import { Dialect, type ValueReader } from '../dialect';
import type { BeginOptions, IsolationLevel } from '../transaction-options';
import { toInstant } from '../value-conversion';
import type { SchemaSupport } from '../schema-support';
import { postgresSchemaSupport } from './schema-support';
import { POSTGRES_READERS, postgresColumnType } from './types';
import type { ColumnRef } from '../../query/nodes';
import { literalCount } from '../statement-limits';
import { PREPARED_TEXT_LIMIT } from './prepared-statements';

/**
 * PostgreSQL's SQL: double-quoted identifiers, `$1` placeholders, RETURNING, ON CONFLICT
 * (inherited from the standard compiler), LIMIT/OFFSET written into the text as checked
 * integers (see compileLimitOffset), long IN lists as one array parameter, native types.
 */
export class PostgresDialect extends Dialect {
  readonly name = 'postgres';
  readonly supportsReturning = true;
  /** Binds every value through toDriverValue, in tree order (see SqlCompiler.stableShapes). */
  override readonly stableShapes = true;
  /** The Bind message counts parameters in 16 bits. */
  override readonly maxParameters = 65535;
  /**
   * 500-row INSERTs are as fast per row as 1,000-row ones once prepared (measured), and their
   * prepared plan holds half the server memory per connection.
   */
  override readonly bulkInsertRows = 500;
  /**
   * Named statements longer than this are run unnamed (prepared-statements.ts): bulk-insert
   * chunks are sized to stay under it, so that they are parsed and planned once per connection.
   */
  override readonly maxPreparedLength = PREPARED_TEXT_LIMIT;
  /**
   * Longer IN lists bind as one array (compileIn): past a few hundred values a list of
   * placeholders costs more to send, parse and plan than the array, and each length would be a
   * prepared statement of its own.
   */
  override readonly maxInListValues = 200;
  /**
   * PostgreSQL accepts all four names, but READ UNCOMMITTED runs as READ COMMITTED (there are no
   * dirty reads in PostgreSQL). Only the levels it really provides are offered, as the SQLite
   * dialect does; asking for READ UNCOMMITTED is an error that says to ask for READ COMMITTED.
   * REPEATABLE READ is snapshot isolation (no phantoms either); SERIALIZABLE is SSI and can fail
   * with SerializationError, to be retried.
   */
  readonly isolationLevels: readonly IsolationLevel[] = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'];

  quoteIdentifier(name: string): string {
    return '"' + name.replace(/"/g, '""') + '"';
  }

  /**
   * LIMIT and OFFSET as literals, never as parameters. Model statements are named (prepared)
   * statements, and after five runs PostgreSQL may switch one to a generic plan, planned without
   * the parameters' values: with `LIMIT $3` it must guess the limit (10% of the estimated rows),
   * and for `... ORDER BY id LIMIT $3` it then walks the primary key and filters out nearly the
   * whole table where the custom plan read 100 rows through an index (measured: 7.4 ms against
   * 0.15 ms). A literal limit keeps the generic plan honest. The values are checked integers, so
   * the text they enter cannot carry anything else; each distinct limit is a statement of its own.
   */
  protected override compileLimitOffset(node: { limit?: number; offset?: number }, _params: unknown[]): string {
    let sql = '';
    if (node.limit !== undefined) sql += ` LIMIT ${literalCount(node.limit, 'LIMIT')}`;
    if (node.offset !== undefined) sql += ` OFFSET ${literalCount(node.offset, 'OFFSET')}`;
    return sql;
  }

  placeholder(index: number): string {
    return '$' + index;
  }

  columnType(column: ColumnDefinition): string {
    return postgresColumnType(column);
  }

  valueReader(type: ColumnType): ValueReader | undefined {
    return POSTGRES_READERS[type];
  }

  override toDriverValue(type: ColumnType | undefined, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    // An ISO-8601 instant with 'Z': pg would otherwise print a Date in the process's local time
    // zone (correct, but dependent on TZ and on pg's global defaults).
    if (type === 'datetime') return toInstant(value).toISOString();
    // pg sends numbers with toString(), which prints -0 as "0".
    if (type === 'float' && Object.is(value, -0)) return '-0';
    return super.toDriverValue(type, value);
  }

  /** Raw-query values: the same time-zone-free form for Dates; bigints as exact text. */
  protected override untypedToDriver(value: unknown): unknown {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
    if (typeof value === 'bigint') return value.toString();
    return value;
  }

  /** E'' reads the same whatever `standard_conforming_strings` says. */
  protected override likeEscape(): string {
    return "E'\\\\'";
  }

  protected override compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    if (values.length <= this.maxInListValues) return super.compileIn(column, values, negated, params);
    // One array parameter, whatever the length: `= ANY($1)` is what PostgreSQL makes of an IN
    // list anyway, the Bind message's 16-bit parameter count no longer limits it, and every
    // length shares one statement. NOT IN keeps its NULL semantics as `<> ALL`.
    const list = values.map((value) => this.toDriverValue(column.type, value));
    params.push(list);
    return `${this.column(column)} ${negated ? '<> ALL' : '= ANY'}(${this.placeholder(params.length)})`;
  }

  protected override primaryKeyClause(column: ColumnDefinition): string {
    // The SQL-standard identity column (PostgreSQL 10+): unlike SERIAL it owns its sequence and
    // is part of the column's definition. BY DEFAULT (not ALWAYS) so an explicit key can still
    // be inserted, as imports and fixtures need.
    return column.autoIncrement ? 'GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY' : 'PRIMARY KEY';
  }

  /**
   * A string literal in DDL that means the same whatever `standard_conforming_strings` is: a
   * value with a backslash uses the E'' form with the backslash escaped, which every setting
   * reads the same way.
   */
  protected override quoteString(value: string): string {
    if (value.includes('\0')) throw new TypeError('a default cannot contain a NUL character');
    const quoted = value.replace(/'/g, "''");
    return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
  }

  private schema?: SchemaSupport;

  override schemaSupport(): SchemaSupport {
    return (this.schema ??= postgresSchemaSupport(this));
  }

  override beginTransaction(options: BeginOptions = {}): string[] {
    const modes: string[] = [];
    if (options.isolation !== undefined) {
      // Checked, not just interpolated: the level becomes SQL text.
      if (!this.isolationLevels.includes(options.isolation)) {
        const hint =
          options.isolation === 'READ UNCOMMITTED'
            ? 'PostgreSQL runs READ UNCOMMITTED as READ COMMITTED; ask for READ COMMITTED'
            : `use one of ${this.isolationLevels.join(', ')}`;
        throw new TransactionError(`Isolation level ${JSON.stringify(options.isolation)} is not available on PostgreSQL: ${hint}`);
      }
      modes.push(`ISOLATION LEVEL ${options.isolation}`);
    }
    if (options.readOnly) modes.push('READ ONLY');
    return [modes.length > 0 ? `BEGIN ${modes.join(', ')}` : 'BEGIN'];
  }
}
