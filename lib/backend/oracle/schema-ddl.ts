import type { TableSchema } from '../../schema/database-schema';
import type { SchemaOperation } from '../../schema/schema-operations';
import type { ColumnDefinition } from '../../schema/table-definition';
import { DdlCompiler, foreignKeyOf, sameNativeType } from '../ddl-compiler';

/**
 * Oracle: columns are added and modified in parentheses, MODIFY restates only what changes (it
 * refuses to set NOT NULL on a column that already is), a dropped column takes its constraints
 * with it, and there are no partial indexes. Every DDL statement commits on its own.
 */
export class OracleDdlCompiler extends DdlCompiler {
  override readonly partialIndexes = false;

  override needsCurrentTable(operation: SchemaOperation): boolean {
    return operation.kind === 'alterColumn' || operation.kind === 'dropIndex';
  }

  protected override addColumn(table: string, column: ColumnDefinition): string[] {
    const statements = [`ALTER TABLE ${this.q(table)} ADD (${this.dialect.ddlColumn(this.withoutReference(column))})`];
    if (column.references) statements.push(...this.addForeignKey(table, foreignKeyOf(table, column)));
    return statements;
  }

  protected override alterColumn(table: string, column: ColumnDefinition, current?: TableSchema): string[] {
    const before = current?.columns.find((c) => c.name === column.name);
    const name = this.q(column.name);
    let definition = `${name} ${this.dialect.columnType(column)}`;
    definition += ` DEFAULT ${column.default === undefined ? 'NULL' : this.dialect.ddlLiteral(column.type, column.default)}`;
    if (before === undefined || before.nullable !== column.nullable) definition += column.nullable ? ' NULL' : ' NOT NULL';
    // Booleans and JSON are checked by CHECK constraints: they go and come with the logical type.
    const typeChanges = before === undefined || before.type !== column.type || !sameNativeType(this.dialect, before, column);
    const statements = typeChanges ? (before?.constraints ?? []).map((check) => `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(check)}`) : [];
    statements.push(`ALTER TABLE ${this.q(table)} MODIFY (${definition})`);
    if (typeChanges && column.type === 'boolean') statements.push(`ALTER TABLE ${this.q(table)} ADD CHECK (${name} IN (0, 1))`);
    if (typeChanges && column.type === 'json') statements.push(`ALTER TABLE ${this.q(table)} ADD CHECK (${name} IS JSON)`);
    return statements;
  }

  protected override dropColumn(table: string, column: string): string[] {
    return [`ALTER TABLE ${this.q(table)} DROP (${this.q(column)}) CASCADE CONSTRAINTS`];
  }
}
