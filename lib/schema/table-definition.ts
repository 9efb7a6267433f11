import type { ColumnType } from '../backend/column-types';

/** A literal default written into DDL (developer-supplied, escaped by the Dialect). */
export type ColumnDefault = string | number | boolean | null;

export type ReferentialAction = 'cascade' | 'set null' | 'restrict' | 'no action';

export interface ForeignKeyDefinition {
  readonly table: string;
  readonly column: string;
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
  /** Constraint name; absent: the database picks one. Migrations always name theirs. */
  readonly name?: string;
}

/** A literal an index predicate compares a column with. */
export type IndexWhereValue = string | number | boolean | null;

/**
 * The condition of a partial index, by column: `{ deletedAt: null }` (IS NULL),
 * `{ deletedAt: { not: null } }` (IS NOT NULL), `{ status: 'active' }`, `{ status: { not: 'gone' } }`.
 * Conditions are ANDed. Values are literals written into DDL by the dialect.
 */
export type IndexWhere = Readonly<Record<string, IndexWhereValue | { readonly not: IndexWhereValue }>>;

export interface IndexDefinition {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** Partial index (PostgreSQL, SQLite, SQL Server); see IndexWhere. */
  readonly where?: IndexWhere;
}

/** One column as the database sees it; built from model metadata, compiled by a Dialect. */
export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly primary: boolean;
  /** Database-generated key (auto-increment / identity). */
  readonly autoIncrement: boolean;
  readonly unique: boolean;
  readonly default?: ColumnDefault;
  /** `string` columns: maximum length in characters. */
  readonly length?: number;
  /** `decimal` columns: total digits and digits after the point. */
  readonly precision?: number;
  readonly scale?: number;
  readonly references?: ForeignKeyDefinition;
}

export interface TableDefinition {
  readonly name: string;
  readonly columns: readonly ColumnDefinition[];
  /** Indexes created with the table (CREATE INDEX after CREATE TABLE). */
  readonly indexes?: readonly IndexDefinition[];
}

/**
 * A column of one of the library's own tables (decision log, saga log, marker rows): NOT NULL,
 * not a key, not generated, unless `extra` says otherwise.
 */
export function columnDefinition(name: string, type: ColumnType, extra: Partial<ColumnDefinition> = {}): ColumnDefinition {
  return { name, type, nullable: false, primary: false, autoIncrement: false, unique: false, ...extra };
}
