import type { ColumnType } from '../column-types';
import type { ValueReader } from '../dialect';
import { fromDateOnly, fromJson } from '../value-conversion';
import type { ColumnDefinition } from '../../schema/table-definition';
import { parseWallClock, type FixedOffset } from './time-zone';

/**
 * The SQL type of each logical type. The choices that matter:
 * - `text` is LONGTEXT and `binary` LONGBLOB: TEXT/BLOB stop at 64 KiB. A key cannot be a
 *   LONGTEXT/LONGBLOB, so a unique or primary `binary` column becomes VARBINARY.
 * - `datetime` is DATETIME(3): JavaScript Dates carry milliseconds, and DATETIME (unlike
 *   TIMESTAMP) is not converted by the session time zone nor limited to 1970-2038.
 * - `boolean` is TINYINT(1), which is what BOOLEAN means in MySQL anyway.
 * - `json` is JSON: a native type in MySQL, an alias of LONGTEXT with a JSON_VALID check in MariaDB.
 * - `uuid` is CHAR(36): readable and comparable; canonical lower case is enforced on the way in.
 */
export function mysqlColumnType(column: ColumnDefinition): string {
  switch (column.type) {
    case 'string':
      return `VARCHAR(${column.length ?? 255})`;
    case 'text':
      return keyable(column) ? refuse(column, "a 'string' column with a length") : 'LONGTEXT';
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'float':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${column.precision ?? 12}, ${column.scale ?? 2})`;
    case 'boolean':
      return 'TINYINT(1)';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'DATETIME(3)';
    case 'json':
      return keyable(column) ? refuse(column, "a 'string' column") : 'JSON';
    case 'binary':
      return keyable(column) ? `VARBINARY(${column.length ?? 255})` : 'LONGBLOB';
    case 'uuid':
      return 'CHAR(36)';
  }
}

/** Types whose DDL default must be an expression in parentheses (MySQL refuses a plain literal). */
export const EXPRESSION_DEFAULT_TYPES: ReadonlySet<ColumnType> = new Set<ColumnType>(['text', 'json', 'binary']);

function keyable(column: ColumnDefinition): boolean {
  return column.primary || column.unique;
}

function refuse(column: ColumnDefinition, instead: string): never {
  throw new TypeError(
    `column '${column.name}': a ${column.type} column cannot be a primary or unique key in MySQL/MariaDB; use ${instead}`,
  );
}

// Any non-zero TINYINT is true, as in MySQL itself (other software may have written 2 or -1).
const readBoolean: ValueReader = (v) => (typeof v === 'number' ? v !== 0 : v === true || (typeof v === 'string' && v !== '0' && v !== ''));
const readBigInt: ValueReader = (v) => (typeof v === 'bigint' ? v : BigInt(v as number | string));
const readString: ValueReader = (v) => (typeof v === 'string' ? v : String(v));
const readDate: ValueReader = (v) => (typeof v === 'string' && v.length === 10 ? v : fromDateOnly(v));
const readBuffer: ValueReader = (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v as string));

/**
 * How each type's driver value becomes its JavaScript value. The connection is configured so
 * that most arrive ready and need no reader (INT and DOUBLE as number, DECIMAL as string, DATE as 'YYYY-MM-DD', DATETIME as a
 * Date in the connection's offset, BLOB as Buffer); readers cover the rest and the forms raw or
 * hand-made schemas produce.
 */
export function mysqlReaders(offset: FixedOffset): Partial<Record<ColumnType, ValueReader>> {
  const readDatetime: ValueReader = (v) => (v instanceof Date ? v : parseWallClock(String(v), offset));
  return {
    boolean: readBoolean,
    // BIGINT arrives as a number when it is a safe integer and as a string otherwise: both exact.
    bigint: readBigInt,
    decimal: readString,
    date: readDate,
    datetime: readDatetime,
    // jsonStrings is on: JSON always arrives as text, so a JSON string value is never mistaken for text to parse.
    json: fromJson,
    binary: readBuffer,
  };
}
