import type { ConditionNode, ExistsNode } from '../../query/nodes';
import type { ModelRuntime } from '../model-runtime';
import { loadedKey } from '../partial-records';
import { NOT_LOADED, RECORD_STATE, type WithRecordState } from '../record-state';
import type { AttributeIssue } from '../validation';
import { buildConditions } from '../where-conditions';
import { castValue } from '../type-casting';
import type { LifecyclePlan } from './lifecycle-plan';

/**
 * Check `uniqueness` rules against the database, inside the save's transaction: one
 * `SELECT 1 ... LIMIT 1` per rule whose value (or scope) is new or changed, over every row (no
 * default scope: a soft-deleted row still holds its value in the unique index). The database's
 * unique index still decides a race between two writers (UniqueConstraintError).
 */
export async function checkUniqueness(
  runtime: ModelRuntime,
  record: Record<string, unknown> & WithRecordState,
  plan: LifecyclePlan,
  values: readonly unknown[],
  issues: AttributeIssue[],
): Promise<void> {
  const { metadata, connection, dialect } = runtime;
  const columns = metadata.columns;
  const snapshot = record[RECORD_STATE]?.snapshot;
  const pk = metadata.primaryKey;
  // A new record's unset attribute will hold its column's default: that is the value to check.
  const valueAt = (i: number): unknown => {
    const value = values[i];
    const column = columns[i]!;
    if (value !== undefined || snapshot !== undefined || column.default === undefined) return value;
    return column.default === null ? null : castValue(column.type, column.default);
  };
  for (const check of plan.uniqueness) {
    const index = columns.indexOf(check.column);
    const value = valueAt(index);
    if (value === undefined || value === null) continue;
    if (issues.some((issue) => issue.attribute === check.column.property)) continue;
    const involved = [check.column, ...check.scope];
    // A partial record that did not read a scope attribute cannot say which scope it is in; the
    // database's unique index still holds.
    if (snapshot !== undefined && check.scope.some((column) => snapshot[columns.indexOf(column)] === NOT_LOADED && values[columns.indexOf(column)] === undefined)) {
      continue;
    }
    if (snapshot !== undefined && involved.every((column) => {
      const i = columns.indexOf(column);
      return runtime.fingerprintAt(i, valueAt(i) ?? null) === snapshot[i];
    })) {
      continue;
    }
    const input: Record<string, unknown> = {};
    for (const column of involved) input[column.property] = valueAt(columns.indexOf(column)) ?? null;
    const conditions: ConditionNode[] = buildConditions(metadata, input, 'uniqueness');
    if (snapshot !== undefined) {
      const key = loadedKey(runtime, snapshot[columns.indexOf(pk)], 'save');
      conditions.push({ kind: 'compare', column: { name: pk.name, type: pk.type }, op: '<>', value: key });
    }
    const node: ExistsNode = {
      kind: 'exists',
      source: { kind: 'select', table: metadata.table, columns: [], where: { kind: 'and', items: conditions }, orderBy: [] },
    };
    const rows = await connection.runQuery(dialect.compile(node));
    if (rows.length > 0) issues.push({ attribute: check.column.property, message: check.message });
  }
}
