import type { RecordMembers } from '../model-types';

/**
 * A type-only brand every model instance carries (see ActiveRecord). Association types test
 * for it rather than for `ActiveRecord` itself: comparing a model with the whole class would
 * compare methods whose types mention associations, a circle TypeScript resolves to `any`.
 */
export declare const MODEL_BRAND: unique symbol;
export type ModelInstance = { readonly [MODEL_BRAND]: true };

type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * Whether a property's declared type holds associated records: a model (`author!: Author`,
 * `profile!: Profile | null`) or an array of one (`books!: Book[]`). Such properties are
 * associations, not attributes: they never appear in `where` as columns, in `create`, or in
 * `pluck`. (`any` is neither, so a loosely typed column stays an attribute.)
 */
export type IsAssociationType<V> =
  IsAny<V> extends true
    ? false
    : [NonNullable<V>] extends [readonly (infer E)[]]
      ? IsAny<E> extends true
        ? false
        : [E] extends [ModelInstance]
          ? true
          : false
      : [NonNullable<V>] extends [never]
        ? false
        : [NonNullable<V>] extends [ModelInstance]
          ? true
          : false;

/** The association names of a model: its properties declared as a model or an array of one. */
export type AssociationName<M> = {
  [K in keyof M]-?: K extends keyof RecordMembers ? never : IsAssociationType<M[K]> extends true ? K : never;
}[keyof M] &
  string;

/** The model at the other end of association `A` (the element type of a collection). */
export type AssociatedModel<M, A extends keyof M> = NonNullable<M[A]> extends readonly (infer T)[] ? T : NonNullable<M[A]>;

/**
 * What `includes` and `joins` accept: association names, arrays of them, and objects that
 * nest further associations under one: `includes('author', { books: ['tags'] })`.
 */
export type IncludeSpec<M> =
  | AssociationName<M>
  | readonly IncludeSpec<M>[]
  | { readonly [A in AssociationName<M>]?: true | IncludeSpec<AssociatedModel<M, A>> };
