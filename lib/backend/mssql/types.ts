import type { ColumnType } from '../column-types';
import type { ValueReader } from '../dialect';
import { fromJson } from '../value-conversion';
import type { ColumnDefinition } from '../../schema/table-definition';

/** NVARCHAR(n) takes at most 4000 characters; longer strings are NVARCHAR(MAX). */
const NVARCHAR_MAX_CHARS = 4000;

/**
 * SQL Server types for the logical column types. The choices that matter:
 * - strings are NVARCHAR (UTF-16, any character whatever the collation's code page).
 * - `datetime` is DATETIMEOFFSET(3): an instant with its offset (+00:00 as written here), so no
 *   session or client time zone can shift it, at millisecond precision.
 * - `json` is NVARCHAR(MAX) with an ISJSON check.
 * - `uuid` is UNIQUEIDENTIFIER. SQL Server orders these by its own byte grouping (the last six
 *   bytes first), not as the string sorts: ordering by a UUID column is stable but not textual.
 * - `decimal` is DECIMAL(p, s) (p at most 38).
 */
export function mssqlColumnType(column: ColumnDefinition): string {
  switch (column.type) {
    case 'string': {
      const length = column.length ?? 255;
      return length > NVARCHAR_MAX_CHARS ? 'NVARCHAR(MAX)' : `NVARCHAR(${length})`;
    }
    case 'text':
    case 'json':
      return 'NVARCHAR(MAX)';
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'float':
      return 'FLOAT';
    case 'decimal':
      return `DECIMAL(${column.precision ?? 12}, ${column.scale ?? 2})`;
    case 'boolean':
      return 'BIT';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'DATETIMEOFFSET(3)';
    case 'binary':
      return 'VARBINARY(MAX)';
    case 'uuid':
      return 'UNIQUEIDENTIFIER';
  }
}

/** A JS number as plain decimal digits (no exponent), as a decimal string must be. */
export function plainNumber(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!match) return text;
  const [, sign, int, frac = '', expText] = match;
  const exponent = Number(expText);
  const digits = int! + frac;
  if (exponent >= 0) {
    const point = int!.length + exponent;
    const whole = digits.padEnd(point, '0');
    return sign + whole.slice(0, point) + (whole.length > point ? '.' + whole.slice(point) : '');
  }
  return `${sign}0.${'0'.repeat(-exponent - int!.length)}${digits}`;
}

/**
 * Model selects read DECIMAL as text (the dialect converts it on the server, exact); a raw query's
 * DECIMAL comes from tedious as a JS number, exact only to 15 significant digits. BIGINT comes as
 * a decimal string, exact.
 */
const readDecimal: ValueReader = (v) => (typeof v === 'number' ? plainNumber(v) : String(v));
const readBigInt: ValueReader = (v) => (typeof v === 'bigint' ? v : BigInt(v as string | number));
const readBoolean: ValueReader = (v) => v === true || v === 1;
/** DATE arrives as a Date at UTC midnight (the pool runs tedious with useUTC). */
const readDate: ValueReader = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
const readInstant: ValueReader = (v) => (v instanceof Date ? v : new Date(v as string));
const readUuid: ValueReader = (v) => String(v).toLowerCase();

export const MSSQL_READERS: Partial<Record<ColumnType, ValueReader>> = {
  bigint: readBigInt,
  decimal: readDecimal,
  boolean: readBoolean,
  date: readDate,
  datetime: readInstant,
  json: fromJson,
  uuid: readUuid,
};
