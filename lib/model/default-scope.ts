import { ConfigurationError } from '../errors';
import type { ConditionNode, OrderNode } from '../query/nodes';
import { processWide } from '../util/process-wide';
import { managedColumns } from './lifecycle/managed-columns';
import type { ModelMetadata } from './metadata';

/**
 * The default scope at work: which scopes a model declared (default-scope.decorator.ts declares
 * them) and what they add to a relation when it compiles, soft delete's condition included.
 * Knows no Relation: the Relation class evaluates the scope functions itself (see `scoped()`).
 */

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

/** A declared scope function, as stored (its relation type belongs to the decorator's file). */
export type AnyScope = (relation: never) => unknown;

const declared = processWide('default-scopes', () => new WeakMap<object, AnyScope[]>());

/** Remember a scope function declared on a model class (by `@DefaultScope`). */
export function declareDefaultScope(target: object, scope: AnyScope): void {
  const list = declared.get(target) ?? [];
  list.push(scope);
  declared.set(target, list);
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
