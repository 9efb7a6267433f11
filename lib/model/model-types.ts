import type { AssociatedModel, AssociationName, IsAssociationType } from './associations/association-types';
import type { SubqueryValue } from './subquery';

type AnyFunction = (...args: never[]) => unknown;

/**
 * The members every record has that are not methods (methods are left out of attribute names
 * anyway). ActiveRecord implements this interface: a property added there that is not a method
 * must be listed here too, or it would pass for an attribute. (Named here rather than read off
 * the class, so that this file and active-record.ts do not import each other.)
 */
export interface RecordMembers {
  readonly isNewRecord: boolean;
  readonly isDestroyed: boolean;
}

/**
 * The attribute names of a model: its own non-method properties that are not associations. A
 * misspelled name in `where`, `orderBy`, `pluck` or `create` is a compile error because it is
 * not in this union.
 */
export type AttributeName<M> = {
  [K in keyof M]-?: K extends keyof RecordMembers ? never : M[K] extends AnyFunction ? never : IsAssociationType<M[K]> extends true ? never : K;
}[keyof M] &
  string;

/**
 * An attribute of the model, or of a model it joins one association away: `'title'`,
 * `'author.name'` (after `joins('author')`). Deeper paths are checked at runtime only.
 */
export type ColumnPath<M> =
  | AttributeName<M>
  | { [A in AssociationName<M>]: `${A}.${AttributeName<AssociatedModel<M, A>>}` }[AssociationName<M>];

/** The JavaScript type of a column path's values. */
export type ColumnValue<M, P extends string> = P extends `${infer A}.${infer C}`
  ? A extends AssociationName<M>
    ? C extends keyof AssociatedModel<M, A>
      ? AssociatedModel<M, A>[C]
      : never
    : never
  : P extends keyof M
    ? M[P]
    : never;

export type Attributes<M> = { [K in AttributeName<M>]: M[K] };

/** What `create`, `assign` and `insertAll` accept. */
export type AttributeInput<M> = Partial<Attributes<M>>;

/** Comparison operators of `where`; arrays mean IN, `null` means IS NULL. */
export interface Operators<V> {
  eq?: V | null;
  ne?: V | null;
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  /** A list, or a relation selecting one column (a subquery). */
  in?: readonly V[] | SubqueryValue;
  notIn?: readonly V[] | SubqueryValue;
  like?: string;
  notLike?: string;
  between?: readonly [V, V];
  isNull?: boolean;
}

export type WhereValue<V> = NonNullable<V> | null | readonly NonNullable<V>[] | Operators<NonNullable<V>> | SubqueryValue;

/**
 * `{ age: { gte: 18 }, status: ['a', 'b'], deletedAt: null }`; a joined association's
 * attributes nest under its name: `{ author: { name: 'Ada' } }` (after `joins('author')`); a
 * belongsTo also takes a record or null (`{ author: ada }`), compared by its key.
 */
export type WhereInput<M> = { [K in AttributeName<M>]?: WhereValue<M[K]> } & {
  [A in AssociationName<M>]?: WhereInput<AssociatedModel<M, A>> | AssociatedModel<M, A> | null;
};

export type OrderDirection = 'asc' | 'desc' | 'ASC' | 'DESC';

export type OrderInput<M> = ColumnPath<M> | { [K in ColumnPath<M>]?: OrderDirection };

/** A primary key value as a caller may hold it (route parameters arrive as strings). */
export type KeyValue = number | bigint | string;

/** The static side of a model class, as the static query methods see `this`. */
export interface ModelClass<M extends object = object> {
  new (): M;
  readonly prototype: M;
  readonly name: string;
}
