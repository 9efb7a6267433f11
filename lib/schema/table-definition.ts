import type { ColumnType } from '../backend/column-types';

/** A literal default written into DDL (developer-supplied, escaped by the Dialect). */
export type ColumnDefault = string | number | boolean | null;

export type ReferentialAction = 'cascade' | 'set null' | 'restrict' | 'no action';

export interface ForeignKeyDefinition {
  readonly table: string;
  readonly column: string;
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
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
}

/**
 * A column of one of the library's own tables (decision log, saga log, marker rows): NOT NULL,
 * not a key, not generated, unless `extra` says otherwise.
 */
export function columnDefinition(name: string, type: ColumnType, extra: Partial<ColumnDefinition> = {}): ColumnDefinition {
  return { name, type, nullable: false, primary: false, autoIncrement: false, unique: false, ...extra };
}
