import { ConfigurationError } from '../../errors';
import { processWide } from '../../util/process-wide';

/**
 * Lifecycle callbacks: instance methods that run around a record's save and destroy, marked
 * with a decorator. For a save that inserts:
 *
 *   BeforeValidate, (validation), AfterValidate, BeforeSave, BeforeCreate, INSERT, AfterCreate,
 *   AfterSave, and once the transaction has its outcome, AfterCommit or AfterRollback;
 *
 * an update runs BeforeUpdate/AfterUpdate in place of BeforeCreate/AfterCreate; destroy runs
 * BeforeDestroy, DELETE (or the soft delete's UPDATE), AfterDestroy, then AfterCommit/AfterRollback.
 * Everything up to AfterSave/AfterDestroy runs inside one transaction with the write (joining the
 * caller's if one is open): a callback that throws aborts the save and rolls the write back.
 * Callbacks may be async. A class's callbacks run after its parent's, each kind in declaration order.
 */
export type CallbackEvent =
  | 'beforeValidate'
  | 'afterValidate'
  | 'beforeSave'
  | 'afterSave'
  | 'beforeCreate'
  | 'afterCreate'
  | 'beforeUpdate'
  | 'afterUpdate'
  | 'beforeDestroy'
  | 'afterDestroy'
  | 'afterCommit'
  | 'afterRollback';

/** Which writes a commit/rollback callback (or a `@Validate` method) cares about. */
export type LifecycleAction = 'create' | 'update' | 'destroy';

export interface CallbackOptions {
  /** Only for these writes (default: every write the callback's event follows). */
  on?: LifecycleAction | readonly LifecycleAction[];
}

export interface DeclaredCallback {
  readonly method: string;
  readonly on?: readonly LifecycleAction[];
}

type Declared = Map<CallbackEvent, DeclaredCallback[]>;

const declared = processWide('lifecycle-callbacks', () => new WeakMap<object, Declared>());

/** A decorator usable both bare (`@BeforeSave`) and called (`@BeforeSave()`, `@AfterCommit({ on: 'create' })`). */
export interface CallbackDecorator {
  (options?: CallbackOptions): MethodDecorator;
  (prototype: object, method: string | symbol, descriptor: PropertyDescriptor): void;
}

function callbackDecorator(event: CallbackEvent, decorator: string): CallbackDecorator {
  const register = (prototype: object, method: string | symbol, descriptor: PropertyDescriptor | undefined, options: CallbackOptions) => {
    const model = (prototype as { constructor?: { name?: string } }).constructor?.name ?? 'a class';
    if (typeof method !== 'string' || typeof descriptor?.value !== 'function') {
      throw new ConfigurationError(`${decorator} on ${model}: decorate an instance method with a string name`, { model });
    }
    const on = normalizeOn(options.on, `${decorator} on ${model}.${method}`, model);
    const map = declared.get(prototype) ?? new Map<CallbackEvent, DeclaredCallback[]>();
    const list = map.get(event) ?? [];
    if (!list.some((entry) => entry.method === method)) list.push({ method, on });
    map.set(event, list);
    declared.set(prototype, map);
  };
  return ((first?: unknown, method?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (method !== undefined && typeof first === 'object' && first !== null) {
      register(first, method, descriptor, {});
      return undefined;
    }
    const options = (first ?? {}) as CallbackOptions;
    return (prototype: object, name: string | symbol, methodDescriptor: PropertyDescriptor) => register(prototype, name, methodDescriptor, options);
  }) as CallbackDecorator;
}

export function normalizeOn(on: CallbackOptions['on'], where: string, model: string): readonly LifecycleAction[] | undefined {
  if (on === undefined) return undefined;
  const list = typeof on === 'string' ? [on] : on;
  if (!Array.isArray(list) || list.length === 0 || list.some((action) => !['create', 'update', 'destroy'].includes(action))) {
    throw new ConfigurationError(`${where}: on must be 'create', 'update', 'destroy' or a list of them`, { model });
  }
  return list;
}

export const BeforeValidate = callbackDecorator('beforeValidate', '@BeforeValidate');
export const AfterValidate = callbackDecorator('afterValidate', '@AfterValidate');
export const BeforeSave = callbackDecorator('beforeSave', '@BeforeSave');
export const AfterSave = callbackDecorator('afterSave', '@AfterSave');
export const BeforeCreate = callbackDecorator('beforeCreate', '@BeforeCreate');
export const AfterCreate = callbackDecorator('afterCreate', '@AfterCreate');
export const BeforeUpdate = callbackDecorator('beforeUpdate', '@BeforeUpdate');
export const AfterUpdate = callbackDecorator('afterUpdate', '@AfterUpdate');
export const BeforeDestroy = callbackDecorator('beforeDestroy', '@BeforeDestroy');
export const AfterDestroy = callbackDecorator('afterDestroy', '@AfterDestroy');
/**
 * Runs once the transaction the write belongs to has committed — a local transaction, or a
 * cross-database unit once it has its outcome; right after the write when none was open.
 * A failure here is logged, never thrown: the write is already durable.
 */
export const AfterCommit = callbackDecorator('afterCommit', '@AfterCommit');
/** Runs once the transaction the write belongs to has rolled back (the record's write is undone). */
export const AfterRollback = callbackDecorator('afterRollback', '@AfterRollback');

/** Callbacks of one event for a model class and its ancestors, the oldest ancestor's first. */
export function callbacksOf(model: { readonly prototype: object }, event: CallbackEvent): DeclaredCallback[] {
  const chain: object[] = [];
  for (let proto = model.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  const seen = new Set<string>();
  const result: DeclaredCallback[] = [];
  for (const proto of chain) {
    for (const callback of declared.get(proto)?.get(event) ?? []) {
      // An override of a decorated method runs once, as the subclass's.
      if (seen.has(callback.method)) continue;
      seen.add(callback.method);
      result.push(callback);
    }
  }
  return result;
}
