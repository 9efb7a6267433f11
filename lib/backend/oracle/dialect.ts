import { ConfigurationError, TransactionError } from '../../errors';
import type { ColumnRef, CompiledQuery, ConditionNode, ExistsNode, InsertNode, QueryNode, RowLockNode, SelectNode } from '../../query/nodes';
import { isPlainSelect, type ExplainPlan } from '../../query/sql-compiler';
import type { ColumnDefault, ColumnDefinition, TableDefinition } from '../../schema/table-definition';
import type { ColumnType } from '../column-types';
import { Dialect, type ValueReader } from '../dialect';
import type { BeginOptions, IsolationLevel } from '../transaction-options';
import { toBigInt, toBuffer, toDateOnly, toDecimalString, toInstant, toJsonText, toUuid } from '../value-conversion';
import { OracleTypedValue, type OracleCompiledQuery } from './compiled';
import { ignoringOracleError, oracleLiteral, oracleReferentialActions } from './ddl';
import type { SchemaSupport } from '../schema-support';
import { oracleSchemaSupport } from './schema-support';
import { ORACLE_READERS, oracleColumnType, uuidToRaw } from './types';

/** Oracle refuses more than 1000 expressions in one IN list (ORA-01795). */
const IN_LIST_LIMIT = 1000;

/**
 * Oracle Database 12.2+ (node-oracledb Thin mode).
 *
 * Names: every identifier is quoted, so Oracle stores it exactly as written (case-sensitive):
 * a model's `users` table is the table "users", not USERS. Oracle forbids `"` in quoted names.
 *
 * Empty strings: Oracle stores '' as NULL. The library does not fight that; it makes queries
 * agree with it: `= ''` compiles to `IS NULL`, `<> ''` to `IS NOT NULL`, and '' in an IN list
 * matches NULL. A NOT NULL column rejects '' (NotNullConstraintError), and a nullable one reads
 * it back as null.
 */
export class OracleDialect extends Dialect {
  readonly name = 'oracle';
  /** Rows come back through a ROWID read-back (see compiled.ts), not RETURNING INTO. */
  readonly supportsReturning = true;
  /** Oracle's limit of bind variables in one statement. */
  override readonly maxParameters = 65535;
  /** Oracle offers only these two; READ UNCOMMITTED and REPEATABLE READ are refused. */
  readonly isolationLevels: readonly IsolationLevel[] = ['READ COMMITTED', 'SERIALIZABLE'];
  /** Oracle has no SELECT without FROM. */
  override readonly pingStatement = 'SELECT 1 FROM DUAL';

  quoteIdentifier(name: string): string {
    if (name.includes('"') || name.includes('\0')) {
      throw new ConfigurationError(
        `Oracle cannot name a table or column ${JSON.stringify(name)}: quoted Oracle identifiers may not contain '"' or NUL`,
        { field: name },
      );
    }
    return `"${name}"`;
  }

  placeholder(index: number): string {
    return `:${index}`;
  }

  columnType(column: ColumnDefinition): string {
    return oracleColumnType(column);
  }

  valueReader(type: ColumnType): ValueReader | undefined {
    return ORACLE_READERS[type];
  }

  override toDriverValue(type: ColumnType | undefined, value: unknown): unknown {
    if (type === 'float') return new OracleTypedValue('BINARY_DOUBLE', value === null || value === undefined ? null : Number(value));
    if (type === 'datetime') return new OracleTypedValue('TIMESTAMP_TZ', value === null || value === undefined ? null : toInstant(value));
    if (value === null || value === undefined) return null;
    switch (type) {
      case undefined:
        return this.untypedToDriver(value);
      case 'string':
      case 'text':
        return typeof value === 'string' ? value : String(value);
      case 'integer':
        return value;
      // A JS bigint binds as an exact NUMBER (the driver encodes its decimal digits).
      case 'bigint':
        return toBigInt(value);
      // Bound as text and converted by the server; the session pins NLS_NUMERIC_CHARACTERS to
      // '.,' so that the decimal point is a point whatever the database's territory.
      case 'decimal':
        return toDecimalString(value);
      case 'boolean':
        return value ? 1 : 0;
      case 'date':
        return toDateOnly(value);
      case 'json':
        return toJsonText(value);
      case 'binary':
        return toBuffer(value);
      case 'uuid':
        return uuidToRaw(toUuid(value));
    }
  }

  /** Raw-SQL values: booleans as 1/0 (NUMBER(1)), Dates as UTC instants, objects as JSON. */
  protected override untypedToDriver(value: unknown): unknown {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return new OracleTypedValue('TIMESTAMP_TZ', value);
    if (value instanceof Uint8Array || typeof value !== 'object') return value;
    return JSON.stringify(value);
  }

  /** `date` values are 'YYYY-MM-DD' text turned into a DATE by an explicit format (no NLS). */
  protected override bind(params: unknown[], value: unknown, type?: ColumnType): string {
    const placeholder = super.bind(params, value, type);
    return type === 'date' ? `TO_DATE(${placeholder}, 'YYYY-MM-DD')` : placeholder;
  }

  // ---- queries ---------------------------------------------------------------------------

  override compile(node: QueryNode): OracleCompiledQuery {
    return node.kind === 'insert' ? this.compileInsertStatement(node) : super.compile(node);
  }

  protected override compileExists(node: ExistsNode, params: unknown[]): string {
    const source = node.source;
    const prefix = source.with ? this.compileWith(source.with, params) : '';
    const inner = isPlainSelect(source)
      ? `SELECT 1 FROM ${this.quoteIdentifier(source.table)}${this.compileWhere(source.where, params)}`
      : this.compileSelect({ ...source, with: undefined, orderBy: this.innerOrder(source) }, params);
    return `${prefix}SELECT 1 AS ${this.quoteIdentifier('found')} FROM DUAL WHERE EXISTS (${inner})`;
  }

  /**
   * `FOR UPDATE [OF root.key] [NOWAIT | SKIP LOCKED]`. Oracle has no shared row locks, and
   * cannot lock the rows of a query with a row-limiting clause (ORA-02014): both are refused
   * here with what to do instead, rather than by the server.
   */
  protected override compileLock(lock: RowLockNode, node: SelectNode): string {
    if (lock.mode === 'share') {
      throw new ConfigurationError(
        `Oracle has no shared row locks (FOR SHARE) on "${node.table}": use forUpdate(), or a SERIALIZABLE transaction`,
        { field: 'forShare' },
      );
    }
    if (node.limit !== undefined || node.offset !== undefined) {
      throw new ConfigurationError(
        `Oracle cannot lock rows of a query with limit or offset on "${node.table}" (ORA-02014): ` +
          `lock by key instead, e.g. where({ id: ids }).forUpdate()`,
        { field: 'forUpdate' },
      );
    }
    let sql = ' FOR UPDATE';
    if (lock.of?.table !== undefined && node.joins && node.joins.length > 0) sql += ` OF ${this.column(lock.of)}`;
    return sql + this.lockWait(lock);
  }

  /** Oracle writes `WITH name (...)` for recursive CTEs too (the column list is what it needs). */
  protected override recursiveKeyword(): string {
    return '';
  }

  /** `EXPLAIN PLAN FOR` the query, then DBMS_XPLAN's formatted plan, on one session. */
  override explain(query: CompiledQuery): ExplainPlan {
    return {
      statements: [
        { sql: `EXPLAIN PLAN FOR ${query.sql}`, params: query.params },
        { sql: 'SELECT PLAN_TABLE_OUTPUT FROM TABLE(DBMS_XPLAN.DISPLAY())', params: [] },
      ],
      planStatement: 1,
      format: (rows) => rows.map((row) => String(row.PLAN_TABLE_OUTPUT ?? Object.values(row)[0] ?? '')).join('\n'),
    };
  }

  protected override compileLimitOffset(node: Pick<SelectNode, 'limit' | 'offset' | 'orderBy'>, params: unknown[]): string {
    let sql = '';
    if (node.offset !== undefined) sql += ` OFFSET ${this.bind(params, node.offset)} ROWS`;
    if (node.limit !== undefined) sql += ` FETCH NEXT ${this.bind(params, node.limit)} ROWS ONLY`;
    return sql;
  }

  protected override compileCondition(node: ConditionNode, params: unknown[]): string {
    if (node.kind === 'compare' && node.value === '' && (node.op === '=' || node.op === '<>')) {
      return `${this.column(node.column)} IS ${node.op === '=' ? '' : 'NOT '}NULL`;
    }
    return super.compileCondition(node, params);
  }

  /** '' means NULL (see the class comment), and lists over 1000 items are split with OR / AND. */
  protected override compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    const rest = values.filter((value) => value !== '');
    const hadEmpty = rest.length !== values.length;
    const name = this.column(column);
    if (rest.length === 0) {
      if (!hadEmpty) return negated ? '1 = 1' : '1 = 0';
      return `${name} IS ${negated ? 'NOT ' : ''}NULL`;
    }
    const lists: string[] = [];
    for (let start = 0; start < rest.length; start += IN_LIST_LIMIT) {
      const chunk = rest.slice(start, start + IN_LIST_LIMIT).map((v) => this.bind(params, v, column.type));
      lists.push(`${name} ${negated ? 'NOT IN' : 'IN'} (${chunk.join(', ')})`);
    }
    // NOT IN already excludes NULLs (a NULL never satisfies it), which is what '' asks for.
    if (hadEmpty && !negated) lists.push(`${name} IS NULL`);
    return lists.length === 1 ? lists[0]! : `(${lists.join(negated ? ' AND ' : ' OR ')})`;
  }

  // ---- inserts and upserts ---------------------------------------------------------------

  /**
   * One single-row statement; several rows become a batch of it (executeMany), since Oracle has
   * no multi-row VALUES and its INSERT ALL draws one identity value for all rows. `returning`
   * becomes a read-back of the inserted row by ROWID.
   */
  private compileInsertStatement(node: InsertNode): OracleCompiledQuery {
    const returning = node.returning && node.returning.length > 0 ? node.returning : undefined;
    if (returning && node.rows.length > 1) {
      throw new ConfigurationError(
        `Oracle cannot return rows from a multi-row insert into "${node.table}"; insert one row at a time to get rows back`,
      );
    }
    const statements = node.rows.map((row) => {
      const params: unknown[] = [];
      const sql = node.onConflict ? this.compileMerge(node, row, params) : this.compileSingleInsert(node, row, params);
      return { sql, params };
    });
    const sql = statements[0]?.sql ?? this.compileSingleInsert(node, [], []);
    const readBack = returning
      ? `SELECT ${returning.map((c) => this.quoteIdentifier(c)).join(', ')} FROM ${this.quoteIdentifier(node.table)} WHERE ROWID = :1`
      : undefined;
    if (statements.length === 1) return readBack ? { sql, params: statements[0]!.params, readBack } : { sql, params: statements[0]!.params };
    return { sql, params: [], batch: statements.map((statement) => statement.params) };
  }

  private compileSingleInsert(node: InsertNode, row: readonly unknown[], params: unknown[]): string {
    const table = this.quoteIdentifier(node.table);
    if (node.columns.length === 0) {
      // Oracle has no DEFAULT VALUES: name one column and give it its default (an identity
      // column draws its next value).
      const anyColumn = node.returning?.[0];
      if (anyColumn === undefined) {
        throw new ConfigurationError(`Oracle cannot insert a row with no values into "${node.table}" without naming a column`);
      }
      return `INSERT INTO ${table} (${this.quoteIdentifier(anyColumn)}) VALUES (DEFAULT)`;
    }
    const columns = node.columns.map((c) => this.quoteIdentifier(c.name)).join(', ');
    const values = row.map((value, i) => this.bind(params, value, node.columns[i]!.type)).join(', ');
    return `INSERT INTO ${table} (${columns}) VALUES (${values})`;
  }

  /**
   * `MERGE ... USING DUAL ON (key = :n)`: the proposed row's values are bound where they are
   * used (positional binds are per occurrence in Oracle SQL), so no LONG-typed bind ever lands
   * in a select list. Key columns are never in the SET list (ORA-38104).
   */
  private compileMerge(node: InsertNode, row: readonly unknown[], params: unknown[]): string {
    const clause = node.onConflict!;
    const valueOf = (name: string) => {
      const index = node.columns.findIndex((c) => c.name === name);
      if (index < 0) {
        throw new ConfigurationError(`Upsert into "${node.table}" matches on '${name}', but the rows give no value for it`);
      }
      return { column: node.columns[index]!, value: row[index] };
    };
    const target = this.quoteIdentifier('target');
    const on = clause.target
      .map((name) => {
        const { column, value } = valueOf(name);
        return `${target}.${this.quoteIdentifier(name)} = ${this.bind(params, value, column.type)}`;
      })
      .join(' AND ');
    let sql = `MERGE INTO ${this.quoteIdentifier(node.table)} ${target} USING DUAL ON (${on})`;
    const updates = clause.update.filter((name) => !clause.target.includes(name));
    if (updates.length > 0) {
      const set = updates
        .map((name) => {
          const { column, value } = valueOf(name);
          return `${target}.${this.quoteIdentifier(name)} = ${this.bind(params, value, column.type)}`;
        })
        .join(', ');
      sql += ` WHEN MATCHED THEN UPDATE SET ${set}`;
    }
    const columns = node.columns.map((c) => this.quoteIdentifier(c.name)).join(', ');
    const values = row.map((value, i) => this.bind(params, value, node.columns[i]!.type)).join(', ');
    return `${sql} WHEN NOT MATCHED THEN INSERT (${columns}) VALUES (${values})`;
  }

  // ---- DDL -------------------------------------------------------------------------------

  override compileCreateTable(table: TableDefinition, options: { ifNotExists?: boolean } = {}): string {
    const body = table.columns.map((column) => this.compileColumnDefinition(column));
    for (const column of table.columns) {
      if (column.references) body.push(this.compileForeignKey(column));
    }
    const ddl = `CREATE TABLE ${this.quoteIdentifier(table.name)} (\n  ${body.join(',\n  ')}\n)`;
    return options.ifNotExists ? ignoringOracleError(ddl, 'already exists') : ddl;
  }

  /** PURGE: test suites drop and create tables all day; the recycle bin would keep them all. */
  override compileDropTable(name: string, options: { ifExists?: boolean } = {}): string {
    const ddl = `DROP TABLE ${this.quoteIdentifier(name)} PURGE`;
    return options.ifExists ? ignoringOracleError(ddl, 'does not exist') : ddl;
  }

  /** Oracle's order: type, identity, DEFAULT, then constraints. */
  protected override compileColumnDefinition(column: ColumnDefinition): string {
    const name = this.quoteIdentifier(column.name);
    let sql = `${name} ${this.columnType(column)}`;
    if (column.primary && column.autoIncrement) sql += ' GENERATED BY DEFAULT ON NULL AS IDENTITY';
    if (column.default !== undefined && !(column.primary && column.autoIncrement)) {
      sql += ` DEFAULT ${this.literal(column.type, column.default)}`;
    }
    if (column.primary) sql += ' PRIMARY KEY';
    else if (!column.nullable) sql += ' NOT NULL';
    if (column.unique && !column.primary) sql += ' UNIQUE';
    if (column.type === 'boolean') sql += ` CHECK (${name} IN (0, 1))`;
    if (column.type === 'json') sql += ` CHECK (${name} IS JSON)`;
    return sql;
  }

  protected override compileForeignKey(column: ColumnDefinition): string {
    const ref = column.references!;
    return (
      this.constraintName(ref.name) +
      `FOREIGN KEY (${this.quoteIdentifier(column.name)}) ` +
      `REFERENCES ${this.quoteIdentifier(ref.table)} (${this.quoteIdentifier(ref.column)})` +
      oracleReferentialActions(ref, column)
    );
  }

  protected override literal(type: ColumnType, value: ColumnDefault): string {
    return oracleLiteral(type, value);
  }

  private schema?: SchemaSupport;

  override schemaSupport(): SchemaSupport {
    return (this.schema ??= oracleSchemaSupport(this));
  }

  // ---- transactions ----------------------------------------------------------------------

  /**
   * Oracle begins a transaction implicitly with the first statement; `SET TRANSACTION` must
   * be that first statement when the level or read-only mode is not the default. READ ONLY
   * cannot be combined with an isolation level (and reads as of the transaction's start).
   */
  override beginTransaction(options: BeginOptions = {}): string[] {
    const level = options.isolation;
    if (level !== undefined && !this.isolationLevels.includes(level)) {
      throw new TransactionError(
        `Oracle supports the isolation levels ${this.isolationLevels.join(' and ')} only; ${level} is not available`,
      );
    }
    if (options.readOnly) return ['SET TRANSACTION READ ONLY'];
    return level ? [`SET TRANSACTION ISOLATION LEVEL ${level}`] : [];
  }

  /**
   * Oracle has no RELEASE SAVEPOINT: a savepoint lives until the transaction ends, and a later
   * one of the same name shadows it. Nothing is sent.
   */
  override releaseSavepoint(_name: string): undefined {
    return undefined;
  }
}
