import type { ColumnType } from '../backend/column-types';
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
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      throw new TypeError(`expected a string, got ${describe(value)}`);
    case 'integer': {
      const number = toNumber(value);
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
      toJsonText(value);
      return value;
    case 'binary':
      return toBuffer(value);
    case 'uuid':
      return toUuid(value);
  }
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
