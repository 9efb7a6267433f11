/**
 * How big one statement may be on a backend, and the arithmetic that keeps generated
 * statements inside it: rows per multi-row INSERT, and integers written into SQL text.
 * Dialects declare their limits (`maxParameters`, `maxPreparedLength`, `bulkInsertRows`,
 * `bulkInsertParameters`); this file only computes with them, so it has no backend knowledge.
 */

/** What `rowsPerInsert` reads from a dialect. */
export interface InsertLimits {
  /** Most bind parameters one statement may carry. */
  readonly maxParameters: number;
  /** Rows per statement past which bigger chunks are no faster per row. */
  readonly bulkInsertRows: number;
  /** Parameters per statement past which bigger chunks are no faster per row (wide rows). */
  readonly bulkInsertParameters: number;
  /** Longest SQL text the backend still prepares (reuses), in characters. */
  readonly maxPreparedLength: number;
  /** The placeholder for the `index`-th value, to measure a row's text. */
  placeholder(index: number): string;
}

/**
 * Rows per statement for a multi-row INSERT of rows `width` values wide: as many as the
 * dialect's row and parameter budgets allow, never past the parameter limit, and never so long
 * that the statement is too big to prepare (it would then be parsed and planned again for
 * every chunk: a 100-column, 500-row chunk on PostgreSQL is 50,000 parameters and ~400,000
 * characters). `fixedLength` is the text outside the VALUES tuples (INSERT INTO ... and any
 * ON CONFLICT or RETURNING clause). At least one row, even where one row alone is over a budget.
 */
export function rowsPerInsert(limits: InsertLimits, width: number, fixedLength: number): number {
  if (width === 0) return 1;
  let rows = Math.min(limits.bulkInsertRows, Math.floor(limits.maxParameters / width), Math.floor(limits.bulkInsertParameters / width));
  if (Number.isFinite(limits.maxPreparedLength)) {
    // The widest row is the last one (the longest placeholders): measuring it bounds them all.
    const rowLength = tupleLength(limits, width, Math.max(1, rows));
    rows = Math.min(rows, Math.floor((limits.maxPreparedLength - fixedLength) / rowLength));
  }
  return Math.max(1, rows);
}

/**
 * A generous bound on the text of a multi-row INSERT outside its VALUES tuples: the table and
 * column names, quoted, and for an upsert the conflict clause that names the columns again.
 */
export function insertHeadLength(table: string, columns: readonly { readonly name: string }[], upsert: boolean): number {
  let names = table.length + 2;
  for (const column of columns) names += column.name.length + 4;
  return 64 + (upsert ? 3 * names : names);
}

/** Characters of the `rows`-th tuple `(p, p, ...), ` of `width` placeholders. */
function tupleLength(limits: InsertLimits, width: number, rows: number): number {
  const last = rows * width;
  // Every placeholder is at most as long as the last one; 2 for ", " between values and rows.
  return 2 + width * (limits.placeholder(last).length + 2);
}

/**
 * A LIMIT or OFFSET count as SQL text. Only a non-negative safe integer passes, so what enters
 * the text is digits and nothing else (the model layer checks too; this holds for any caller).
 */
export function literalCount(value: number, clause: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${clause} must be a non-negative integer, got ${String(value)}`);
  }
  return String(value);
}

/**
 * A statement with more values than its backend can bind. Thrown before anything is sent, and
 * translated into a QueryError by the backend: it is the statement that is wrong, not the
 * connection (PostgreSQL's wire protocol counts parameters in 16 bits, and an overflowing count
 * otherwise reaches the server as a malformed message that reads like a broken connection).
 */
export class TooManyParametersError extends Error {
  readonly code = 'AR_TOO_MANY_PARAMETERS';

  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(
      `the statement has ${count.toLocaleString('en-US')} bind parameters, more than the ${limit.toLocaleString('en-US')} ` +
        `one statement can carry; pass long lists of values as an array (where({ id: ids }) does this itself), ` +
        `or split the work into several statements`,
    );
  }
}
