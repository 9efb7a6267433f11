import type { ColumnType } from '../column-types';
import type { ValueReader } from '../dialect';
import { fromDateOnly, fromJson } from '../value-conversion';
import type { ColumnDefinition } from '../../schema/table-definition';

/** VARCHAR2 holds at most 4000 bytes unless MAX_STRING_SIZE = EXTENDED; longer strings are CLOBs. */
const VARCHAR2_MAX_CHARS = 4000;

/**
 * Oracle types for the logical column types. The choices that matter:
 * - `boolean` is NUMBER(1) with a CHECK: Oracle before 23ai has no SQL BOOLEAN, and 1/0 still
 *   reads and writes the same on 23ai.
 * - `float` is BINARY_DOUBLE (IEEE double, like a JS number); NUMBER would round and overflow.
 * - `datetime` is TIMESTAMP(3) WITH TIME ZONE, written as the UTC instant (+00:00), so neither
 *   the session's nor the Node process's time zone can shift it.
 * - `date` is DATE (which carries a time of day: always midnight here).
 * - `json` is a CLOB with an IS JSON check, which works from 12.2 on (the native JSON type
 *   needs 21c and binds differently).
 * - `uuid` is RAW(16): 16 bytes, and byte order equals the canonical string's order.
 * - `string` is VARCHAR2(n CHAR): lengths count characters, not bytes (needs an AL32UTF8
 *   database, the default since 12.2).
 */
export function oracleColumnType(column: ColumnDefinition): string {
  switch (column.type) {
    case 'string': {
      const length = column.length ?? 255;
      return length > VARCHAR2_MAX_CHARS ? 'CLOB' : `VARCHAR2(${length} CHAR)`;
    }
    case 'text':
    case 'json':
      return 'CLOB';
    case 'integer':
      return 'NUMBER(10)';
    case 'bigint':
      return 'NUMBER(19)';
    case 'float':
      return 'BINARY_DOUBLE';
    case 'decimal':
      return `NUMBER(${column.precision ?? 12}, ${column.scale ?? 2})`;
    case 'boolean':
      return 'NUMBER(1)';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'TIMESTAMP(3) WITH TIME ZONE';
    case 'binary':
      return 'BLOB';
    case 'uuid':
      return 'RAW(16)';
  }
}

/**
 * The backend fetches NUMBER columns that may not fit a double as strings (see
 * fetch-types.ts), and node-oracledb writes those strings without a leading zero: `.1`,
 * `-.0001`. Readers accept both the string and the number form.
 */
const readInteger: ValueReader = (v) => (typeof v === 'number' ? v : Number(v));
const readBigInt: ValueReader = (v) => (typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? Math.trunc(v) : String(v)));
const readBoolean: ValueReader = (v) => v === 1 || v === '1' || v === true;
const readBinary: ValueReader = (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));
const readInstant: ValueReader = (v) => (v instanceof Date ? v : new Date(v as string));

export function normalizeDecimal(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.startsWith('.')) return '0' + text;
  if (text.startsWith('-.')) return '-0' + text.slice(1);
  return text;
}

/** RAW(16) -> `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
export function uuidFromRaw(value: unknown): string {
  const hex = (Buffer.isBuffer(value) ? value.toString('hex') : String(value).replace(/-/g, '')).toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `xxxxxxxx-xxxx-...` (already validated) -> the 16 bytes stored in RAW(16). */
export function uuidToRaw(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export const ORACLE_READERS: Partial<Record<ColumnType, ValueReader>> = {
  integer: readInteger,
  bigint: readBigInt,
  float: readInteger,
  decimal: normalizeDecimal,
  boolean: readBoolean,
  // DATE comes back as a Date at local midnight of the stored day; read it by local fields.
  date: fromDateOnly,
  datetime: readInstant,
  json: fromJson,
  binary: readBinary,
  uuid: uuidFromRaw,
};
