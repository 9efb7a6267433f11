import { ConfigurationError } from '../errors';
import type { ConditionNode, OrderNode } from '../query/nodes';
import { processWide } from '../util/process-wide';
import type { ActiveRecord } from './active-record';
import { managedColumns } from './lifecycle/managed-columns';
import type { ModelMetadata } from './metadata';
import type { Relation } from './relation';

/**
 * A model's default scope: conditions (and an order) applied to every relation that starts from
 * the model — `all`, `find`, `count`, `pluck`, `updateAll`, `deleteAll`, streams, batches, and
 * the associations and includes built on them — until `unscoped()` removes it. Soft delete
 * (`@DeletedAt`) is a default scope too: deleted rows are hidden until `withDeleted()` or
 * `onlyDeleted()` asks for them.
 *
 * ```ts
 * @DefaultScope<Post>((posts) => posts.where({ published: true }).orderBy('createdAt', 'desc'))
 * @Model()
 * class Post extends ActiveRecord { ... }
 * ```
 *
 * The function runs each time a relation is compiled (so a scope may read the clock), on a
 * relation with no scope of its own. It may add conditions and an order, nothing else. Its order
 * applies only to relations that set none. A subclass inherits its parent's default scope and
 * may add one of its own (both apply).
 */
export type DefaultScopeFunction<M extends ActiveRecord> = (relation: Relation<M>) => Relation<M>;

/** Which parts of the default scope a relation keeps. */
export interface ScopeSelection {
  /** `unscoped()`: no default scope at all, soft delete included. */
  readonly unscoped?: boolean;
  /** `withDeleted()`: soft-deleted rows too; `onlyDeleted()`: only them. Default: hidden. */
  readonly deleted?: 'include' | 'only';
}

/** What a default scope contributes to a relation. */
export interface ScopeParts {
  readonly conditions: readonly ConditionNode[];
  readonly order: readonly OrderNode[];
}

type AnyScope = (relation: never) => unknown;

const declared = processWide('default-scopes', () => new WeakMap<object, AnyScope[]>());

/** Class decorator: give a model a default scope (see DefaultScopeFunction). */
export function DefaultScope<M extends ActiveRecord>(scope: DefaultScopeFunction<M>): (target: abstract new (...args: never[]) => M) => void {
  return (target) => {
    if (typeof scope !== 'function') {
      throw new ConfigurationError(`@DefaultScope on ${target.name} needs a function: (relation) => relation.where({ ... })`, {
        model: target.name,
      });
    }
    const list = declared.get(target) ?? [];
    list.push(scope as AnyScope);
    declared.set(target, list);
  };
}

/** The default scope functions of a model class and its ancestors, oldest ancestor first. */
function scopesOf(model: object): AnyScope[] {
  const chain: AnyScope[][] = [];
  for (let current: object | null = model; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const own = declared.get(current);
    if (own !== undefined) chain.unshift(own);
  }
  return chain.flat();
}

/** Whether relations of this model carry any default scope (user-declared or soft delete). */
export function hasDefaultScope(model: object, metadata: ModelMetadata): boolean {
  return managedColumns(metadata).deletedAt !== undefined || scopesOf(model).length > 0;
}

/**
 * The conditions and order the default scope adds to a relation with this selection, or
 * undefined when it adds nothing. `evaluate` runs one scope function on an unscoped relation of
 * the model and returns that relation's parts (the Relation class does this, so that this module
 * never constructs one).
 */
export function defaultScopeParts(
  model: object,
  metadata: ModelMetadata,
  selection: ScopeSelection | undefined,
  evaluate: (scope: AnyScope) => ScopeParts & { readonly limit?: number; readonly offset?: number },
): ScopeParts | undefined {
  if (selection?.unscoped) return undefined;
  const conditions: ConditionNode[] = [];
  let order: readonly OrderNode[] = [];
  for (const scope of scopesOf(model)) {
    const parts = evaluate(scope);
    if (parts.limit !== undefined || parts.offset !== undefined) {
      throw new ConfigurationError(`${metadata.name}'s default scope sets limit or offset; a default scope may add conditions and an order only`, {
        model: metadata.name,
      });
    }
    conditions.push(...parts.conditions);
    if (parts.order.length > 0) order = parts.order;
  }
  const deleted = softDeleteCondition(metadata, selection?.deleted);
  if (deleted !== undefined) conditions.push(deleted);
  return conditions.length === 0 && order.length === 0 ? undefined : { conditions, order };
}

/** `deleted_at IS NULL` (hidden), `IS NOT NULL` (only), or nothing (included / no soft delete). */
export function softDeleteCondition(metadata: ModelMetadata, deleted: ScopeSelection['deleted']): ConditionNode | undefined {
  const column = managedColumns(metadata).deletedAt;
  if (column === undefined || deleted === 'include') return undefined;
  return { kind: 'null', column: { name: column.name, type: column.type }, negated: deleted === 'only' };
}

export function requireSoftDelete(metadata: ModelMetadata, method: string): void {
  if (managedColumns(metadata).deletedAt === undefined) {
    throw new ConfigurationError(
      `${metadata.name}.${method}() needs soft delete: mark a nullable datetime property with @DeletedAt()`,
      { model: metadata.name },
    );
  }
}
