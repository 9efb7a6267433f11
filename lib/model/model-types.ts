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
 * The attribute names of a model: its own non-method properties. A misspelled name in `where`,
 * `orderBy`, `pluck` or `create` is a compile error because it is not in this union.
 */
export type AttributeName<M> = {
  [K in keyof M]-?: K extends keyof RecordMembers ? never : M[K] extends AnyFunction ? never : K;
}[keyof M] &
  string;

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
  in?: readonly V[];
  notIn?: readonly V[];
  like?: string;
  notLike?: string;
  between?: readonly [V, V];
  isNull?: boolean;
}

export type WhereValue<V> = NonNullable<V> | null | readonly NonNullable<V>[] | Operators<NonNullable<V>>;

/** `{ age: { gte: 18 }, status: ['a', 'b'], deletedAt: null }` */
export type WhereInput<M> = { [K in AttributeName<M>]?: WhereValue<M[K]> };

export type OrderDirection = 'asc' | 'desc' | 'ASC' | 'DESC';

export type OrderInput<M> = AttributeName<M> | { [K in AttributeName<M>]?: OrderDirection };

/** A primary key value as a caller may hold it (route parameters arrive as strings). */
export type KeyValue = number | bigint | string;

/** The static side of a model class, as the static query methods see `this`. */
export interface ModelClass<M extends object = object> {
  new (): M;
  readonly prototype: M;
  readonly name: string;
}
