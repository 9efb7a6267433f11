import type { ColumnDefinition, IndexDefinition, ReferentialAction, TableDefinition } from './table-definition';

/** A foreign key added to an existing table. */
export interface ForeignKeyOperation {
  readonly name: string;
  readonly column: string;
  readonly referencedTable: string;
  readonly referencedColumn: string;
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
}

/**
 * One change a migration makes, as data: what the schema builder records and each backend's
 * DDL compiler turns into statements. Names are checked by the compiler's quoting, never spliced.
 */
export type SchemaOperation =
  | { readonly kind: 'createTable'; readonly table: TableDefinition }
  | { readonly kind: 'dropTable'; readonly table: string }
  | { readonly kind: 'renameTable'; readonly table: string; readonly to: string }
  | { readonly kind: 'addColumn'; readonly table: string; readonly column: ColumnDefinition }
  | { readonly kind: 'alterColumn'; readonly table: string; readonly column: ColumnDefinition }
  | { readonly kind: 'renameColumn'; readonly table: string; readonly column: string; readonly to: string }
  | { readonly kind: 'dropColumn'; readonly table: string; readonly column: string }
  | { readonly kind: 'addIndex'; readonly table: string; readonly index: IndexDefinition }
  | { readonly kind: 'dropIndex'; readonly table: string; readonly name: string }
  | { readonly kind: 'addForeignKey'; readonly table: string; readonly foreignKey: ForeignKeyOperation }
  | { readonly kind: 'dropForeignKey'; readonly table: string; readonly name: string };

export type SchemaOperationKind = SchemaOperation['kind'];
