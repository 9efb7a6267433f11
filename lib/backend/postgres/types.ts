import type { ColumnType } from '../column-types';
import type { ValueReader } from '../dialect';
import type { ColumnDefinition } from '../../schema/table-definition';

/**
 * The PostgreSQL type of each logical column type. Every one has a native type:
 * - `datetime` is TIMESTAMPTZ(3): an instant (stored as UTC, whatever the session time zone),
 *   rounded to the millisecond on write, so what is stored is exactly what a JS Date can hold
 *   and a value read back compares equal to the stored one (`where({ at: record.at })` finds it).
 * - `json` is JSONB (indexable, compared by value; key order and duplicate keys are not kept).
 * - `decimal` is NUMERIC with the declared precision/scale, unconstrained NUMERIC without.
 */
export function postgresColumnType(column: ColumnDefinition): string {
  switch (column.type) {
    case 'string':
      return `VARCHAR(${column.length ?? 255})`;
    case 'text':
      return 'TEXT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'float':
      return 'DOUBLE PRECISION';
    case 'decimal':
      if (column.precision === undefined) return 'NUMERIC';
      return column.scale === undefined ? `NUMERIC(${column.precision})` : `NUMERIC(${column.precision}, ${column.scale})`;
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'TIMESTAMPTZ(3)';
    case 'json':
      return 'JSONB';
    case 'binary':
      return 'BYTEA';
    case 'uuid':
      return 'UUID';
  }
}

const readBigInt: ValueReader = (v) => (typeof v === 'bigint' ? v : BigInt(v as string | number));
const readString: ValueReader = (v) => (typeof v === 'string' ? v : String(v));
const readInteger: ValueReader = (v) => (typeof v === 'number' ? v : Number(v));

/**
 * The pool's type parsers (type-parsers.ts) already produce each type's JavaScript value, so
 * most types need no reader and hydration skips the call. The exceptions: int8 arrives as an
 * exact string and becomes a bigint; and `integer`/`decimal` attributes are normalised in case a
 * hand-made table stores them as another type (a BIGINT `integer`, a float `decimal`).
 * `json` has no reader on purpose: the driver already parsed it, and a JSON string value
 * (`"abc"`) must not be parsed a second time.
 */
export const POSTGRES_READERS: Partial<Record<ColumnType, ValueReader>> = {
  bigint: readBigInt,
  integer: readInteger,
  decimal: readString,
};
