import type { ColumnType } from '../backend/column-types';
import type { SelectNode } from '../query/nodes';
import type { AnyModelClass } from './metadata';

/** How a relation offers itself as a subquery (to `where` values) without the two importing each other. */
export const SUBQUERY: unique symbol = Symbol.for('nestjs-activerecord:subquery') as never;

export interface SubqueryParts {
  /** A select of exactly one column. */
  readonly node: SelectNode;
  /** The model it reads. */
  readonly model: AnyModelClass;
  /** Every model it reads and how: each must be on the outer query's connection. */
  readonly reads: readonly { readonly model: AnyModelClass; readonly via: string }[];
  readonly type?: ColumnType;
}

/**
 * A relation that selects one column (`Author.where({...}).select('id')`), used as a `where`
 * value: `IN (subquery)`, run on the same connection. A relation with no select stands for its
 * primary keys.
 */
export interface SubqueryValue {
  [SUBQUERY](method: string): SubqueryParts;
}

export function isSubquery(value: unknown): value is SubqueryValue {
  return typeof value === 'object' && value !== null && typeof (value as Partial<SubqueryValue>)[SUBQUERY] === 'function';
}
