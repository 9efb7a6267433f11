import type { ColumnType } from '../backend/column-types';
import { canonicalDecimal, exactIntegerText, fitDecimal } from '../backend/exact-numbers';
import {
  describe,
  toBigInt,
  toBuffer,
  toDateOnly,
  toDecimalString,
  toInstant,
  toJsonText,
  toUuid,
} from '../backend/value-conversion';
import type { ColumnMetadata } from './metadata';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Bring a value to its column's JavaScript type, the way Rails casts attributes: a route
 * parameter `'42'` becomes `42` for an integer column. Values that cannot be read as the type
 * throw a TypeError whose message says what was expected (the caller adds model and attribute).
 * `null` and `undefined` pass through; nullability is checked elsewhere.
 */
export function castValue(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (type) {
    case 'string':
    case 'text':
      if (typeof value === 'string') {
        // PostgreSQL cannot store U+0000 in text; refused everywhere, so that one rule holds.
        if (value.includes('\0')) throw new TypeError(NUL_IN_TEXT);
        return value;
      }
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      throw new TypeError(`expected a string, got ${describe(value)}`);
    case 'integer': {
      const number = toInteger(value);
      if (number === undefined || !Number.isInteger(number) || number < INT32_MIN || number > INT32_MAX) {
        throw new TypeError(
          `expected a 32-bit integer, got ${number === undefined ? describe(value) : 'a non-integer or out-of-range number'}` +
            ` (use type 'float', 'decimal' or 'bigint' for other numbers)`,
        );
      }
      return number;
    }
    case 'float': {
      const number = toNumber(value);
      if (number === undefined || !Number.isFinite(number)) throw new TypeError(`expected a finite number, got ${describe(value)}`);
      return number;
    }
    case 'bigint':
      return toBigInt(value);
    case 'decimal':
      return toDecimalString(value);
    case 'boolean':
      return toBoolean(value);
    case 'date': {
      const day = toDateOnly(value);
      if (Number.isNaN(Date.parse(day)) || new Date(day).toISOString().slice(0, 10) !== day) {
        throw new TypeError(`expected a real calendar date, got an impossible one`);
      }
      return day;
    }
    case 'datetime':
      return toInstant(value);
    case 'json':
      // JSON text escapes U+0000 as \u0000, which PostgreSQL's jsonb refuses.
      if (toJsonText(value).includes('\\u0000')) throw new TypeError(NUL_IN_TEXT);
      return value;
    case 'binary':
      return toBuffer(value);
    case 'uuid':
      return toUuid(value);
  }
}

const NUL_IN_TEXT = 'contains a NUL character (U+0000), which text columns cannot store on every backend; use a binary column';

/**
 * An integer from a number, bigint or numeric string, exactly: a string is an integer only if
 * its digits say so (`'1.0'`, `'1e3'`), never because a float rounded it (`'0.99999999999999999'`).
 */
function toInteger(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const text = exactIntegerText(value);
    if (text === undefined) return toNumber(value) === undefined ? undefined : Number.NaN;
    // Out of range stays out of range (the caller's bounds check refuses it).
    return text.length > 12 ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  }
  return toNumber(value);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) {
    return Number(value);
  }
  return undefined;
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  throw new TypeError(`expected a boolean, got ${describe(value)}`);
}

/**
 * A comparable fingerprint of an attribute value, used to find changed attributes on save.
 * Mutable values (Dates, Buffers, JSON objects) are fingerprinted by content, so changing one in
 * place (`user.settings.theme = 'dark'`) is noticed.
 */
export function fingerprint(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'datetime':
      return value instanceof Date ? value.getTime() : value;
    case 'json':
      return JSON.stringify(value);
    case 'binary':
      return Buffer.isBuffer(value) ? value.toString('base64') : value;
    default:
      return value;
  }
}

/**
 * Cast a value for writing into a column: its type's cast, then what the column itself limits —
 * a custom type's own cast, decimal precision and scale (rounded to the scale, as the databases
 * do, so every backend stores the same text), a string's most characters (for an encrypted
 * column, of the plaintext). Throws a TypeError whose message says what is wrong.
 */
export function castForWrite(column: ColumnMetadata, value: unknown): unknown {
  const adapter = column.adapter;
  if (adapter !== undefined) return adapter.cast === undefined ? value : adapter.cast(value);
  const cast = castValue(column.type, value);
  switch (column.type) {
    case 'decimal':
      return column.precision === undefined ? cast : fitDecimal(cast as string, column.precision, column.scale ?? 0);
    case 'string': {
      const max = column.encryption?.maxLength ?? column.length;
      // Lengths count characters (code points); a string no longer in UTF-16 units is short enough.
      if (max !== undefined && (cast as string).length > max && [...(cast as string)].length > max) {
        throw new TypeError(`is longer than ${max} characters`);
      }
      return cast;
    }
    default:
      return cast;
  }
}

/**
 * Cast a `where` value for a column: as for a write, except that a decimal is not rounded (a
 * filter for `'1.234'` must not match a stored `'1.23'`), only written as the column stores it.
 */
export function castForFilter(column: ColumnMetadata, value: unknown): unknown {
  const adapter = column.adapter;
  if (adapter !== undefined) return adapter.cast === undefined ? value : adapter.cast(value);
  const cast = castValue(column.type, value);
  if (column.type === 'decimal' && column.scale !== undefined) return canonicalDecimal(cast as string, column.scale);
  return cast;
}
