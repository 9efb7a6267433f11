import { ConfigurationError } from '../errors';
import type { TableSchema } from '../schema/database-schema';
import type { ForeignKeyOperation, SchemaOperation } from '../schema/schema-operations';
import type { ColumnDefinition, IndexDefinition, IndexWhere, IndexWhereValue, TableDefinition } from '../schema/table-definition';
import type { ColumnType } from './column-types';
import type { Dialect } from './dialect';
import { defaultForeignKeyName } from './schema-names';

/**
 * Compiles schema operations (what a migration's `up`/`down` asks for) into DDL statements for
 * one database, reusing the dialect's column types, quoting and literals so that a table made by
 * a migration is the table `synchronize` would make. This base writes standard SQL (PostgreSQL
 * speaks it as is); each backend overrides what its database spells otherwise.
 *
 * DDL takes no bind parameters: names go through `quoteIdentifier`, and the only values written
 * into the text are defaults and partial-index literals from the developer's code, escaped by the
 * dialect.
 */
export class DdlCompiler {
  /** The database can index a subset of rows (`CREATE INDEX ... WHERE`). */
  readonly partialIndexes: boolean = true;

  constructor(protected readonly dialect: Dialect) {}

  /**
   * Whether compiling `operation` needs the table as it is now (introspected first, in the
   * migration's transaction). SQLite's rebuilds need it, and so do statements that must name a
   * constraint the database named itself.
   */
  needsCurrentTable(operation: SchemaOperation): boolean {
    return operation.kind === 'dropIndex';
  }

  /** The statements of one operation, in order. */
  compile(operation: SchemaOperation, current?: TableSchema): string[] {
    switch (operation.kind) {
      case 'createTable':
        return this.createTable(operation.table);
      case 'dropTable':
        return [this.dialect.compileDropTable(operation.table)];
      case 'renameTable':
        return this.renameTable(operation.table, operation.to);
      case 'addColumn':
        return this.addColumn(operation.table, operation.column, current);
      case 'alterColumn':
        return this.alterColumn(operation.table, operation.column, current);
      case 'renameColumn':
        return this.renameColumn(operation.table, operation.column, operation.to);
      case 'dropColumn':
        return this.dropColumn(operation.table, operation.column, current);
      case 'addIndex':
        return [this.createIndex(operation.table, operation.index)];
      case 'dropIndex':
        return this.dropIndex(operation.table, operation.name, current);
      case 'addForeignKey':
        return this.addForeignKey(operation.table, operation.foreignKey, current);
      case 'dropForeignKey':
        return this.dropForeignKey(operation.table, operation.name, current);
    }
  }

  protected createTable(table: TableDefinition): string[] {
    return [this.dialect.compileCreateTable(table), ...(table.indexes ?? []).map((index) => this.createIndex(table.name, index))];
  }

  protected renameTable(table: string, to: string): string[] {
    return [`ALTER TABLE ${this.q(table)} RENAME TO ${this.q(to)}`];
  }

  protected addColumn(table: string, column: ColumnDefinition, _current?: TableSchema): string[] {
    const statements = [`ALTER TABLE ${this.q(table)} ADD COLUMN ${this.dialect.ddlColumn(this.withoutReference(column))}`];
    if (column.references) statements.push(...this.addForeignKey(table, foreignKeyOf(table, column)));
    return statements;
  }

  /**
   * PostgreSQL's form: only what differs from the current column changes (a type change would
   * rewrite the table even when the type is the same). The default goes first, since the old
   * default may not convert to the new type.
   */
  protected alterColumn(table: string, column: ColumnDefinition, current?: TableSchema): string[] {
    const before = current?.columns.find((c) => c.name === column.name);
    const alter = `ALTER TABLE ${this.q(table)} ALTER COLUMN ${this.q(column.name)}`;
    const type = this.dialect.columnType(column);
    const typeChanges = before === undefined || !sameNativeType(this.dialect, before, column);
    const statements: string[] = [];
    const hadDefault = before === undefined || before.defaultSql !== undefined;
    if (hadDefault && (typeChanges || column.default === undefined)) statements.push(`${alter} DROP DEFAULT`);
    if (typeChanges) statements.push(`${alter} TYPE ${type} USING ${this.q(column.name)}::${type}`);
    if (column.default !== undefined) statements.push(`${alter} SET DEFAULT ${this.dialect.ddlLiteral(column.type, column.default)}`);
    if (before === undefined || before.nullable !== column.nullable) {
      statements.push(`${alter} ${column.nullable ? 'DROP NOT NULL' : 'SET NOT NULL'}`);
    }
    return statements;
  }

  protected renameColumn(table: string, column: string, to: string): string[] {
    return [`ALTER TABLE ${this.q(table)} RENAME COLUMN ${this.q(column)} TO ${this.q(to)}`];
  }

  protected dropColumn(table: string, column: string, _current?: TableSchema): string[] {
    return [`ALTER TABLE ${this.q(table)} DROP COLUMN ${this.q(column)}`];
  }

  protected createIndex(table: string, index: IndexDefinition): string {
    const columns = index.columns.map((column) => this.q(column)).join(', ');
    let sql = `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${this.q(index.name)} ON ${this.q(table)} (${columns})`;
    const where = this.indexCondition(table, index);
    if (where) sql += ` WHERE ${where}`;
    return sql;
  }

  /**
   * The partial index condition, or undefined. Where the database has no partial indexes, a
   * plain index is only slower than asked, but a unique one would refuse rows it should accept:
   * that is an error.
   */
  protected indexCondition(table: string, index: IndexDefinition): string | undefined {
    if (!index.where || Object.keys(index.where).length === 0) return undefined;
    if (!this.partialIndexes) {
      if (index.unique) {
        throw new ConfigurationError(
          `Index ${index.name} on ${table}: ${this.dialect.name} has no partial indexes, and a unique index over every row ` +
            `would refuse rows the condition exempts; drop 'where' or enforce uniqueness in a table of its own`,
          { field: index.name },
        );
      }
      return undefined;
    }
    return compileIndexWhere(index.where, (name) => this.q(name), (type, value) => this.dialect.ddlLiteral(type, value));
  }

  protected dropIndex(table: string, name: string, current?: TableSchema): string[] {
    const index = current?.indexes.find((i) => i.name === name);
    if (index?.constraint) return [`ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`];
    return [`DROP INDEX ${this.q(name)}`];
  }

  protected addForeignKey(table: string, foreignKey: ForeignKeyOperation, _current?: TableSchema): string[] {
    return [`ALTER TABLE ${this.q(table)} ADD ${this.dialect.ddlForeignKey(referencingColumn(foreignKey))}`];
  }

  protected dropForeignKey(table: string, name: string, _current?: TableSchema): string[] {
    return [`ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`];
  }

  protected q(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  /** The column alone; its foreign key becomes a named constraint of its own. */
  protected withoutReference(column: ColumnDefinition): ColumnDefinition {
    return column.references ? { ...column, references: undefined } : column;
  }
}

/** The column definition a dialect's foreign key clause is compiled from. */
export function referencingColumn(foreignKey: ForeignKeyOperation): ColumnDefinition {
  return {
    name: foreignKey.column,
    type: 'integer',
    nullable: true,
    primary: false,
    autoIncrement: false,
    unique: false,
    references: {
      table: foreignKey.referencedTable,
      column: foreignKey.referencedColumn,
      onDelete: foreignKey.onDelete,
      onUpdate: foreignKey.onUpdate,
      name: foreignKey.name,
    },
  };
}

/** The named foreign key a column's `references` asks for. */
export function foreignKeyOf(table: string, column: ColumnDefinition): ForeignKeyOperation {
  const ref = column.references!;
  return {
    name: ref.name ?? defaultForeignKeyName(table, column.name),
    column: column.name,
    referencedTable: ref.table,
    referencedColumn: ref.column,
    onDelete: ref.onDelete,
    onUpdate: ref.onUpdate,
  };
}

/** The logical type a partial-index literal is written as. */
export function literalType(value: IndexWhereValue): ColumnType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  return 'string';
}

/** `"a" IS NULL AND "b" = 'x'`, conditions in the order given. */
export function compileIndexWhere(
  where: IndexWhere,
  quote: (name: string) => string,
  literal: (type: ColumnType, value: IndexWhereValue) => string,
): string {
  return Object.entries(where)
    .map(([column, condition]) => {
      const negated = condition !== null && typeof condition === 'object';
      const value = negated ? (condition as { not: IndexWhereValue }).not : (condition as IndexWhereValue);
      if (value === null) return `${quote(column)} IS ${negated ? 'NOT ' : ''}NULL`;
      return `${quote(column)} ${negated ? '<>' : '='} ${literal(literalType(value), value)}`;
    })
    .join(' AND ');
}

/** Would the column as it is now and the column as defined compile to the same SQL type? */
export function sameNativeType(dialect: Dialect, current: { type?: ColumnType; nativeType: string; length?: number; precision?: number; scale?: number }, wanted: ColumnDefinition): boolean {
  const mine = normalizeType(dialect.columnType(wanted));
  if (current.type === undefined) return normalizeType(current.nativeType) === mine;
  const theirs = dialect.columnType({
    name: wanted.name,
    type: current.type,
    nullable: true,
    primary: wanted.primary,
    autoIncrement: false,
    unique: wanted.unique,
    length: current.length,
    precision: current.precision,
    scale: current.scale,
  });
  return normalizeType(theirs) === mine;
}

function normalizeType(type: string): string {
  return type.toLowerCase().replace(/\s+/g, '');
}
