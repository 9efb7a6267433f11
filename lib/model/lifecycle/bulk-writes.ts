import type { ColumnRef, ConditionNode, UpdateNode } from '../../query/nodes';
import type { ModelMetadata } from '../metadata';
import { managedColumns } from './managed-columns';

/** Options of `updateAll`. */
export interface UpdateAllOptions {
  /**
   * Set the `@UpdatedAt` column to now on every row changed (default true, as `save()` does);
   * `false` leaves it alone, e.g. for a backfill that should not look like user edits.
   */
  touch?: boolean;
}

/**
 * What `updateAll` adds to the assignments it was given: `@UpdatedAt` = now (unless given, or
 * `touch: false`), and `@Version` = version + 1 (unless given), so that records read before the
 * bulk update notice it when they save (StaleRecordError) instead of overwriting it.
 */
export function managedBulkAssignments(
  metadata: ModelMetadata,
  given: ReadonlySet<string>,
  options: UpdateAllOptions,
  now: Date,
): { set: Array<readonly [ColumnRef, unknown]>; increment: ColumnRef[] } {
  const managed = managedColumns(metadata);
  const set: Array<readonly [ColumnRef, unknown]> = [];
  const increment: ColumnRef[] = [];
  const updatedAt = managed.updatedAt;
  if (updatedAt !== undefined && options.touch !== false && !given.has(updatedAt.property)) {
    set.push([{ name: updatedAt.name, type: updatedAt.type }, now]);
  }
  const version = managed.version;
  if (version !== undefined && !given.has(version.property)) increment.push({ name: version.name, type: version.type });
  return { set, increment };
}

/**
 * `deleteAll()` on a soft-delete model: one UPDATE that stamps `@DeletedAt` (and `@UpdatedAt`,
 * and bumps `@Version`) on the matching rows instead of deleting them.
 */
export function softDeleteAllNode(metadata: ModelMetadata, where: ConditionNode | undefined, now: Date): UpdateNode | undefined {
  const managed = managedColumns(metadata);
  const deletedAt = managed.deletedAt;
  if (deletedAt === undefined) return undefined;
  const extra = managedBulkAssignments(metadata, new Set([deletedAt.property]), {}, now);
  return {
    kind: 'update',
    table: metadata.table,
    set: [[{ name: deletedAt.name, type: deletedAt.type }, now], ...extra.set],
    increment: extra.increment,
    where,
  };
}
