import { ConfigurationError } from '../../errors';
import type { ActiveRecord } from '../active-record';
import type { AnyModelClass } from '../metadata';
import type { AttributeName } from '../model-types';
import type { Relation } from '../relation';
import { declareAssociation, type AssociationDeclaration, type AssociationKind } from './declarations';
import { defineAssociationAccessor } from './loaded-associations';

/** A model class as an association's target: `() => Author`. */
type ModelConstructor<T> = abstract new (...args: never[]) => T;

/** Refines every read of the association: `scope: (books) => books.where({ published: true }).orderBy('title')`. */
export type AssociationScopeFunction<T extends ActiveRecord> = (relation: Relation<T>) => Relation<T>;

export interface BelongsToOptions<T extends ActiveRecord, F extends string, P extends string> {
  /** The attribute of this model that holds the key; default `<property>Id`, or the one column that `references` the target. */
  foreignKey?: F;
  /** The target's attribute the key points at; default its primary key. */
  primaryKey?: P & AttributeName<T>;
  scope?: AssociationScopeFunction<T>;
}

export interface HasManyOptions<T extends ActiveRecord, F extends string, P extends string> {
  /** The target's attribute pointing at this model; default: inferred from the target's @BelongsTo or `references`. */
  foreignKey?: F & AttributeName<T>;
  /** This model's attribute the foreign key points at; default its primary key. */
  primaryKey?: P;
  scope?: AssociationScopeFunction<T>;
}

export interface HasManyThroughOptions<T extends ActiveRecord, J extends ActiveRecord, F extends string, O extends string, P extends string> {
  /** The join model: one row per pair (`BookTag` with `bookId` and `tagId`). */
  through: () => ModelConstructor<J>;
  /** The join model's attribute pointing at this model; default inferred as for hasMany. */
  foreignKey?: F & AttributeName<J>;
  /** The join model's attribute pointing at the target; default inferred as for belongsTo. */
  otherKey?: O & AttributeName<J>;
  /** This model's attribute the join rows point at; default its primary key. */
  primaryKey?: P;
  scope?: AssociationScopeFunction<T>;
}

/**
 * The decorator itself. Its parameter types make a mistyped property (`author!: Book` under
 * `@BelongsTo(() => Author)`) or a foreign key this model lacks a compile error.
 */
type PropertyDecoratorFor<Value, Requires extends string> = <O extends ActiveRecord & { [K in Requires]: unknown }, K extends string>(
  prototype: O & { [P in K]?: Value },
  property: K,
) => void;

/**
 * `@BelongsTo(() => Author) author!: Author`: this model holds the key (`authorId`) of one
 * Author. Reading `book.author` needs it loaded (`includes('author')`, `book.load('author')`).
 */
export function BelongsTo<T extends ActiveRecord, F extends string = never, P extends string = never>(
  target: () => ModelConstructor<T>,
  options: BelongsToOptions<T, F, P> = {},
): PropertyDecoratorFor<T | null, F> {
  return associationDecorator('belongsTo', target, options) as PropertyDecoratorFor<T | null, F>;
}

/**
 * `@HasMany(() => Book) books!: Book[]`: many Books hold this model's key. With
 * `{ through: () => BookTag }`, many-to-many through a join model.
 */
export function HasMany<T extends ActiveRecord, F extends string = never, P extends string = never>(
  target: () => ModelConstructor<T>,
  options?: HasManyOptions<T, F, P>,
): PropertyDecoratorFor<readonly T[], P>;
export function HasMany<T extends ActiveRecord, J extends ActiveRecord, F extends string = never, O extends string = never, P extends string = never>(
  target: () => ModelConstructor<T>,
  options: HasManyThroughOptions<T, J, F, O, P>,
): PropertyDecoratorFor<readonly T[], P>;
export function HasMany(target: () => AnyModelClass, options: object = {}): PropertyDecoratorFor<readonly ActiveRecord[], never> {
  return associationDecorator('hasMany', target, options) as PropertyDecoratorFor<readonly ActiveRecord[], never>;
}

/** `@HasOne(() => Profile) profile!: Profile | null`: at most one Profile holds this model's key. */
export function HasOne<T extends ActiveRecord, F extends string = never, P extends string = never>(
  target: () => ModelConstructor<T>,
  options?: HasManyOptions<T, F, P>,
): PropertyDecoratorFor<T | null, P>;
export function HasOne<T extends ActiveRecord, J extends ActiveRecord, F extends string = never, O extends string = never, P extends string = never>(
  target: () => ModelConstructor<T>,
  options: HasManyThroughOptions<T, J, F, O, P>,
): PropertyDecoratorFor<T | null, P>;
export function HasOne(target: () => AnyModelClass, options: object = {}): PropertyDecoratorFor<ActiveRecord | null, never> {
  return associationDecorator('hasOne', target, options) as PropertyDecoratorFor<ActiveRecord | null, never>;
}

const OPTION_NAMES: Readonly<Record<AssociationKind, readonly string[]>> = {
  belongsTo: ['foreignKey', 'primaryKey', 'scope'],
  hasMany: ['foreignKey', 'primaryKey', 'through', 'otherKey', 'scope'],
  hasOne: ['foreignKey', 'primaryKey', 'through', 'otherKey', 'scope'],
};

const DECORATOR_NAMES: Readonly<Record<AssociationKind, string>> = { belongsTo: '@BelongsTo', hasMany: '@HasMany', hasOne: '@HasOne' };

function associationDecorator(kind: AssociationKind, target: unknown, options: object) {
  return (prototype: object, property: string | symbol): void => {
    const model = (prototype as { constructor: { name: string } }).constructor.name;
    const where = `${DECORATOR_NAMES[kind]} on ${model}.${String(property)}`;
    const fail = (message: string, field?: string): never => {
      throw new ConfigurationError(`${where}: ${message}`, { model, field: field ? `${String(property)}.${field}` : String(property) });
    };
    if (typeof property !== 'string') fail('symbol properties cannot be associations');
    if (typeof target !== 'function') fail('the target must be a function returning the model class, e.g. () => Author');
    if (options === null || typeof options !== 'object') fail('options must be an object');
    const given = options as Record<string, unknown>;
    for (const name of Object.keys(given)) {
      if (!OPTION_NAMES[kind].includes(name)) fail(`unknown option '${name}' (options: ${OPTION_NAMES[kind].join(', ')})`, name);
    }
    for (const name of ['foreignKey', 'primaryKey', 'otherKey']) {
      const value = given[name];
      if (value !== undefined && (typeof value !== 'string' || value === '')) fail(`${name} must be an attribute name`, name);
    }
    for (const name of ['through', 'scope']) {
      if (given[name] !== undefined && typeof given[name] !== 'function') fail(`${name} must be a function`, name);
    }
    if (given.otherKey !== undefined && given.through === undefined) fail('otherKey needs `through`', 'otherKey');
    const declaration: AssociationDeclaration = {
      kind,
      property: property as string,
      target: target as () => AnyModelClass,
      foreignKey: given.foreignKey as string | undefined,
      primaryKey: given.primaryKey as string | undefined,
      through: given.through as (() => AnyModelClass) | undefined,
      otherKey: given.otherKey as string | undefined,
      scope: given.scope as AssociationDeclaration['scope'],
    };
    declareAssociation(prototype, declaration);
    defineAssociationAccessor(prototype, property as string);
  };
}
