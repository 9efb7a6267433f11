import type { CustomTypesConfig } from 'pg';

/**
 * How this backend's pools turn PostgreSQL's text output into JavaScript values.
 *
 * The parsers are given to each pool (`types` in the pool config), never installed globally with
 * `pg.types.setTypeParser`: other code in the same process may use `pg` with its own settings, and
 * a global parser set by that code (NUMERIC as a float, say) must not leak into this library's
 * reads. So every type the library's column types map to is parsed here explicitly; only types
 * the library never creates (arrays, ranges, geometry, ...) fall back to pg's registry.
 *
 * The session settings these parsers rely on (DateStyle ISO, TimeZone UTC) are fixed by the
 * backend at connection startup; see pool-config.ts.
 */

/** PostgreSQL's built-in type OIDs (pg_type.oid; stable across versions). */
export const PG_OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

type TextParser = (text: string) => unknown;

const identity: TextParser = (text) => text;
const parseInteger: TextParser = (text) => parseInt(text, 10);
// 'NaN', 'Infinity' and '-Infinity' parse to themselves; with extra_float_digits > 0 the server
// prints the shortest text that reads back to the same double, so floats round-trip exactly.
const parseFloatText: TextParser = (text) => parseFloat(text);

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]][ BC]`, as printed with DateStyle ISO. Years can
 * have more than four digits (up to 294276).
 */
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/**
 * A timestamp's text as a Date. Values with an offset (timestamptz) are exact instants; values
 * without one (timestamp without time zone, which the library never creates) are read as UTC,
 * which is also what the session's TimeZone is. Sub-millisecond digits are truncated: a Date
 * holds milliseconds. `infinity` and `-infinity` have no Date and read as an invalid Date.
 */
export function parseTimestamp(text: string): Date {
  const fast = parseUtcTimestamp(text);
  if (fast !== undefined) return fast;
  const match = TIMESTAMP.exec(text);
  if (!match) return new Date(Number.NaN);
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om, os, bc] = match;
  let year = Number(y);
  if (bc) year = 1 - year; // 1 BC is year 0 in the proleptic Gregorian calendar Date uses
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999; set the year separately
  if (sign) {
    const offsetSeconds = Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0);
    date.setTime(date.getTime() - (sign === '-' ? -1 : 1) * offsetSeconds * 1000);
  }
  return date;
}

/**
 * The form nearly every timestamptz takes with the session in UTC: `YYYY-MM-DD HH:MM:SS[.f{1,6}]+00`
 * with a year from 1000 on, read digit by digit (about four times faster than the pattern); any
 * other form gets undefined and goes through `TIMESTAMP`.
 */
function parseUtcTimestamp(text: string): Date | undefined {
  const length = text.length;
  if (length < 22 || length > 29 || text.charCodeAt(length - 3) !== 43 /* + */ || text.charCodeAt(length - 2) !== 48 || text.charCodeAt(length - 1) !== 48) {
    return undefined;
  }
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(0) === 48 /* a year below 1000 */) return undefined;
  const end = length - 3;
  if (end !== 19 && text.charCodeAt(19) !== 46 /* . */) return undefined;
  const digit = (index: number) => text.charCodeAt(index) - 48;
  const pair = (index: number) => digit(index) * 10 + digit(index + 1);
  let ms = 0;
  for (let i = 20; i < 23; i++) ms = ms * 10 + (i < end ? digit(i) : 0);
  return new Date(
    Date.UTC(digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3), pair(5) - 1, pair(8), pair(11), pair(14), pair(17), ms),
  );
}

/** bytea in `hex` output (the default since PostgreSQL 9.0), or the older `escape` format. */
export function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
    } else if (text[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    }
  }
  return Buffer.from(bytes);
}

/**
 * - `bigint` (int8) stays a string, exact (a Number would round above 2^53); the dialect's
 *   reader makes model attributes JS bigints. Raw queries (`COUNT(*)` is int8) get strings,
 *   which also serialise to JSON, unlike bigints.
 * - `numeric` stays a string: exact, as the `decimal` column type promises.
 * - `date` stays the `'YYYY-MM-DD'` text: never a Date at local midnight, which shifts the day in
 *   time zones west of UTC.
 */
const PARSERS: Readonly<Record<number, TextParser>> = {
  [PG_OID.bool]: (text) => text === 't',
  [PG_OID.bytea]: parseBytea,
  [PG_OID.int8]: identity,
  [PG_OID.int2]: parseInteger,
  [PG_OID.int4]: parseInteger,
  [PG_OID.oid]: parseInteger,
  [PG_OID.text]: identity,
  [PG_OID.bpchar]: identity,
  [PG_OID.varchar]: identity,
  [PG_OID.json]: (text) => JSON.parse(text),
  [PG_OID.jsonb]: (text) => JSON.parse(text),
  [PG_OID.float4]: parseFloatText,
  [PG_OID.float8]: parseFloatText,
  [PG_OID.date]: identity,
  [PG_OID.timestamp]: parseTimestamp,
  [PG_OID.timestamptz]: parseTimestamp,
  [PG_OID.numeric]: identity,
  [PG_OID.uuid]: identity,
};

/** Per-pool type parsers; `fallback` is pg's registry, consulted only for other types. */
export function libraryTypeParsers(fallback: CustomTypesConfig): CustomTypesConfig {
  const getTypeParser = (oid: number, format?: 'text' | 'binary') => {
    // Only the text format is ever requested: this backend never asks for binary results.
    if (format !== 'binary') {
      const parser = PARSERS[oid];
      if (parser) return parser;
    }
    return fallback.getTypeParser(oid, format as 'text');
  };
  return { getTypeParser: getTypeParser as CustomTypesConfig['getTypeParser'] };
}
