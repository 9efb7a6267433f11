import { ActiveRecordError } from '../../errors';
import type { ColumnRef, UpdateNode } from '../../query/nodes';
import type { Transaction } from '../../connection/connection';
import { currentTransaction } from '../../transaction/transaction-api';
import type { ModelRuntime } from '../model-runtime';
import { loadedKey } from '../partial-records';
import { destroyRecord, isPending, keyCondition, notFound, saveRecord, staleRecord, type VersionGuard } from '../persistence';
import { NOT_LOADED, RECORD_STATE, type RecordState, type WithRecordState } from '../record-state';
import { castAttributes, throwIfInvalid, type AttributeIssue } from '../validation';
import type { CallbackEvent, LifecycleAction } from './callbacks';
import type { LifecyclePlan } from './lifecycle-plan';
import { checkUniqueness } from './uniqueness';
import type { RecordErrors } from './validate.decorator';

type RecordObject = Record<string, unknown> & WithRecordState;

/**
 * Save a record of a model with a lifecycle plan: validation, callbacks, timestamps and the
 * version check around the write. Callbacks and validators run in one transaction with the
 * write (joining the caller's); a model with only managed columns writes in one statement.
 */
export function saveWithLifecycle(runtime: ModelRuntime, record: RecordObject, plan: LifecyclePlan): Promise<void> | undefined {
  if (record[RECORD_STATE]?.destroyed) {
    throw new ActiveRecordError(`Cannot save a destroyed ${runtime.metadata.name}`, { model: runtime.metadata.name });
  }
  if (!plan.transactional) return writeWithStamps(runtime, record, plan, currentTransaction(runtime.connection));
  return runtime.connection.transaction((transaction) => saveInTransaction(runtime, record, plan, transaction));
}

async function saveInTransaction(runtime: ModelRuntime, record: RecordObject, plan: LifecyclePlan, transaction: Transaction): Promise<void> {
  const creating = record[RECORD_STATE] === undefined;
  const action: LifecycleAction = creating ? 'create' : 'update';
  restoreOnRollback(runtime, record, plan, transaction);
  registerOutcome(record, plan, transaction, action, 'afterRollback');
  await run(record, plan, 'beforeValidate', action);
  await validate(runtime, record, plan, creating);
  await run(record, plan, 'afterValidate', action);
  await run(record, plan, 'beforeSave', action);
  await run(record, plan, creating ? 'beforeCreate' : 'beforeUpdate', action);
  const pending = writeWithStamps(runtime, record, plan, transaction);
  if (pending !== undefined) await pending;
  await run(record, plan, creating ? 'afterCreate' : 'afterUpdate', action);
  await run(record, plan, 'afterSave', action);
  registerOutcome(record, plan, transaction, action, 'afterCommit');
}

/**
 * Destroy a record of a model with a lifecycle plan. A soft-delete model's `destroy()` stamps
 * `@DeletedAt` instead of deleting (`really` deletes in any case). `@Version` guards both.
 */
export function destroyWithLifecycle(runtime: ModelRuntime, record: RecordObject, plan: LifecyclePlan, really: boolean): Promise<void> {
  const state = record[RECORD_STATE];
  const { metadata } = runtime;
  if (!state) {
    return Promise.reject(new ActiveRecordError(`Cannot destroy a ${metadata.name} that was never saved`, { model: metadata.name }));
  }
  if (state.destroyed && !(really && plan.managed.deletedAt !== undefined)) return Promise.resolve();
  const work = async (transaction: Transaction | undefined) => {
    if (transaction !== undefined) {
      restoreOnRollback(runtime, record, plan, transaction);
      registerOutcome(record, plan, transaction, 'destroy', 'afterRollback');
    }
    await run(record, plan, 'beforeDestroy', 'destroy');
    if (plan.managed.deletedAt !== undefined && !really) await softDelete(runtime, record, plan, state);
    else {
      if (really) state.destroyed = false;
      try {
        await destroyRecord(runtime, record, versionGuard(record, plan, state));
      } catch (error) {
        if (really && record[RECORD_STATE] === state) state.destroyed = isStamped(record, plan);
        throw error;
      }
    }
    await run(record, plan, 'afterDestroy', 'destroy');
    if (transaction !== undefined) registerOutcome(record, plan, transaction, 'destroy', 'afterCommit');
  };
  if (!plan.transactional) return work(currentTransaction(runtime.connection));
  return runtime.connection.transaction((transaction) => work(transaction));
}

function isStamped(record: RecordObject, plan: LifecyclePlan): boolean {
  const column = plan.managed.deletedAt;
  return column !== undefined && record[column.property] !== null && record[column.property] !== undefined;
}

/** `UPDATE ... SET deleted_at = now, updated_at = now, version = version + 1 WHERE key (AND version)`. */
async function softDelete(runtime: ModelRuntime, record: RecordObject, plan: LifecyclePlan, state: RecordState): Promise<void> {
  const { metadata, dialect, connection } = runtime;
  const { deletedAt, updatedAt } = plan.managed;
  const now = new Date();
  const set: Array<readonly [ColumnRef, unknown]> = [[{ name: deletedAt!.name, type: deletedAt!.type }, now]];
  if (updatedAt !== undefined) set.push([{ name: updatedAt.name, type: updatedAt.type }, now]);
  const guard = versionGuard(record, plan, state);
  const key = loadedKey(runtime, state.snapshot[metadata.columns.indexOf(metadata.primaryKey)], 'destroy');
  const byKey = keyCondition(runtime, key);
  const node: UpdateNode = {
    kind: 'update',
    table: metadata.table,
    set: guard ? [...set, [{ name: guard.column.name, type: guard.column.type }, (guard.expected as number) + 1]] : set,
    where: guard
      ? { kind: 'and', items: [byKey, { kind: 'compare', column: { name: guard.column.name, type: guard.column.type }, op: '=', value: guard.expected }] }
      : byKey,
  };
  const result = await connection.runExecute(dialect.compile(node), runtime.writeOptions);
  if (result.affectedRows === 0) throw guard ? staleRecord(runtime, key, guard, 'destroy') : notFound(runtime, key, 'destroy');
  // Only the stamped columns are now persisted; other unsaved changes stay unsaved.
  const columns = metadata.columns;
  const stamp = (index: number, value: unknown) => {
    if (index < 0) return;
    record[columns[index]!.property] = value;
    state.snapshot[index] = runtime.fingerprintAt(index, value);
  };
  stamp(plan.managed.deletedAtIndex, now);
  stamp(plan.managed.updatedAtIndex, now);
  if (guard !== undefined) stamp(plan.managed.versionIndex, (guard.expected as number) + 1);
  state.destroyed = true;
}

/** The version a record claims to hold: an assigned one (a form's hidden field), else the one read. */
function versionGuard(record: RecordObject, plan: LifecyclePlan, state: RecordState): VersionGuard | undefined {
  const column = plan.managed.version;
  if (column === undefined) return undefined;
  const index = plan.managed.versionIndex;
  const assigned = record[column.property];
  const read = state.snapshot[index];
  if (read === NOT_LOADED && (assigned === undefined || assigned === null)) {
    throw new ActiveRecordError(
      `Cannot write a ${plan.metadata.name} read without its ${column.property}: optimistic locking needs the version it was read at; ` +
        `select ${column.property} too, or reload the record`,
      { model: plan.metadata.name, field: column.property },
    );
  }
  const expected = assigned !== undefined && assigned !== null && assigned !== read ? Number(assigned) : read;
  return { column, expected: expected === null || expected === undefined ? 0 : expected };
}

/**
 * Validate everything at once: types, required attributes and column rules; then `@Validate`
 * methods; then uniqueness (which reads the database). Raises one ValidationError listing every
 * problem. On success the record's attributes take their cast values.
 */
async function validate(runtime: ModelRuntime, record: RecordObject, plan: LifecyclePlan, creating: boolean): Promise<void> {
  const { metadata } = runtime;
  const issues: AttributeIssue[] = [];
  const values = castAttributes(metadata, (column) => record[column.property], creating ? 'insert' : 'update', issues, {
    filled: creating ? plan.filledOnInsert : undefined,
  });
  const action: LifecycleAction = creating ? 'create' : 'update';
  if (plan.validators.length > 0) {
    const errors: RecordErrors = {
      add: (attribute, message) => {
        issues.push({ attribute: String(attribute), message: String(message) });
      },
      has: (attribute) => issues.some((issue) => issue.attribute === attribute),
    };
    for (const validator of plan.validators) {
      if (validator.on !== undefined && !validator.on.includes(action)) continue;
      await (record[validator.method] as (errors: RecordErrors) => unknown).call(record, errors);
    }
  }
  if (plan.uniqueness.length > 0) await checkUniqueness(runtime, record, plan, values, issues);
  throwIfInvalid(metadata, issues);
  metadata.columns.forEach((column, i) => {
    if (values[i] !== undefined) record[column.property] = values[i];
  });
}

/**
 * Fill the managed columns and write. Inserts: `@CreatedAt`/`@UpdatedAt` = now where unset.
 * Updates that change something: `@UpdatedAt` = now (unless assigned), `@Version` checked and
 * bumped. What was stamped is put back if the write fails.
 */
function writeWithStamps(
  runtime: ModelRuntime,
  record: RecordObject,
  plan: LifecyclePlan,
  transaction: Transaction | undefined,
): Promise<void> | undefined {
  const state = record[RECORD_STATE];
  const { managed } = plan;
  const columns = runtime.metadata.columns;
  const before: Array<[string, unknown]> = [];
  const stamp = (index: number, value: unknown) => {
    const property = columns[index]!.property;
    before.push([property, record[property]]);
    record[property] = value;
  };
  let guard: VersionGuard | undefined;
  if (transaction !== undefined) restoreOnRollback(runtime, record, plan, transaction);
  if (state === undefined) {
    const now = new Date();
    for (const index of [managed.createdAtIndex, managed.updatedAtIndex]) {
      if (index >= 0 && (record[columns[index]!.property] ?? null) === null) stamp(index, now);
    }
  } else if (managed.updatedAt !== undefined || managed.version !== undefined) {
    // Compare cast values, so that assigning '42' to a column holding 42 is no change.
    const issues: AttributeIssue[] = [];
    const values = castAttributes(runtime.metadata, (column) => record[column.property], 'update', issues, { rules: false });
    throwIfInvalid(runtime.metadata, issues);
    const changed = (index: number) =>
      // A partial record's unread attribute, still unset, is no change.
      !(state.snapshot[index] === NOT_LOADED && values[index] === undefined) &&
      runtime.fingerprintAt(index, values[index] ?? null) !== state.snapshot[index];
    const versionIndex = managed.versionIndex;
    const anyChange = columns.some((_, index) => index !== versionIndex && changed(index));
    if (anyChange) {
      if (managed.updatedAt !== undefined && !changed(managed.updatedAtIndex)) stamp(managed.updatedAtIndex, new Date());
      guard = versionGuard(record, plan, state);
      if (guard !== undefined) stamp(versionIndex, (guard.expected as number) + 1);
    }
  }
  const undo = () => {
    for (let i = before.length - 1; i >= 0; i--) record[before[i]![0]] = before[i]![1];
  };
  let pending: Promise<void> | undefined;
  try {
    pending = saveRecord(runtime, record, guard);
  } catch (error) {
    undo();
    throw error;
  }
  if (pending === undefined || !isPending(pending)) return pending;
  return pending.catch((error: unknown) => {
    undo();
    throw error;
  });
}

/** Run one event's callbacks in order, awaiting each. */
async function run(record: RecordObject, plan: LifecyclePlan, event: CallbackEvent, action: LifecycleAction): Promise<void> {
  for (const callback of plan.callbacks[event]) {
    if (callback.on !== undefined && !callback.on.includes(action)) continue;
    const result = (record[callback.method] as () => unknown).call(record);
    if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') await result;
  }
}

/** Register the record's AfterCommit or AfterRollback callbacks on its transaction. */
function registerOutcome(
  record: RecordObject,
  plan: LifecyclePlan,
  transaction: Transaction,
  action: LifecycleAction,
  event: 'afterCommit' | 'afterRollback',
): void {
  const callbacks = plan.callbacks[event].filter((callback) => callback.on === undefined || callback.on.includes(action));
  if (callbacks.length === 0) return;
  const hook = async () => {
    for (const callback of callbacks) await (record[callback.method] as () => unknown).call(record);
  };
  if (event === 'afterCommit') transaction.onCommit(hook);
  else transaction.onRollback(hook);
}

/**
 * Records saved in a transaction that rolls back get their bookkeeping back (as Rails does): a
 * new record is new again, and managed columns (timestamps, version) and the persisted snapshot
 * return to what they were when the record first joined the transaction, so that a retry, or a
 * later save, neither skips the insert nor trips over its own version bump.
 */
const joined = new WeakMap<object, WeakSet<Transaction>>();

function restoreOnRollback(runtime: ModelRuntime, record: RecordObject, plan: LifecyclePlan, transaction: Transaction): void {
  let transactions = joined.get(record);
  if (transactions?.has(transaction)) return;
  (transactions ??= new WeakSet()).add(transaction);
  joined.set(record, transactions);
  const state = record[RECORD_STATE];
  const saved = state === undefined ? undefined : { snapshot: state.snapshot.slice(), destroyed: state.destroyed };
  const pk = runtime.metadata.primaryKey.property;
  const properties = [pk, ...[plan.managed.createdAt, plan.managed.updatedAt, plan.managed.deletedAt, plan.managed.version].flatMap((c) => (c ? [c.property] : []))];
  const values = properties.map((property) => record[property]);
  transaction.onRollback(() => {
    transactions!.delete(transaction);
    properties.forEach((property, i) => (record[property] = values[i]));
    if (saved === undefined) delete record[RECORD_STATE];
    else record[RECORD_STATE] = { snapshot: saved.snapshot, destroyed: saved.destroyed };
  });
}
