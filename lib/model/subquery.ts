import type { ColumnType } from '../backend/column-types';
import type { SelectNode } from '../query/nodes';
import type { AnyModelClass } from './metadata';

/** How a relation offers itself as a subquery (to `where` values) without the two importing each other. */
export const SUBQUERY: unique symbol = Symbol.for('nestjs-activerecord:subquery') as never;

export interface SubqueryParts {
  /** A select of exactly one column. */
  readonly node: SelectNode;
  /** The model it reads: its connection must be the outer query's. */
  readonly model: AnyModelClass;
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
