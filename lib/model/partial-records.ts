import type { Row, ValueRow } from '../backend/storage-backend';
import { ActiveRecordError } from '../errors';
import type { ColumnMetadata } from './metadata';
import type { ModelRuntime } from './model-runtime';
import { NOT_LOADED, RECORD_STATE, type WithRecordState } from './record-state';

type RecordObject = Record<string, unknown> & WithRecordState;

/**
 * Records holding only the selected attributes (`select('id', 'title')`). The others stay unset
 * and are marked not loaded in the snapshot, so `save()` writes only what changed among the
 * loaded ones and never overwrites an unread column.
 */
export function hydratePartial<M>(runtime: ModelRuntime, columns: readonly ColumnMetadata[], rows: Array<Row | ValueRow>): M[] {
  const all = runtime.metadata.columns;
  const indexes = columns.map((column) => all.indexOf(column));
  const prototype = runtime.model.prototype;
  return rows.map((row) => {
    const record = Object.create(prototype) as RecordObject;
    const snapshot = new Array<unknown>(all.length).fill(NOT_LOADED);
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k]!;
      const index = indexes[k]!;
      const raw = Array.isArray(row) ? row[k] : row[column.name];
      const value = runtime.read(index, raw);
      record[column.property] = value;
      snapshot[index] = runtime.fingerprintAt(index, value);
    }
    record[RECORD_STATE] = { snapshot, destroyed: false };
    return record as unknown as M;
  });
}


/** A record's key as last read, or an error when it is a partial record that never read it. */
export function loadedKey(runtime: ModelRuntime, key: unknown, action: string): unknown {
  if (key !== NOT_LOADED) return key;
  const { name, primaryKey } = runtime.metadata;
  throw new ActiveRecordError(
    `Cannot ${action} a partial ${name}: it was read without its key '${primaryKey.property}'; include it in select(...)`,
    { model: name, field: primaryKey.property },
  );
}
