import { ConnectionError } from '../errors';
import type { CompiledQuery } from '../query/nodes';
import type { Dialect } from './dialect';
import type { TwoPhaseParticipant } from './two-phase';
import type { BeginOptions } from './transaction-options';

/** A row as the driver returns it: column name to driver value. */
export type Row = Record<string, unknown>;

export interface ExecuteResult {
  /** Rows inserted, updated or deleted. */
  readonly affectedRows: number;
  /** The generated key of the last inserted row, where the database reports one. */
  readonly insertId?: number | bigint | string;
}

/** Per-statement hints a backend may honour. */
export interface RunOptions {
  /**
   * Return 64-bit integers without rounding (as bigint or string). Drivers that round large
   * integers to floats by default (better-sqlite3) switch mode for this statement only.
   */
  readonly exactIntegers?: boolean;
}

export interface StreamOptions extends RunOptions {
  /** Rows fetched from the database per round trip; also the most held in memory. */
  readonly batchSize: number;
}

/** A minimal logger; the Nest layer passes Nest's Logger, plain scripts may pass `console`. */
export interface BackendLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** What the library hands a backend when it builds one for a named connection. */
export interface BackendContext {
  /** The connection's name, for messages. */
  readonly connectionName: string;
  readonly logger: BackendLogger;
}

/** What a backend can do; the transaction system and coordinator consult this. */
export interface BackendCapabilities {
  /** Can prepare a transaction and commit it later from another session (2PC participant). */
  readonly twoPhaseCommit: boolean;
  readonly savepoints: boolean;
  /** More than one session can run at once (a pool); SQLite has exactly one. */
  readonly concurrentSessions: boolean;
}

/**
 * One physical connection, held for the life of a transaction (or a stream). The backend hands
 * it out and takes it back; nothing else may close it. Its methods reject with the library's
 * error classes (already passed through the backend's `translateError`), so callers can tell a
 * broken connection (`ConnectionError`: destroy the session) from a failed statement (release it).
 */
export interface DriverSession {
  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]>;
  execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult>;
  stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row>;
  /** Give the session back to the pool. */
  release(): void;
  /** Discard the session (after a failure that leaves its state unknown). */
  destroy(): void;
}

/**
 * The contract between the library and one database. Built-in backends (SQLite, PostgreSQL,
 * MySQL/MariaDB, Oracle, SQL Server) implement it; a custom backend extends it and is passed as
 * `backend: MyBackend` in a connection's options. The library constructs it with the
 * connection's options and a context, calls `open()` once, and `close()` at shutdown.
 *
 * Statements outside a transaction go through `query`/`execute`/`stream` (the backend picks a
 * pooled session); a transaction `acquire()`s one session and runs everything on it.
 */
export abstract class StorageBackend<Options extends object = object> {
  abstract readonly dialect: Dialect;
  abstract readonly capabilities: BackendCapabilities;

  constructor(
    readonly options: Options,
    readonly context: BackendContext,
  ) {}

  /** Connect (and check the database answers). Called once, before any other call. */
  abstract open(): Promise<void>;
  /** Close every session and file. Must be safe to call twice. */
  abstract close(): Promise<void>;

  /** A session for exclusive use until `release()`/`destroy()`. */
  abstract acquire(): Promise<DriverSession>;

  /**
   * Translate a driver error into one of the library's error classes (keeping it as `cause`).
   * Called for every failure of a statement, with the SQL text for the message.
   */
  abstract translateError(error: unknown, sql?: string): Error;

  /** Where the database is, for messages: a file path or `host:port/database`, never a password. */
  abstract describeTarget(): string;

  /** Present on backends that can prepare a transaction (two-phase commit participants). */
  readonly twoPhase?: TwoPhaseParticipant;

  /**
   * Optional: interrupt the statement running on a session (a transaction timed out). Backends
   * whose drivers can (PostgreSQL's cancel request, MySQL's KILL QUERY) implement it.
   */
  cancel?(session: DriverSession): Promise<void>;

  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.withSession((session) => session.query(query, options));
  }

  execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    return this.withSession((session) => session.execute(query, options));
  }

  async *stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    const session = await this.acquire();
    let broken = false;
    try {
      yield* session.stream(query, options);
    } catch (error) {
      broken = error instanceof ConnectionError;
      throw error;
    } finally {
      if (broken) session.destroy();
      else session.release();
    }
  }

  /** Open a transaction on a session. */
  async begin(session: DriverSession, options: BeginOptions = {}): Promise<void> {
    for (const sql of this.dialect.beginTransaction(options)) await session.execute({ sql, params: [] });
  }

  async commit(session: DriverSession): Promise<void> {
    await session.execute({ sql: this.dialect.commitTransaction(), params: [] });
  }

  async rollback(session: DriverSession): Promise<void> {
    await session.execute({ sql: this.dialect.rollbackTransaction(), params: [] });
  }

  protected async withSession<T>(work: (session: DriverSession) => Promise<T>): Promise<T> {
    const session = await this.acquire();
    try {
      const result = await work(session);
      session.release();
      return result;
    } catch (error) {
      if (error instanceof ConnectionError) session.destroy();
      else session.release();
      throw error;
    }
  }
}

/**
 * A class that builds a backend: what `backend:` accepts besides the built-in names. The
 * library passes the connection's options object as given (`never` here lets a subclass narrow
 * its own options type).
 */
export type StorageBackendClass = new (options: never, context: BackendContext) => StorageBackend<object>;

/** Build a backend from its class with a connection's options. */
export function constructBackend(backendClass: StorageBackendClass, options: object, context: BackendContext): StorageBackend {
  const construct = backendClass as unknown as new (options: object, context: BackendContext) => StorageBackend;
  return new construct(options, context);
}
