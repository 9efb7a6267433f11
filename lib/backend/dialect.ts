import { SqlCompiler } from '../query/sql-compiler';
import type { ColumnDefault, ColumnDefinition, TableDefinition } from '../schema/table-definition';
import type { ColumnType } from './column-types';
import type { SchemaSupport } from './schema-support';
import type { BeginOptions, IsolationLevel } from './transaction-options';
import { toBigInt, toBuffer, toDateOnly, toDecimalString, toInstant, toJsonText, toUuid } from './value-conversion';

/** Converts one driver value of a column to its JavaScript value. */
export type ValueReader = (value: unknown) => unknown;

/**
 * Everything a database spells its own way, and nothing that runs SQL: the query compiler
 * (inherited from SqlCompiler), value conversion both ways, DDL, and transaction statements.
 * A custom backend brings its own Dialect, usually by extending one of the built-in ones.
 */
export abstract class Dialect extends SqlCompiler {
  /** Short name used in messages: `sqlite`, `postgres`, ... */
  abstract readonly name: string;

  /** Most bind parameters one statement may carry (bulk inserts are split to fit). */
  readonly maxParameters: number = 999;

  /** Rows per multi-row INSERT in bulk inserts (fewer where the limits below say so; see statement-limits.ts). */
  readonly bulkInsertRows: number = 1000;

  /** Parameters per bulk-insert statement past which bigger chunks are no faster per row (wide rows). */
  readonly bulkInsertParameters: number = Infinity;

  /** Longest SQL text the backend still prepares and reuses; generated statements stay under it. */
  readonly maxPreparedLength: number = Infinity;

  /**
   * IN lists longer than this bind as one array-like parameter (PostgreSQL `= ANY($1)`, JSON
   * elsewhere) instead of a placeholder per value, so that neither the parameter limit nor the
   * number of distinct statements grows with the list. Infinity: this dialect has no such form.
   */
  readonly maxInListValues: number = Infinity;

  /** The cheapest statement that proves the database answers (health checks). */
  readonly pingStatement: string = 'SELECT 1';

  /** Isolation levels this database really provides; asking for another is an error. */
  abstract readonly isolationLevels: readonly IsolationLevel[];

  /** SQL type for a column, e.g. `VARCHAR(255)`, `NUMERIC(12, 2)`. */
  abstract columnType(column: ColumnDefinition): string;

  /**
   * The function hydration runs on a column's driver value, or `undefined` where the driver
   * already returns the JavaScript value (so the hot path skips a call).
   */
  abstract valueReader(type: ColumnType): ValueReader | undefined;

  fromDriverValue(type: ColumnType, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    const read = this.valueReader(type);
    return read ? read(value) : value;
  }

  /**
   * Driver form of a value. The defaults suit most drivers; dialects override the types their
   * driver binds differently (SQLite has no boolean or date types, for instance).
   */
  toDriverValue(type: ColumnType | undefined, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (type) {
      case undefined:
        return this.untypedToDriver(value);
      case 'string':
      case 'text':
        return typeof value === 'string' ? value : String(value);
      case 'integer':
      case 'float':
        return value;
      case 'bigint':
        return toBigInt(value).toString();
      case 'decimal':
        return toDecimalString(value);
      case 'boolean':
        return Boolean(value);
      case 'date':
        return toDateOnly(value);
      case 'datetime':
        return toInstant(value);
      case 'json':
        return toJsonText(value);
      case 'binary':
        return toBuffer(value);
      case 'uuid':
        return toUuid(value);
    }
  }

  /** Values bound without a column behind them (raw queries, LIKE patterns, LIMIT). */
  protected untypedToDriver(value: unknown): unknown {
    return value;
  }

  // ---- DDL -------------------------------------------------------------------------------

  compileCreateTable(table: TableDefinition, options: { ifNotExists?: boolean } = {}): string {
    const body = table.columns.map((column) => this.compileColumnDefinition(column));
    for (const column of table.columns) {
      if (column.references) body.push(this.compileForeignKey(column));
    }
    const ifNotExists = options.ifNotExists ? 'IF NOT EXISTS ' : '';
    return `CREATE TABLE ${ifNotExists}${this.quoteIdentifier(table.name)} (\n  ${body.join(',\n  ')}\n)`;
  }

  compileDropTable(name: string, options: { ifExists?: boolean } = {}): string {
    return `DROP TABLE ${options.ifExists ? 'IF EXISTS ' : ''}${this.quoteIdentifier(name)}`;
  }

  protected compileColumnDefinition(column: ColumnDefinition): string {
    let sql = `${this.quoteIdentifier(column.name)} ${this.columnType(column)}`;
    if (column.primary) sql += ' ' + this.primaryKeyClause(column);
    else if (!column.nullable) sql += ' NOT NULL';
    if (column.unique && !column.primary) sql += ' UNIQUE';
    if (column.default !== undefined) sql += ` DEFAULT ${this.literal(column.type, column.default)}`;
    return sql;
  }

  /** `PRIMARY KEY`, plus whatever makes the key generated where `autoIncrement` is set. */
  protected primaryKeyClause(_column: ColumnDefinition): string {
    return 'PRIMARY KEY';
  }

  protected compileForeignKey(column: ColumnDefinition): string {
    const ref = column.references!;
    let sql =
      this.constraintName(ref.name) +
      `FOREIGN KEY (${this.quoteIdentifier(column.name)}) ` +
      `REFERENCES ${this.quoteIdentifier(ref.table)} (${this.quoteIdentifier(ref.column)})`;
    if (ref.onDelete) sql += ` ON DELETE ${ref.onDelete.toUpperCase()}`;
    if (ref.onUpdate) sql += ` ON UPDATE ${ref.onUpdate.toUpperCase()}`;
    return sql;
  }

  /** `CONSTRAINT "name" ` before a named constraint, nothing for an unnamed one. */
  protected constraintName(name: string | undefined): string {
    return name === undefined ? '' : `CONSTRAINT ${this.quoteIdentifier(name)} `;
  }

  // ---- what migrations build on (lib/schema/) ----------------------------------------------

  /**
   * Introspection, DDL compilation, the migration lock and transactional-DDL support of this
   * database, or undefined where migrations are not supported (a custom dialect that does not
   * extend a built-in one). Built-in dialects return their backend folder's implementation.
   */
  schemaSupport(): SchemaSupport | undefined {
    return undefined;
  }

  /** One column's DDL as CREATE TABLE writes it (the schema builder's ADD COLUMN reuses it). */
  ddlColumn(column: ColumnDefinition): string {
    return this.compileColumnDefinition(column);
  }

  /** A foreign key clause as CREATE TABLE writes it (`column.references` must be set). */
  ddlForeignKey(column: ColumnDefinition): string {
    return this.compileForeignKey(column);
  }

  /** A literal for DDL text (defaults, partial index conditions); see `literal`. */
  ddlLiteral(type: ColumnType, value: ColumnDefault): string {
    return this.literal(type, value);
  }

  /**
   * A default value written into DDL. DDL takes no bind parameters, so this is the one place a
   * value becomes SQL text: only numbers, booleans and strings (quotes doubled) are accepted,
   * and they come from the developer's decorators, never from request data.
   */
  protected literal(type: ColumnType, value: ColumnDefault): string {
    if (value === null) return 'NULL';
    const driver = this.toDriverValue(type, value);
    if (typeof driver === 'number') {
      if (!Number.isFinite(driver)) throw new TypeError(`default must be a finite number`);
      return String(driver);
    }
    if (typeof driver === 'boolean') return driver ? 'TRUE' : 'FALSE';
    if (typeof driver === 'string' || typeof driver === 'bigint') return this.quoteString(String(driver));
    throw new TypeError(`a ${type} column cannot take a literal default`);
  }

  protected quoteString(value: string): string {
    if (value.includes('\0')) throw new TypeError('a default cannot contain a NUL character');
    return `'${value.replace(/'/g, "''")}'`;
  }

  // ---- transactions ----------------------------------------------------------------------

  /** Statements that open a transaction, in order. */
  beginTransaction(options: BeginOptions = {}): string[] {
    const characteristics: string[] = [];
    if (options.isolation) characteristics.push(`ISOLATION LEVEL ${options.isolation}`);
    if (options.readOnly) characteristics.push('READ ONLY');
    return [characteristics.length ? `START TRANSACTION ${characteristics.join(', ')}` : 'BEGIN'];
  }

  commitTransaction(): string {
    return 'COMMIT';
  }

  rollbackTransaction(): string {
    return 'ROLLBACK';
  }

  createSavepoint(name: string): string {
    return `SAVEPOINT ${this.quoteIdentifier(name)}`;
  }

  /** Undefined where the database has no RELEASE (Oracle): nothing is sent. */
  releaseSavepoint(name: string): string | undefined {
    return `RELEASE SAVEPOINT ${this.quoteIdentifier(name)}`;
  }

  rollbackToSavepoint(name: string): string {
    return `ROLLBACK TO SAVEPOINT ${this.quoteIdentifier(name)}`;
  }
}
