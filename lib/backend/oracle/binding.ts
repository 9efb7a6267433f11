import { OracleTypedValue } from './compiled';
import type { OracleBindDefinition, OracleColumnMetadata, OracleDbType, OracleDriver, OracleFetchType } from './driver';

/**
 * Conversions between the dialect's bind values and node-oracledb's, and the fetch types that
 * keep numbers exact and LOBs inline. Pure functions of the loaded driver module, so they can be
 * tested without a database.
 */

function typeOf(driver: OracleDriver, value: OracleTypedValue): OracleDbType {
  return value.type === 'BINARY_DOUBLE' ? driver.DB_TYPE_BINARY_DOUBLE : driver.DB_TYPE_TIMESTAMP_TZ;
}

/** One statement's binds: typed values become `{ val, type }`, the rest bind as they are. */
export function toOracleBinds(driver: OracleDriver, params: readonly unknown[]): unknown[] {
  return params.map((value) => (value instanceof OracleTypedValue ? { val: value.value, type: typeOf(driver, value) } : value));
}

/**
 * A batch for executeMany. Its binds are declared up front (bindDefs) because a typed value
 * cannot be given per row, and a column that is NULL in the first rows must still bind as the
 * type of its later values. Strings and Buffers get the largest size in the batch.
 */
export function toOracleBatch(
  driver: OracleDriver,
  batch: readonly (readonly unknown[])[],
): { rows: unknown[][]; bindDefs: OracleBindDefinition[] } {
  const width = batch[0]?.length ?? 0;
  const bindDefs: OracleBindDefinition[] = [];
  for (let column = 0; column < width; column++) {
    let type: OracleDbType | undefined;
    let maxSize = 1;
    for (const row of batch) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      if (value instanceof OracleTypedValue) type ??= typeOf(driver, value);
      else if (typeof value === 'string') {
        type ??= driver.DB_TYPE_VARCHAR;
        maxSize = Math.max(maxSize, Buffer.byteLength(value));
      } else if (Buffer.isBuffer(value)) {
        type ??= driver.DB_TYPE_RAW;
        maxSize = Math.max(maxSize, value.length);
      } else type ??= driver.DB_TYPE_NUMBER;
    }
    type ??= driver.DB_TYPE_VARCHAR;
    bindDefs.push(type === driver.DB_TYPE_VARCHAR || type === driver.DB_TYPE_RAW ? { type, maxSize } : { type });
  }
  const rows = batch.map((row) => row.map((value) => (value instanceof OracleTypedValue ? value.value : value)));
  return { rows, bindDefs };
}

/** Largest integer NUMBER precision a double holds exactly (15 digits < 2^53). */
const EXACT_DOUBLE_DIGITS = 15;

/**
 * Fetch types: NUMBER columns that a double may not hold exactly (NUMBER(19), NUMBER(p, s>0),
 * unconstrained NUMBER such as COUNT(*)) come back as strings; small integers stay numbers.
 * CLOBs and BLOBs come back inline as string / Buffer instead of LOB objects.
 */
export function oracleFetchTypeHandler(driver: OracleDriver): (metadata: OracleColumnMetadata) => OracleFetchType | undefined {
  return (metadata) => {
    const type = metadata.dbType;
    if (type === driver.DB_TYPE_NUMBER) {
      const precision = metadata.precision ?? 0;
      const scale = metadata.scale ?? 0;
      return scale === 0 && precision > 0 && precision <= EXACT_DOUBLE_DIGITS ? undefined : { type: driver.DB_TYPE_VARCHAR };
    }
    if (type === driver.DB_TYPE_CLOB) return { type: driver.DB_TYPE_LONG };
    if (type === driver.DB_TYPE_NCLOB) return { type: driver.DB_TYPE_LONG_NVARCHAR };
    if (type === driver.DB_TYPE_BLOB) return { type: driver.DB_TYPE_LONG_RAW };
    return undefined;
  };
}
