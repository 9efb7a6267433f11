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
  /** The table or alias that qualifies the name, in statements that read more than one table. */
  readonly table?: string;
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
  | { readonly kind: 'not'; readonly item: ConditionNode }
  /** One column against another: join conditions, correlated subqueries. */
  | { readonly kind: 'columns'; readonly left: ColumnRef; readonly op: ComparisonOperator; readonly right: ColumnRef }
  /** `column IN (subquery)`; the subquery selects exactly one column. */
  | { readonly kind: 'inQuery'; readonly column: ColumnRef; readonly query: SelectNode; readonly negated: boolean }
  /** `EXISTS (subquery)`. */
  | { readonly kind: 'exists'; readonly query: SelectNode; readonly negated: boolean }
  /** An expression (an aggregate, in HAVING) against a bound value of logical type `type`. */
  | {
      readonly kind: 'expression';
      readonly expression: ExpressionNode;
      readonly op: ComparisonOperator;
      readonly value: unknown;
      readonly type?: ColumnType;
    };

/** ORDER BY a column (qualified by `table` in statements that join) or by an expression. */
export type OrderNode =
  | { readonly column: string; readonly direction: 'asc' | 'desc'; readonly table?: string }
  | { readonly expression: ExpressionNode; readonly direction: 'asc' | 'desc' };

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';
export type RankingFunction = 'row_number' | 'rank' | 'dense_rank';

export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly fn: AggregateFunction;
  /** The column aggregated; absent for `COUNT(*)`. */
  readonly argument?: ColumnRef;
  readonly distinct?: boolean;
  /** `decimal` arguments: the column's scale (SQLite sums decimals exactly with it). */
  readonly scale?: number;
}

/** A value computed per row: a column, an aggregate, or a window function over a partition. */
export type ExpressionNode =
  | { readonly kind: 'column'; readonly column: ColumnRef }
  | AggregateNode
  | {
      readonly kind: 'window';
      readonly fn: AggregateNode | { readonly kind: 'ranking'; readonly fn: RankingFunction };
      readonly partitionBy: readonly ColumnRef[];
      readonly orderBy: readonly OrderNode[];
    };

/** One item of a select list that is not a plain column: `<expression> AS <alias>`. */
export interface SelectionNode {
  readonly expression: ExpressionNode;
  readonly alias: string;
  /** The logical type of the result, where a dialect must read some type specially (decimals on SQL Server). */
  readonly type?: ColumnType;
}

export interface JoinNode {
  readonly kind: 'inner' | 'left';
  readonly table: string;
  readonly alias: string;
  readonly on: ConditionNode;
}

/** `FOR UPDATE` / `FOR SHARE`, spelled per dialect. */
export interface RowLockNode {
  readonly mode: 'update' | 'share';
  /** Wait for locked rows (default), fail at once, or skip them. */
  readonly wait: 'wait' | 'nowait' | 'skip locked';
  /** The root table's key: names the rows to lock where a dialect locks joined tables too otherwise. */
  readonly of?: ColumnRef;
}

/** `part UNION [ALL] part ...`: read as a table (SelectNode.source), its rows shaped alike. */
export interface CompoundSelectNode {
  readonly kind: 'compound';
  readonly operator: 'union' | 'union all';
  readonly parts: readonly SelectNode[];
}

export interface CommonTableNode {
  readonly name: string;
  /** The CTE's column names, in the order its query selects them. */
  readonly columns: readonly string[];
  readonly query: SelectNode | CompoundSelectNode;
}

export interface WithNode {
  /** Some CTE refers to itself (`WITH RECURSIVE`, where the dialect spells it). */
  readonly recursive: boolean;
  readonly tables: readonly CommonTableNode[];
}

export interface SelectNode {
  readonly kind: 'select';
  readonly table: string;
  /**
   * The name the table (or `source`) goes by in this statement. When set, or when the statement
   * joins, `columns` are qualified by it (by `table` when it is unset).
   */
  readonly alias?: string;
  /** Read from this instead of `table`: a set operation's rows, or a common table expression. */
  readonly source?: CompoundSelectNode | { readonly kind: 'cte'; readonly name: string };
  readonly with?: WithNode;
  readonly distinct?: boolean;
  /** Select these instead of `columns` (aggregates, window functions, joined columns). */
  readonly selections?: readonly SelectionNode[];
  readonly joins?: readonly JoinNode[];
  readonly groupBy?: readonly ColumnRef[];
  readonly having?: ConditionNode;
  readonly lock?: RowLockNode;
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
