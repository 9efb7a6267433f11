import { ConnectionError } from '../errors';
import type { CompiledQuery } from '../query/nodes';
import type { Dialect } from './dialect';
import type { TwoPhaseParticipant } from './two-phase';
import type { BeginOptions } from './transaction-options';
import type { DriverSession, ExecuteResult, Row, RunOptions, StreamOptions } from './driver-session';

export type { DriverSession, ExecuteResult, Row, RunOptions, StreamOptions, ValueRow } from './driver-session';

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
  /**
   * The most sessions the backend hands out at once (its pool's max), where it knows. The
   * transaction engine uses it to tell a wait that can never end (the caller holds them all)
   * from one that will.
   */
  readonly maxSessions?: number;
}

/** What the library tells a backend when it asks for a session. */
export interface AcquireOptions {
  /** Who will hold the session, for the messages of those who wait for it (`transaction 'OrderService.place'`). */
  readonly holder?: string;
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
  abstract acquire(options?: AcquireOptions): Promise<DriverSession>;

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

  /**
   * Optional fast path for drivers with a synchronous API: run a statement outside any
   * transaction now, without a promise, or return `undefined` when it cannot run at once (the
   * caller then uses `query`). Failures are thrown, already translated.
   */
  queryNow?(query: CompiledQuery, options?: RunOptions): Row[] | undefined;
  /** Optional: `execute` run now, as `queryNow`. */
  executeNow?(query: CompiledQuery, options?: RunOptions): ExecuteResult | undefined;

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

  /**
   * Another backend on the same database, with a single session of its own: the coordinator
   * writes its decisions there, so that a unit never waits, while holding its branches, for a
   * session of a pool those branches may exhaust. Undefined where the database cannot be opened
   * twice (an in-memory SQLite database); the coordinator then uses this backend's own sessions.
   * The default builds the same class with the same options and a pool of one.
   */
  createDedicated(): StorageBackend | undefined {
    const construct = this.constructor as new (options: object, context: BackendContext) => StorageBackend;
    const pool = (this.options as { pool?: object }).pool;
    return new construct({ ...this.options, pool: { ...pool, min: 0, max: 1 } }, this.context);
  }

  /**
   * Run `work` on a pooled session and give it back: released, or discarded when the connection
   * broke. (Also used by two-phase participants for their own statements.)
   */
  async withSession<T>(work: (session: DriverSession) => Promise<T>): Promise<T> {
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
