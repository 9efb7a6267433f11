import type { TableSchema } from '../../schema/database-schema';
import type { SchemaOperation } from '../../schema/schema-operations';
import type { ColumnDefinition } from '../../schema/table-definition';
import { DdlCompiler } from '../ddl-compiler';

/**
 * MySQL and MariaDB: MODIFY COLUMN restates a column whole, indexes are dropped per table, a
 * foreign key is dropped with DROP FOREIGN KEY (and the index InnoDB made for it goes with it),
 * and there are no partial indexes. Each statement commits on its own.
 */
export class MysqlDdlCompiler extends DdlCompiler {
  override readonly partialIndexes = false;

  override needsCurrentTable(operation: SchemaOperation): boolean {
    switch (operation.kind) {
      case 'alterColumn':
      case 'dropColumn':
      case 'dropIndex':
      case 'dropForeignKey':
        return true;
      default:
        return false;
    }
  }

  /** A generated key stays generated: MODIFY would otherwise drop AUTO_INCREMENT. */
  protected override alterColumn(table: string, column: ColumnDefinition, current?: TableSchema): string[] {
    const generated = current?.columns.find((c) => c.name === column.name)?.autoIncrement ?? false;
    const definition = this.dialect.ddlColumn({ ...column, primary: false, unique: false, references: undefined, autoIncrement: false });
    return [`ALTER TABLE ${this.q(table)} MODIFY COLUMN ${definition}${generated ? ' AUTO_INCREMENT' : ''}`];
  }

  /** A column under a foreign key cannot be dropped until the key is. */
  protected override dropColumn(table: string, column: string, current?: TableSchema): string[] {
    const keys = current?.foreignKeys.filter((key) => key.columns.includes(column)) ?? [];
    return [...keys.flatMap((key) => this.dropForeignKey(table, key.name, current)), `ALTER TABLE ${this.q(table)} DROP COLUMN ${this.q(column)}`];
  }

  /**
   * InnoDB needs an index for every foreign key and refuses to drop the one a key uses. When no
   * other index would serve it, the key gets one of its own (named after it) in the same ALTER.
   */
  protected override dropIndex(table: string, name: string, current?: TableSchema): string[] {
    const index = current?.indexes.find((i) => i.name === name);
    const others = current?.indexes.filter((i) => i.name !== name) ?? [];
    const servesAlone = (columns: readonly string[]) => (candidate: { columns: readonly string[] }) => columns.every((column, at) => candidate.columns[at] === column);
    const orphaned = index
      ? (current?.foreignKeys ?? []).filter((key) => servesAlone(key.columns)(index) && !others.some(servesAlone(key.columns)))
      : [];
    if (orphaned.length === 0) return [`DROP INDEX ${this.q(name)} ON ${this.q(table)}`];
    const keep = orphaned.map((key) => `, ADD INDEX ${this.q(key.name)} (${key.columns.map((c) => this.q(c)).join(', ')})`).join('');
    return [`ALTER TABLE ${this.q(table)} DROP INDEX ${this.q(name)}${keep}`];
  }

  protected override dropForeignKey(table: string, name: string, current?: TableSchema): string[] {
    const statements = [`ALTER TABLE ${this.q(table)} DROP FOREIGN KEY ${this.q(name)}`];
    if (current?.indexes.some((index) => index.name === name && index.implicit)) statements.push(`DROP INDEX ${this.q(name)} ON ${this.q(table)}`);
    return statements;
  }
}
