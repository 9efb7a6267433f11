/**
 * Conversions every dialect needs between the JavaScript values of the logical column types
 * (see column-types.ts) and the forms drivers bind and return. Dialects pick from these.
 */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type MaybeWellFormed = { isWellFormed?(): boolean; toWellFormed?(): string };

/**
 * A string as UTF-8 storage gives it back: lone surrogates (malformed UTF-16) become U+FFFD,
 * as encoding them does. For drivers whose inserts learn stored values without reading them back.
 */
export function toWellFormed(value: string): string {
  const text = value as unknown as MaybeWellFormed;
  return text.isWellFormed === undefined || text.isWellFormed() ? value : text.toWellFormed!();
}

/** `date` columns: a `'YYYY-MM-DD'` string as is, or a Date by its UTC calendar day. */
export function toDateOnly(value: unknown): string {
  if (typeof value === 'string' && DATE_ONLY.test(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  throw new TypeError(`expected a 'YYYY-MM-DD' string or a valid Date, got ${describe(value)}`);
}

/** Whatever a driver returns for a `date` column, as `'YYYY-MM-DD'`. */
export function fromDateOnly(value: unknown): string {
  if (typeof value === 'string') return value.length > 10 ? value.slice(0, 10) : value;
  if (value instanceof Date) {
    // Drivers that hand back a Date for a DATE column build it at local midnight.
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
  }
  return String(value);
}

/** `datetime` columns: a Date, an ISO-8601 string or epoch milliseconds, as a valid Date. */
export function toInstant(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new TypeError(`expected a Date, an ISO-8601 string or epoch milliseconds, got ${describe(value)}`);
  }
  return date;
}

/** `decimal` columns travel as strings so that no digit is lost to a float. */
export function toDecimalString(value: unknown): string {
  if (typeof value === 'string') {
    // The common case first: already a plain decimal, returned as is (no trimmed copy).
    if (DECIMAL.test(value)) return value;
    const trimmed = value.trim();
    if (trimmed !== value && DECIMAL.test(trimmed)) return trimmed;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`expected a decimal string such as '12.30', got ${describe(value)}`);
}

export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return BigInt(value.trim());
  throw new TypeError(`expected a bigint, a safe integer or an integer string, got ${describe(value)}`);
}

export function toUuid(value: unknown): string {
  if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase();
  throw new TypeError(`expected a UUID string, got ${describe(value)}`);
}

export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected a Buffer or Uint8Array, got ${describe(value)}`);
}

export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`expected a JSON-serialisable value, got ${describe(value)}`);
  return text;
}

/** Drivers return JSON either parsed (jsonb) or as text (SQLite, some MySQL setups). */
export function fromJson(value: unknown): unknown {
  if (typeof value === 'string') return JSON.parse(value);
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'));
  return value;
}

/** A short, value-free description for error messages (values may be personal data). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  const type = typeof value;
  return type === 'object' ? `an object` : `a ${type}`;
}
