/**
 * The logical column types every backend maps to its own SQL types and driver values.
 * The JavaScript type each one hydrates to is fixed across backends, so a model behaves the same
 * wherever it lives:
 *
 * | type       | JavaScript value | notes                                                      |
 * |------------|------------------|------------------------------------------------------------|
 * | `string`   | `string`         | bounded (`length`, default 255)                            |
 * | `text`     | `string`         | unbounded                                                  |
 * | `integer`  | `number`         | 32-bit                                                     |
 * | `bigint`   | `bigint`         | 64-bit, never through a float                              |
 * | `float`    | `number`         | double precision                                           |
 * | `decimal`  | `string`         | exact: `'12.30'`, never a lossy float                      |
 * | `boolean`  | `boolean`        |                                                            |
 * | `date`     | `string`         | `'YYYY-MM-DD'`, no time zone to get wrong                  |
 * | `datetime` | `Date`           | an instant, stored in UTC, millisecond precision or better |
 * | `json`     | any JSON value   |                                                            |
 * | `binary`   | `Buffer`         |                                                            |
 * | `uuid`     | `string`         | lower-case canonical form                                  |
 */
export const COLUMN_TYPES = [
  'string',
  'text',
  'integer',
  'bigint',
  'float',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'json',
  'binary',
  'uuid',
] as const;

export type ColumnType = (typeof COLUMN_TYPES)[number];

export function isColumnType(value: unknown): value is ColumnType {
  return typeof value === 'string' && (COLUMN_TYPES as readonly string[]).includes(value);
}

/** A JSON value as stored in a `json` column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
