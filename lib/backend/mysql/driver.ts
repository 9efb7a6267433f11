/**
 * The part of mysql2's callback API this backend uses, typed structurally so that no mysql2 type
 * reaches the library's declarations (mysql2 is an optional peer dependency).
 */
import type { EventEmitter } from 'node:events';
import { loadDriver } from '../driver-loader';

export type RawCallback = (error: RawError | null, result?: unknown) => void;

export interface RawError extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

export interface RawQueryOptions {
  sql: string;
  values?: unknown[];
  /** Per statement: every BIGINT as a string, even small ones. */
  bigNumberStrings?: boolean;
  /** Per statement: rows as arrays of values in column order, not objects. */
  rowsAsArray?: boolean;
  /** Per statement: these column types as text instead of Dates. */
  dateStrings?: readonly string[];
}

/** A mysql2 command: emits `result` per row, `error` for a statement failure, then `end`. */
export type RawCommand = EventEmitter;

export interface RawConnection extends EventEmitter {
  readonly threadId: number | null;
  /** The socket: destroying it is the only way to stop a server that is sending a result. */
  readonly stream?: { destroy(): void };
  connect(callback: (error: RawError | null) => void): void;
  query(options: RawQueryOptions, callback?: RawCallback): RawCommand;
  execute(options: RawQueryOptions, callback?: RawCallback): RawCommand;
  pause(): void;
  resume(): void;
  destroy(): void;
  end(callback?: (error?: unknown) => void): unknown;
}

/** An OK packet's contents, for statements that return no rows. */
export interface RawResultHeader {
  affectedRows: number;
  insertId: number | string;
  serverStatus?: number;
}

export interface Mysql2Module {
  createConnection(options: Record<string, unknown>): RawConnection;
  /** mysql2 3.x: bind values with an explicit MySQL type. */
  TypedParameter?: { LONGLONG(value: bigint): unknown };
}

/** Load mysql2 on first use, with a message saying what to install when it is missing. */
export function loadMysql2(backendName: string, connectionName: string): Mysql2Module {
  return loadDriver<Mysql2Module>('mysql2', backendName, connectionName);
}

/** The OK packet's "in a transaction" status flag (SERVER_STATUS_IN_TRANS). */
export const SERVER_STATUS_IN_TRANS = 0x0001;
