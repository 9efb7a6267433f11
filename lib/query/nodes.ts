/**
 * The query tree: plain, immutable data describing a statement. The model layer builds it from
 * validated model metadata (so every name in it is a real column), and a Dialect compiles it to
 * SQL text plus bind values. Nothing here knows about drivers or SQL syntax.
 *
 * Values inside the tree are JavaScript values tagged with their column's logical type; the Dialect
 * converts each to driver form as it binds it, so one tree compiles for any backend.
 */
import type { ColumnType } from '../backend/column-types';

/** A column reference with the logical type its bound values are converted by. */
export interface ColumnRef {
  readonly name: string;
  /** Absent for values with no model column behind them (converted by JavaScript type). */
  readonly type?: ColumnType;
}

export type ComparisonOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';

export type ConditionNode =
  | { readonly kind: 'compare'; readonly column: ColumnRef; readonly op: ComparisonOperator; readonly value: unknown }
  | { readonly kind: 'in'; readonly column: ColumnRef; readonly values: readonly unknown[]; readonly negated: boolean }
  | { readonly kind: 'between'; readonly column: ColumnRef; readonly low: unknown; readonly high: unknown }
  | { readonly kind: 'null'; readonly column: ColumnRef; readonly negated: boolean }
  | { readonly kind: 'like'; readonly column: ColumnRef; readonly pattern: string; readonly negated: boolean }
  | { readonly kind: 'and'; readonly items: readonly ConditionNode[] }
  | { readonly kind: 'or'; readonly items: readonly ConditionNode[] }
  | { readonly kind: 'not'; readonly item: ConditionNode };

export interface OrderNode {
  readonly column: string;
  readonly direction: 'asc' | 'desc';
}

export interface SelectNode {
  readonly kind: 'select';
  readonly table: string;
  /** Column names to select; empty means every column (`*`). */
  readonly columns: readonly string[];
  /**
   * The logical types of `columns`, index for index, where known (the model layer knows them).
   * A dialect whose driver reads some type inexactly uses it to select that column differently
   * (SQL Server casts DECIMAL to text, since tedious returns it as a double). Others ignore it.
   */
  readonly columnTypes?: readonly (ColumnType | undefined)[];
  readonly where?: ConditionNode;
  readonly orderBy: readonly OrderNode[];
  readonly limit?: number;
  readonly offset?: number;
}

/** `SELECT COUNT(*)` over the rows a select would return (its limit and offset respected). */
export interface CountNode {
  readonly kind: 'count';
  readonly source: SelectNode;
}

/** `SELECT 1 ... LIMIT 1`: does any row match? */
export interface ExistsNode {
  readonly kind: 'exists';
  readonly source: SelectNode;
}

export interface InsertNode {
  readonly kind: 'insert';
  readonly table: string;
  readonly columns: readonly ColumnRef[];
  /** One entry per row, each aligned with `columns`. */
  readonly rows: readonly (readonly unknown[])[];
  /** Columns to return from the inserted rows where the dialect supports it. */
  readonly returning?: readonly string[];
  /** Turns the insert into an upsert. */
  readonly onConflict?: ConflictClause;
}

/**
 * What to do when an inserted row collides with an existing one on a unique key: update the
 * listed columns from the proposed row, or (no columns) leave the existing row alone.
 */
export interface ConflictClause {
  /** The unique key's columns (MySQL ignores them: it reacts to any unique key). */
  readonly target: readonly string[];
  /** Columns to overwrite with the proposed row's values; empty means do nothing. */
  readonly update: readonly string[];
}

export interface UpdateNode {
  readonly kind: 'update';
  readonly table: string;
  readonly set: readonly (readonly [column: ColumnRef, value: unknown])[];
  /** Integer columns set to their own value plus one (optimistic locking's version column). */
  readonly increment?: readonly ColumnRef[];
  readonly where?: ConditionNode;
}

export interface DeleteNode {
  readonly kind: 'delete';
  readonly table: string;
  readonly where?: ConditionNode;
}

export type QueryNode = SelectNode | CountNode | ExistsNode | InsertNode | UpdateNode | DeleteNode;

/** What a Dialect produces and a backend runs. */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export function and(items: readonly ConditionNode[]): ConditionNode | undefined {
  if (items.length === 0) return undefined;
  if (items.length === 1) return items[0];
  return { kind: 'and', items };
}
