/**
 * Bookkeeping a record carries beside its attributes, under a symbol so that it never shows up
 * in `Object.keys`, JSON or a spread of attributes a user might send to a client.
 */
export const RECORD_STATE: unique symbol = Symbol.for('nestjs-activerecord:record-state') as never;

export interface RecordState {
  /**
   * Fingerprints of the attribute values as last read from or written to the database, aligned
   * with the model's columns. Comparing against them finds the changed attributes on save.
   */
  snapshot: unknown[];
  destroyed: boolean;
}

export type WithRecordState = { [RECORD_STATE]?: RecordState };

export function recordState(record: object): RecordState | undefined {
  return (record as WithRecordState)[RECORD_STATE];
}

/**
 * In a snapshot, marks an attribute a partial record (`select('id', 'name')`) never read: it is
 * not compared or written on save, and stays unset on the record.
 */
export const NOT_LOADED: unique symbol = Symbol.for('nestjs-activerecord:not-loaded') as never;
