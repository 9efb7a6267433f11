import type { CompiledQuery } from '../../query/nodes';

/**
 * A bound value that must travel as a specific Oracle type rather than the one node-oracledb
 * would infer from its JavaScript type. The dialect cannot name the driver's `DB_TYPE_*`
 * constants (dialects never load drivers), so it tags the value and the backend swaps the tag
 * for `{ val, type }` when it binds.
 *
 * - `BINARY_DOUBLE`: a JS number would bind as NUMBER, which overflows above ~1e126 and flushes
 *   tiny values to 0; BINARY_DOUBLE is the IEEE double the `float` column stores.
 * - `TIMESTAMP_TZ`: a JS Date would bind as TIMESTAMP in the Node process's local time zone;
 *   TIMESTAMP WITH TIME ZONE binds the UTC instant with offset +00:00, whatever that zone is.
 */
export class OracleTypedValue {
  constructor(
    readonly type: 'BINARY_DOUBLE' | 'TIMESTAMP_TZ',
    readonly value: number | Date | null,
  ) {}
}

/**
 * What the Oracle dialect compiles to. Besides SQL and binds it may carry two instructions for
 * the backend, for shapes Oracle cannot express in one statement that returns rows:
 *
 * - `batch`: the same single-row statement runs once per entry (node-oracledb `executeMany`, one
 *   round trip). Used for multi-row INSERT and MERGE; `params` is then empty.
 * - `readBack`: after the INSERT, run this SELECT with the inserted row's ROWID as its one bind
 *   and return its rows: how `INSERT ... RETURNING` gives rows back on Oracle.
 *
 * The extra fields ride along on the CompiledQuery object, which the connection layer passes
 * to the backend unchanged; anything that ignores them fails loudly (a batch has no params).
 */
export interface OracleCompiledQuery extends CompiledQuery {
  readonly batch?: readonly (readonly unknown[])[];
  readonly readBack?: string;
}

export function isOracleBatch(query: CompiledQuery): query is OracleCompiledQuery & { batch: readonly (readonly unknown[])[] } {
  return Array.isArray((query as OracleCompiledQuery).batch);
}

export function readBackOf(query: CompiledQuery): string | undefined {
  return (query as OracleCompiledQuery).readBack;
}
