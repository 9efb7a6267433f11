import type { ColumnType } from '../backend/column-types';
import type { ColumnDefault, IndexWhere, ReferentialAction } from './table-definition';

/**
 * A database's tables as its catalog describes them (introspection). Each backend reads its own
 * catalog (lib/backend/<db>/introspection.ts) into these shapes; the migration generator diffs
 * them against the models, and SQLite's table rebuild recreates a table from them.
 */
export interface DatabaseSchema {
  readonly tables: readonly TableSchema[];
}

export interface TableSchema {
  readonly name: string;
  /** In the table's column order. */
  readonly columns: readonly ColumnSchema[];
  /** Primary key columns, in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Every index but the primary key's. */
  readonly indexes: readonly IndexSchema[];
  readonly foreignKeys: readonly ForeignKeySchema[];
  /** What a backend needs to rebuild the table exactly (SQLite: its triggers and dependent views). */
  readonly rebuild?: RebuildInfo;
}

export interface ColumnSchema {
  readonly name: string;
  /** The library's logical type this database type maps to; absent for types it has no name for. */
  readonly type?: ColumnType;
  /** The type as the database spells it: `character varying(100)`, `TEXT`, `NUMBER(12,2)`. */
  readonly nativeType: string;
  readonly nullable: boolean;
  /** The default as a literal, when it is one the library can read; see `defaultSql` otherwise. */
  readonly default?: ColumnDefault;
  /** The default expression as the catalog holds it (absent: no default). */
  readonly defaultSql?: string;
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
  /** Generated key (identity, AUTO_INCREMENT, AUTOINCREMENT). */
  readonly autoIncrement: boolean;
  /** Named constraints attached to the column that must go before it can (SQL Server: default and CHECK constraints). */
  readonly constraints?: readonly string[];
}

export interface IndexSchema {
  readonly name: string;
  /** Column names in index order; empty for an index on expressions only. */
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** It backs a UNIQUE constraint: dropped as a constraint, not as an index. */
  readonly constraint: boolean;
  /**
   * Made by the database for a constraint and not droppable on its own (SQLite's autoindex of a
   * UNIQUE column; MySQL's index behind a foreign key). The generator never drops these.
   */
  readonly implicit: boolean;
  /** The partial index's condition as the catalog prints it. */
  readonly predicate?: string;
  /** The condition read back into the library's form, when it is a simple one. */
  readonly where?: IndexWhere;
  /** Some key part is an expression, not a column: the generator leaves it alone. */
  readonly expression?: boolean;
  /** The CREATE INDEX statement, where the catalog keeps it (SQLite, PostgreSQL). */
  readonly definition?: string;
}

export interface ForeignKeySchema {
  readonly name: string;
  readonly columns: readonly string[];
  readonly referencedTable: string;
  readonly referencedColumns: readonly string[];
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
}

/** SQLite keeps what a table rebuild must put back as SQL text. */
export interface RebuildInfo {
  /** CREATE TRIGGER statements on the table. */
  readonly triggers: readonly string[];
  /** Views that mention the table: dropped before the rebuild and created again after. */
  readonly views: readonly { readonly name: string; readonly sql: string }[];
  /** The table has AUTOINCREMENT, whose counter (sqlite_sequence) the rebuild carries over. */
  readonly autoIncrementSequence: boolean;
}
