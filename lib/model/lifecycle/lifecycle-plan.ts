import { ConfigurationError } from '../../errors';
import { processWide } from '../../util/process-wide';
import { modelMetadata, type ColumnMetadata, type ModelMetadata } from '../metadata';
import { callbacksOf, type CallbackEvent, type DeclaredCallback } from './callbacks';
import { managedColumns, type ManagedColumns } from './managed-columns';
import { validatorsOf, type DeclaredValidator } from './validate.decorator';

export interface UniquenessCheck {
  readonly column: ColumnMetadata;
  readonly scope: readonly ColumnMetadata[];
  readonly message: string;
}

/**
 * What a model's saves and destroys must do beyond writing the row, resolved once per class:
 * its callbacks, custom validators, uniqueness checks and managed columns. Models with none of
 * them have no plan and keep the plain write path.
 */
export interface LifecyclePlan {
  readonly metadata: ModelMetadata;
  readonly callbacks: Readonly<Record<CallbackEvent, readonly DeclaredCallback[]>>;
  readonly validators: readonly DeclaredValidator[];
  readonly uniqueness: readonly UniquenessCheck[];
  readonly managed: ManagedColumns;
  /** Columns filled by the library on insert (timestamps): not required of the caller. */
  readonly filledOnInsert: ReadonlySet<ColumnMetadata>;
  /**
   * Callbacks, validators or uniqueness checks run code around the write: it all runs in one
   * transaction with it. Managed columns alone need none (one statement does it).
   */
  readonly transactional: boolean;
}

const EVENTS: readonly CallbackEvent[] = [
  'beforeValidate',
  'afterValidate',
  'beforeSave',
  'afterSave',
  'beforeCreate',
  'afterCreate',
  'beforeUpdate',
  'afterUpdate',
  'beforeDestroy',
  'afterDestroy',
  'afterCommit',
  'afterRollback',
];

const plans = processWide('lifecycle-plans', () => new WeakMap<object, LifecyclePlan | null>());

/** The plan of a model class, or undefined when its saves are plain writes. */
export function lifecyclePlan(model: { readonly prototype: object }): LifecyclePlan | undefined {
  let plan = plans.get(model);
  if (plan === undefined) {
    plan = buildPlan(model);
    plans.set(model, plan);
  }
  return plan ?? undefined;
}

function buildPlan(model: { readonly prototype: object }): LifecyclePlan | null {
  const metadata = modelMetadata(model);
  const callbacks = Object.fromEntries(EVENTS.map((event) => [event, callbacksOf(model, event)])) as Record<
    CallbackEvent,
    DeclaredCallback[]
  >;
  const validators = validatorsOf(model);
  const uniqueness = metadata.columns.flatMap((column): UniquenessCheck[] => {
    const rule = column.rules?.uniqueness;
    if (rule === undefined) return [];
    const scope = rule.scope.map((property) => {
      const found = metadata.byProperty.get(property);
      if (!found) {
        throw new ConfigurationError(
          `${metadata.name}.${column.property}: validate.uniqueness.scope names '${property}', which is not an attribute ` +
            `(attributes: ${[...metadata.byProperty.keys()].join(', ')})`,
          { model: metadata.name, field: `${column.property}.validate.uniqueness.scope` },
        );
      }
      return found;
    });
    return [{ column, scope, message: rule.message }];
  });
  const managed = managedColumns(metadata);
  const hasCallbacks = EVENTS.some((event) => callbacks[event].length > 0);
  const transactional = hasCallbacks || validators.length > 0 || uniqueness.length > 0;
  if (!transactional && !managed.any) return null;
  const filledOnInsert = new Set([managed.createdAt, managed.updatedAt].filter((c): c is ColumnMetadata => c !== undefined));
  return { metadata, callbacks, validators, uniqueness, managed, filledOnInsert, transactional };
}
