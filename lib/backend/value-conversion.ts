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

/**
 * ISO-8601 as the library reads it: a calendar date, optionally a time (`T` or a space), optional
 * seconds and fraction, optional `Z` or `±HH:MM` offset. Checked field by field: `new Date(text)`
 * alone would take `'1'` as 2001-01-01 and roll `'2024-02-30'` over into March.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/** Years a `datetime` holds on every backend (and that ISO-8601 text sorts correctly within). */
const FIRST_INSTANT = new Date('0000-01-01T00:00:00.000Z').getTime();
const LAST_INSTANT = new Date('9999-12-31T23:59:59.999Z').getTime();

/**
 * `datetime` columns: a Date, epoch milliseconds, or an ISO-8601 string (a string without an
 * offset is UTC, the zone every datetime is stored in), as a valid Date in years 0000-9999.
 */
export function toInstant(value: unknown): Date {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') date = Number.isFinite(value) ? new Date(value) : undefined;
  else if (typeof value === 'string') date = parseIsoInstant(value);
  if (!date || Number.isNaN(date.getTime())) {
    throw new TypeError(
      typeof value === 'string'
        ? `expected an ISO-8601 date-time such as '2024-05-01T12:00:00Z', got a string that is not one (or names an impossible date or time)`
        : `expected a Date, an ISO-8601 string or epoch milliseconds, got ${describe(value)}`,
    );
  }
  const time = date.getTime();
  if (time < FIRST_INSTANT || time > LAST_INSTANT) throw new TypeError(`expected an instant in the years 0000-9999, got one outside them`);
  return date;
}

/**
 * A Date from the exact form `toISOString()` writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`), read digit by
 * digit, which is several times faster than `new Date(text)`; anything else goes through it.
 * For drivers that hand back stored instants as that text (SQLite).
 */
export function readIsoInstant(value: unknown): Date {
  if (typeof value !== 'string' || value.length !== 24 || value.charCodeAt(23) !== 90 /* Z */ || value.charCodeAt(10) !== 84 /* T */) {
    return new Date(value as string | number);
  }
  const digit = (index: number) => value.charCodeAt(index) - 48;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const date = new Date(
    Date.UTC(
      year,
      digit(5) * 10 + digit(6) - 1,
      digit(8) * 10 + digit(9),
      digit(11) * 10 + digit(12),
      digit(14) * 10 + digit(15),
      digit(17) * 10 + digit(18),
      digit(20) * 100 + digit(21) * 10 + digit(22),
    ),
  );
  // Date.UTC reads the years 0-99 as 1900-1999 (and 1900 has no February 29): set the date again.
  if (year < 100) date.setUTCFullYear(year, digit(5) * 10 + digit(6) - 1, digit(8) * 10 + digit(9));
  return date;
}

function parseIsoInstant(text: string): Date | undefined {
  const match = ISO_INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5));
    if (hours > 14 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  // Build from the fields (Date.UTC maps years 0-99 to 1900+, so set the year separately).
  const date = new Date(Date.UTC(2000, month - 1, day, Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, '0').slice(0, 3))));
  date.setUTCFullYear(year, month - 1, day);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `bigint` columns: a signed 64-bit integer, from a bigint, a safe integer or an integer string. */
export function toBigInt(value: unknown): bigint {
  let result: bigint | undefined;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) result = BigInt(value);
  else if (typeof value === 'string' && /^[+-]?\d{1,40}$/.test(value.trim())) result = BigInt(value.trim());
  if (result === undefined) throw new TypeError(`expected a bigint, a safe integer or an integer string, got ${describe(value)}`);
  if (result < INT64_MIN || result > INT64_MAX) throw new TypeError(`expected a 64-bit integer, got one outside -2^63 .. 2^63-1`);
  return result;
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
