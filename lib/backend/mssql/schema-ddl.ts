import type { TableSchema } from '../../schema/database-schema';
import type { SchemaOperation } from '../../schema/schema-operations';
import type { ColumnDefinition } from '../../schema/table-definition';
import { DdlCompiler, foreignKeyOf } from '../ddl-compiler';
import { defaultIndexName } from '../schema-names';
import { quoteMssqlString } from './ddl';

/**
 * SQL Server: defaults and CHECKs are named constraints that must be dropped before their column
 * changes or goes (the current table gives their names), columns are renamed with sp_rename,
 * and a nullable UNIQUE column gets the filtered unique index CREATE TABLE gives it.
 */
export class MssqlDdlCompiler extends DdlCompiler {
  override needsCurrentTable(operation: SchemaOperation): boolean {
    switch (operation.kind) {
      case 'alterColumn':
      case 'dropColumn':
      case 'dropIndex':
        return true;
      default:
        return false;
    }
  }

  protected override renameTable(table: string, to: string): string[] {
    return [`EXEC sp_rename ${quoteMssqlString(this.q(table))}, ${quoteMssqlString(to)}`];
  }

  protected override renameColumn(table: string, column: string, to: string): string[] {
    return [`EXEC sp_rename ${quoteMssqlString(`${this.q(table)}.${this.q(column)}`)}, ${quoteMssqlString(to)}, N'COLUMN'`];
  }

  protected override addColumn(table: string, column: ColumnDefinition): string[] {
    const statements = [`ALTER TABLE ${this.q(table)} ADD ${this.dialect.ddlColumn(this.withoutReference(column))}`];
    if (column.unique && column.nullable && !column.primary) {
      statements.push(this.createIndex(table, { name: defaultIndexName(table, [column.name], true), columns: [column.name], unique: true, where: { [column.name]: { not: null } } }));
    }
    if (column.references) statements.push(...this.addForeignKey(table, foreignKeyOf(table, column)));
    return statements;
  }

  /**
   * ALTER COLUMN refuses a column that constraints or (for most changes) indexes depend on: those
   * are dropped first and made again afterwards. Foreign keys on the column must be dropped by
   * the migration itself.
   */
  protected override alterColumn(table: string, column: ColumnDefinition, current?: TableSchema): string[] {
    const before = current?.columns.find((c) => c.name === column.name);
    const name = this.q(column.name);
    const dependent = current?.indexes.filter((index) => index.columns.includes(column.name)) ?? [];
    const statements = (before?.constraints ?? []).map((constraint) => `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(constraint)}`);
    for (const index of dependent) statements.push(...this.dropIndex(table, index.name, current));
    statements.push(`ALTER TABLE ${this.q(table)} ALTER COLUMN ${name} ${this.dialect.columnType(column)} ${column.nullable ? 'NULL' : 'NOT NULL'}`);
    if (column.default !== undefined) {
      statements.push(`ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(`DF_${table}_${column.name}`.slice(0, 128))} DEFAULT ${this.dialect.ddlLiteral(column.type, column.default)} FOR ${name}`);
    }
    if (column.type === 'json') statements.push(`ALTER TABLE ${this.q(table)} ADD CHECK (ISJSON(${name}) = 1)`);
    for (const index of dependent) {
      statements.push(
        index.constraint
          ? `ALTER TABLE ${this.q(table)} ADD CONSTRAINT ${this.q(index.name)} UNIQUE (${index.columns.map((c) => this.q(c)).join(', ')})`
          : (index.definition ?? this.createIndex(table, { name: index.name, columns: index.columns, unique: index.unique })),
      );
    }
    return statements;
  }

  /** What holds on to the column goes first: its default and CHECK constraints, indexes and foreign keys. */
  protected override dropColumn(table: string, column: string, current?: TableSchema): string[] {
    const statements = (current?.columns.find((c) => c.name === column)?.constraints ?? []).map((constraint) => `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(constraint)}`);
    for (const key of current?.foreignKeys.filter((k) => k.columns.includes(column)) ?? []) statements.push(...this.dropForeignKey(table, key.name));
    for (const index of current?.indexes.filter((i) => i.columns.includes(column)) ?? []) statements.push(...this.dropIndex(table, index.name, current));
    statements.push(`ALTER TABLE ${this.q(table)} DROP COLUMN ${this.q(column)}`);
    return statements;
  }

  protected override dropIndex(table: string, name: string, current?: TableSchema): string[] {
    const index = current?.indexes.find((i) => i.name === name);
    if (index?.constraint) return [`ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`];
    return [`DROP INDEX ${this.q(name)} ON ${this.q(table)}`];
  }
}
