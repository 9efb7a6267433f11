import { ConfigurationError, QueryError } from '../../errors';
import type {
  AggregateNode,
  ColumnRef,
  CompiledQuery,
  ConditionNode,
  ExistsNode,
  InsertNode,
  QueryNode,
  RowLockNode,
  SelectionNode,
  SelectNode,
} from '../../query/nodes';
import { isPlainSelect, qualifierOf, type ExplainPlan } from '../../query/sql-compiler';
import type { ColumnDefault, ColumnDefinition, TableDefinition } from '../../schema/table-definition';
import type { ColumnType } from '../column-types';
import { Dialect, type ValueReader } from '../dialect';
import { ISOLATION_LEVELS, type BeginOptions, type IsolationLevel } from '../transaction-options';
import { toBigInt, toBuffer, toDateOnly, toDecimalString, toInstant, toJsonText, toUuid } from '../value-conversion';
import { MssqlTypedValue } from './compiled';
import { mssqlLiteral, mssqlReferentialActions, quoteMssqlString } from './ddl';
import type { SchemaSupport } from '../schema-support';
import { mssqlSchemaSupport } from './schema-support';
import { MSSQL_READERS, mssqlColumnType } from './types';

/**
 * SQL Server allows 2100 parameters per request, and sp_executesql (which carries every
 * parameterised statement) takes two of them for the statement and its declarations.
 */
const MAX_PARAMETERS = 2098;
/** IN lists longer than this travel as one JSON array parameter, read back with OPENJSON. */
const INLINE_IN_LIMIT = 1000;

/**
 * Microsoft SQL Server 2016+ / Azure SQL (tedious through `mssql`).
 *
 * Names are bracket-quoted (`]` doubled); their case follows the database's collation
 * (case-insensitive by default). Bind placeholders are `@p1`, `@p2`, ...
 */
export class MssqlDialect extends Dialect {
  readonly name = 'mssql';
  /** OUTPUT INSERTED.* gives rows back from INSERT and MERGE. */
  readonly supportsReturning = true;
  override readonly maxParameters = MAX_PARAMETERS;
  /** All four; SNAPSHOT needs a database option and is not offered. */
  readonly isolationLevels: readonly IsolationLevel[] = ISOLATION_LEVELS;

  quoteIdentifier(name: string): string {
    if (name.includes('\0')) {
      throw new ConfigurationError(`SQL Server cannot name a table or column with a NUL character`, { field: name });
    }
    return `[${name.replace(/]/g, ']]')}]`;
  }

  placeholder(index: number): string {
    return `@p${index}`;
  }

  columnType(column: ColumnDefinition): string {
    return mssqlColumnType(column);
  }

  valueReader(type: ColumnType): ValueReader | undefined {
    return MSSQL_READERS[type];
  }

  /** Every column value, NULL included, carries its SQL Server type (see compiled.ts). */
  override toDriverValue(type: ColumnType | undefined, value: unknown): unknown {
    const missing = value === null || value === undefined;
    switch (type) {
      case undefined:
        return missing ? null : this.untypedToDriver(value);
      case 'string':
      case 'text':
        return new MssqlTypedValue('NVarChar', missing ? null : typeof value === 'string' ? value : String(value));
      case 'integer':
        return new MssqlTypedValue('Int', missing ? null : value);
      case 'bigint':
        return new MssqlTypedValue('BigInt', missing ? null : toBigInt(value));
      case 'float':
        return new MssqlTypedValue('Float', missing ? null : Number(value));
      // tedious would write a DECIMAL parameter through a double; as text the server converts
      // it exactly (string to numeric conversion does not depend on the language setting).
      case 'decimal':
        return new MssqlTypedValue('NVarChar', missing ? null : toDecimalString(value));
      case 'boolean':
        return new MssqlTypedValue('Bit', missing ? null : Boolean(value));
      // 'YYYY-MM-DD' converts to DATE the same under every DATEFORMAT and language.
      case 'date':
        return new MssqlTypedValue('NVarChar', missing ? null : toDateOnly(value));
      case 'datetime':
        return new MssqlTypedValue('DateTimeOffset', missing ? null : toInstant(value));
      case 'json':
        return new MssqlTypedValue('NVarChar', missing ? null : toJsonText(value));
      case 'binary':
        return new MssqlTypedValue('VarBinary', missing ? null : toBuffer(value));
      case 'uuid':
        return new MssqlTypedValue('UniqueIdentifier', missing ? null : toUuid(value));
    }
  }

  /** Raw-SQL values: Dates as DATETIMEOFFSET (not DATETIME), objects as JSON text. */
  protected override untypedToDriver(value: unknown): unknown {
    if (value instanceof Date) return new MssqlTypedValue('DateTimeOffset', value);
    if (value instanceof MssqlTypedValue || value instanceof Uint8Array || typeof value !== 'object') return value;
    return JSON.stringify(value);
  }

  // ---- queries ---------------------------------------------------------------------------

  /** Fails clearly, before the server does, when a statement needs more than 2098 binds. */
  override compile(node: QueryNode): CompiledQuery {
    const query = super.compile(node);
    if (query.params.length > MAX_PARAMETERS) {
      throw new QueryError(
        `SQL Server takes at most ${MAX_PARAMETERS} bound values in one statement (2100 parameters, two of them ` +
          `sp_executesql's own); this ${node.kind} on "${'table' in node ? node.table : node.source.table}" has ` +
          `${query.params.length}. Split the work into smaller statements.`,
        { sql: query.sql },
      );
    }
    return query;
  }

  /**
   * `TOP (n)` for a limit without offset (and for LIMIT 0, which FETCH refuses), else
   * `OFFSET ... ROWS FETCH NEXT ... ROWS ONLY`, which needs an ORDER BY: `(SELECT NULL)` when
   * the query has none. Row locks are table hints (see tableHints), not a trailing clause.
   */
  protected override compileSelect(node: SelectNode, params: unknown[]): string {
    const top = node.limit !== undefined && (node.offset === undefined || node.limit === 0);
    let sql = node.with ? this.compileWith(node.with, params) : '';
    sql += 'SELECT ';
    if (node.distinct) sql += 'DISTINCT ';
    if (top) sql += `TOP (${this.bind(params, node.limit)}) `;
    sql += this.compileSelectList(node, params);
    sql += this.compileFrom(node, params);
    sql += this.compileWhere(node.where, params);
    sql += this.compileGroupBy(node, params);
    sql += this.compileOrderBy(node.orderBy);
    if (!top && node.offset !== undefined) {
      if (node.orderBy.length === 0) sql += ' ORDER BY (SELECT NULL)';
      sql += ` OFFSET ${this.bind(params, node.offset)} ROWS`;
      if (node.limit !== undefined) sql += ` FETCH NEXT ${this.bind(params, node.limit)} ROWS ONLY`;
    }
    return sql;
  }

  /** Every plain column goes through selectColumn, qualified or not (decimals are converted). */
  protected override compileSelectList(node: SelectNode, params: unknown[]): string {
    const plainColumns = !(node.selections && node.selections.length > 0) && node.columns.length > 0 && qualifierOf(node) === undefined;
    if (!plainColumns) return super.compileSelectList(node, params);
    return node.columns.map((c, i) => this.selectColumn(this.quoteIdentifier(c), c, node.columnTypes?.[i])).join(', ');
  }

  /**
   * tedious reads DECIMAL through a double, rounding past 15 significant digits; selected as
   * text (the server's own exact conversion, scale kept as on PostgreSQL) it stays exact.
   */
  protected override selectColumn(reference: string, name: string, type: ColumnType | undefined): string {
    return type === 'decimal' ? `CONVERT(VARCHAR(50), ${reference}) AS ${this.quoteIdentifier(name)}` : reference;
  }

  protected override compileSelection(selection: SelectionNode, params: unknown[]): string {
    if (selection.type !== 'decimal') return super.compileSelection(selection, params);
    return `CONVERT(VARCHAR(50), ${this.compileExpression(selection.expression, params)}) AS ${this.quoteIdentifier(selection.alias)}`;
  }

  /** AVG of an integer column is an integer in SQL Server (truncated); averaged as FLOAT it agrees with the others. */
  protected override compileAggregate(node: AggregateNode, params: unknown[]): string {
    const type = node.argument?.type;
    if (node.fn === 'avg' && node.argument && (type === 'integer' || type === 'bigint')) {
      return `AVG(${node.distinct ? 'DISTINCT ' : ''}CAST(${this.column(node.argument)} AS FLOAT))`;
    }
    return super.compileAggregate(node, params);
  }

  /**
   * Row locks are table hints on the root table: UPDLOCK (FOR UPDATE) or REPEATABLEREAD (FOR
   * SHARE: shared locks held to the end of the transaction), ROWLOCK, and READPAST (skip locked)
   * or NOWAIT.
   */
  protected override tableHints(node: SelectNode): string {
    const lock = node.lock;
    if (lock === undefined) return '';
    const hints = [lock.mode === 'update' ? 'UPDLOCK' : 'REPEATABLEREAD', 'ROWLOCK'];
    if (lock.wait === 'skip locked') hints.push('READPAST');
    if (lock.wait === 'nowait') hints.push('NOWAIT');
    return ` WITH (${hints.join(', ')})`;
  }

  protected override compileLock(_lock: RowLockNode): string {
    return '';
  }

  /** SQL Server writes `WITH name (...)` for recursive CTEs too. */
  protected override recursiveKeyword(): string {
    return '';
  }

  protected override compileExists(node: ExistsNode, params: unknown[]): string {
    const source = node.source;
    const prefix = source.with ? this.compileWith(source.with, params) : '';
    const inner = isPlainSelect(source)
      ? `SELECT 1 FROM ${this.quoteIdentifier(source.table)}${this.compileWhere(source.where, params)}`
      : this.compileSelect({ ...source, with: undefined, orderBy: this.innerOrder(source) }, params);
    return `${prefix}SELECT 1 AS ${this.quoteIdentifier('found')} WHERE EXISTS (${inner})`;
  }

  /**
   * SHOWPLAN_TEXT on the session, the query (which then returns its plan instead of rows),
   * SHOWPLAN_TEXT off. Compiled SQL only: never run against a server here.
   */
  override explain(query: CompiledQuery): ExplainPlan {
    return {
      statements: [{ sql: 'SET SHOWPLAN_TEXT ON', params: [] }, query, { sql: 'SET SHOWPLAN_TEXT OFF', params: [] }],
      planStatement: 1,
      format: (rows) => rows.map((row) => String(row.StmtText ?? Object.values(row)[0] ?? '')).join('\n'),
    };
  }

  /** `[` opens a character class in T-SQL LIKE; written `[[]` it is literal, as elsewhere. */
  protected override compileCondition(node: ConditionNode, params: unknown[]): string {
    if (node.kind === 'like') {
      const pattern = node.pattern.replace(/\[/g, '[[]');
      return `${this.column(node.column)} ${node.negated ? 'NOT ' : ''}LIKE ${this.bind(params, pattern)} ESCAPE ${this.likeEscape()}`;
    }
    return super.compileCondition(node, params);
  }

  /** Long lists go as one JSON parameter: `col IN (SELECT [value] FROM OPENJSON(@p1))`. */
  protected override compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    if (values.length <= INLINE_IN_LIMIT) return super.compileIn(column, values, negated, params);
    const json = JSON.stringify(values.map((value) => this.jsonElement(column, value)));
    params.push(new MssqlTypedValue('NVarChar', json));
    const list = this.placeholder(params.length);
    return `${this.column(column)} ${negated ? 'NOT IN' : 'IN'} (SELECT [value] FROM OPENJSON(${list}))`;
  }

  /** One IN-list value as JSON text; the server converts it to the column's type. */
  private jsonElement(column: ColumnRef, value: unknown): string | null {
    const driver = this.toDriverValue(column.type, value);
    const raw = driver instanceof MssqlTypedValue ? driver.value : driver;
    if (raw === null || raw === undefined) return null;
    if (raw instanceof Date) return raw.toISOString();
    if (typeof raw === 'boolean') return raw ? '1' : '0';
    if (raw instanceof Uint8Array) {
      throw new QueryError(`An IN list of more than ${INLINE_IN_LIMIT} binary values is not supported on SQL Server`);
    }
    return String(raw);
  }

  // ---- inserts and upserts ---------------------------------------------------------------

  protected override compileInsert(node: InsertNode, params: unknown[]): string {
    if (node.onConflict) return this.compileMerge(node, params);
    const table = this.quoteIdentifier(node.table);
    const output = this.compileOutput(node.returning);
    if (node.columns.length === 0) return `INSERT INTO ${table}${output} DEFAULT VALUES`;
    const columns = node.columns.map((c) => this.quoteIdentifier(c.name)).join(', ');
    return `INSERT INTO ${table} (${columns})${output} VALUES ${this.compileRows(node, params)}`;
  }

  /** SQL Server places OUTPUT between the column list and VALUES; see compileOutput. */
  protected override compileReturning(): string {
    return '';
  }

  /**
   * Upsert as MERGE over a VALUES source. HOLDLOCK makes the match-then-insert atomic against
   * a concurrent upsert of the same key (without it both may take the NOT MATCHED branch).
   * MERGE must end with a semicolon.
   */
  private compileMerge(node: InsertNode, params: unknown[]): string {
    const clause = node.onConflict!;
    const given = new Set(node.columns.map((c) => c.name));
    for (const name of clause.target) {
      if (!given.has(name)) throw new ConfigurationError(`Upsert into "${node.table}" matches on '${name}', but the rows give no value for it`);
    }
    const q = (name: string) => this.quoteIdentifier(name);
    const [target, source] = [q('target'), q('source')];
    const columns = node.columns.map((c) => q(c.name)).join(', ');
    const on = clause.target.map((name) => `${target}.${q(name)} = ${source}.${q(name)}`).join(' AND ');
    let sql =
      `MERGE INTO ${q(node.table)} WITH (HOLDLOCK) AS ${target} ` +
      `USING (VALUES ${this.compileRows(node, params)}) AS ${source} (${columns}) ON (${on})`;
    const updates = clause.update.filter((name) => !clause.target.includes(name) && given.has(name));
    if (updates.length > 0) {
      sql += ` WHEN MATCHED THEN UPDATE SET ${updates.map((name) => `${target}.${q(name)} = ${source}.${q(name)}`).join(', ')}`;
    }
    sql += ` WHEN NOT MATCHED THEN INSERT (${columns}) VALUES (${node.columns.map((c) => `${source}.${q(c.name)}`).join(', ')})`;
    return `${sql}${this.compileOutput(node.returning)};`;
  }

  private compileRows(node: InsertNode, params: unknown[]): string {
    return node.rows
      .map((row) => '(' + row.map((value, i) => this.bind(params, value, node.columns[i]!.type)).join(', ') + ')')
      .join(', ');
  }

  private compileOutput(columns: readonly string[] | undefined): string {
    if (!columns || columns.length === 0) return '';
    return ' OUTPUT ' + columns.map((c) => `INSERTED.${this.quoteIdentifier(c)}`).join(', ');
  }

  // ---- DDL -------------------------------------------------------------------------------

  /**
   * A nullable UNIQUE column gets a filtered unique index instead of a UNIQUE constraint:
   * SQL Server's constraint admits only one NULL, every other database admits many.
   * `ifNotExists` wraps everything in `IF OBJECT_ID(...) IS NULL BEGIN ... END`.
   */
  override compileCreateTable(table: TableDefinition, options: { ifNotExists?: boolean } = {}): string {
    const name = this.quoteIdentifier(table.name);
    const body = table.columns.map((column) => this.compileColumnDefinition(column));
    for (const column of table.columns) {
      if (column.references) body.push(this.compileForeignKey(column));
    }
    const statements = [`CREATE TABLE ${name} (\n  ${body.join(',\n  ')}\n)`];
    for (const column of table.columns) {
      if (column.unique && column.nullable && !column.primary) {
        const index = this.quoteIdentifier(`UX_${table.name}_${column.name}`.slice(0, 128));
        const col = this.quoteIdentifier(column.name);
        statements.push(`CREATE UNIQUE INDEX ${index} ON ${name} (${col}) WHERE ${col} IS NOT NULL`);
      }
    }
    if (!options.ifNotExists) return statements.join(';\n');
    return `IF OBJECT_ID(${quoteMssqlString(name)}, N'U') IS NULL\nBEGIN\n${statements.map((s) => s + ';').join('\n')}\nEND`;
  }

  override compileDropTable(name: string, options: { ifExists?: boolean } = {}): string {
    const quoted = this.quoteIdentifier(name);
    const drop = `DROP TABLE ${quoted}`;
    return options.ifExists ? `IF OBJECT_ID(${quoteMssqlString(quoted)}, N'U') IS NOT NULL ${drop}` : drop;
  }

  protected override compileColumnDefinition(column: ColumnDefinition): string {
    const name = this.quoteIdentifier(column.name);
    let sql = `${name} ${this.columnType(column)}`;
    if (column.primary) sql += column.autoIncrement ? ' IDENTITY(1,1) PRIMARY KEY' : ' PRIMARY KEY';
    else sql += column.nullable ? ' NULL' : ' NOT NULL';
    if (column.unique && !column.primary && !column.nullable) sql += ' UNIQUE';
    if (column.default !== undefined && !column.autoIncrement) sql += ` DEFAULT ${this.literal(column.type, column.default)}`;
    if (column.type === 'json') sql += ` CHECK (ISJSON(${name}) = 1)`;
    return sql;
  }

  protected override compileForeignKey(column: ColumnDefinition): string {
    const ref = column.references!;
    return (
      this.constraintName(ref.name) +
      `FOREIGN KEY (${this.quoteIdentifier(column.name)}) ` +
      `REFERENCES ${this.quoteIdentifier(ref.table)} (${this.quoteIdentifier(ref.column)})` +
      mssqlReferentialActions(ref)
    );
  }

  protected override literal(type: ColumnType, value: ColumnDefault): string {
    return mssqlLiteral(type, value);
  }

  private schema?: SchemaSupport;

  override schemaSupport(): SchemaSupport {
    return (this.schema ??= mssqlSchemaSupport(this));
  }

  // ---- transactions ----------------------------------------------------------------------

  /**
   * The level is always set, READ COMMITTED when none is asked for: it is a property of the
   * pooled connection and would otherwise carry over from its previous transaction. SQL Server
   * has no read-only transactions; `readOnly` is accepted and has no effect.
   */
  override beginTransaction(options: BeginOptions = {}): string[] {
    return [`SET TRANSACTION ISOLATION LEVEL ${options.isolation ?? 'READ COMMITTED'}`, 'BEGIN TRANSACTION'];
  }

  override commitTransaction(): string {
    return 'COMMIT TRANSACTION';
  }

  override rollbackTransaction(): string {
    return 'ROLLBACK TRANSACTION';
  }

  override createSavepoint(name: string): string {
    return `SAVE TRANSACTION ${this.quoteIdentifier(name)}`;
  }

  override rollbackToSavepoint(name: string): string {
    return `ROLLBACK TRANSACTION ${this.quoteIdentifier(name)}`;
  }

  /**
   * SQL Server has no RELEASE SAVEPOINT: a savepoint lives until the transaction ends, and a later
   * one of the same name shadows it. Nothing is sent.
   */
  override releaseSavepoint(_name: string): undefined {
    return undefined;
  }
}
