import type { ColumnType } from '../column-types';
import type { ValueReader } from '../dialect';
import { fromJson, readIsoInstant } from '../value-conversion';
import type { ColumnDefinition } from '../../schema/table-definition';

/**
 * SQLite has five storage classes, so several logical types share one. The choices that matter:
 * - `decimal` is TEXT: SQLite's NUMERIC affinity would turn '12.30' into a lossy REAL.
 *   (Consequence: ordering and comparing decimals in SQL is textual; documented.)
 * - `datetime` is TEXT in ISO-8601 UTC with milliseconds, which sorts chronologically.
 * - `boolean` is INTEGER 0/1 with a CHECK, since SQLite has no boolean.
 */
export function sqliteColumnType(column: ColumnDefinition): string {
  switch (column.type) {
    case 'string':
    case 'text':
    case 'decimal':
    case 'date':
    case 'datetime':
    case 'json':
    case 'uuid':
      return 'TEXT';
    case 'integer':
    case 'bigint':
    case 'boolean':
      return 'INTEGER';
    case 'float':
      return 'REAL';
    case 'binary':
      return 'BLOB';
  }
}

const readBoolean: ValueReader = (v) => v === 1 || v === 1n || v === true || v === '1';
const readInteger: ValueReader = (v) => (typeof v === 'bigint' ? Number(v) : v);
const readBigInt: ValueReader = (v) => (typeof v === 'bigint' ? v : BigInt(v as number | string));
const readDatetime: ValueReader = readIsoInstant;
const readString: ValueReader = (v) => (typeof v === 'string' ? v : String(v));

/** How each type's driver value becomes its JavaScript value; absent where nothing changes. */
export const SQLITE_READERS: Partial<Record<ColumnType, ValueReader>> = {
  boolean: readBoolean,
  integer: readInteger,
  bigint: readBigInt,
  datetime: readDatetime,
  json: fromJson,
  decimal: readString,
};
