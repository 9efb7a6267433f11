import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, ConnectionError, LockTimeoutError } from '../../errors';
import type { CompiledQuery } from '../../query/nodes';
import { AsyncMutex } from '../../util/async-mutex';
import type { BeginOptions } from '../transaction-options';
import {
  StorageBackend,
  type AcquireOptions,
  type BackendCapabilities,
  type DriverSession,
  type ExecuteResult,
  type Row,
  type RunOptions,
  type StreamOptions,
} from '../storage-backend';
import { registerDecimalAggregates } from './decimal-aggregates';
import { SqliteDialect } from './dialect';
import { translateSqliteError } from './errors';
import { SQLITE_OPTION_KEYS, type SqliteConnectionOptions } from './options';
import { SqliteStatementRunner, type StepRunner } from './statement-runner';

const QUERY_ONLY_ON: CompiledQuery = { sql: 'PRAGMA query_only = 1', params: [] };
const QUERY_ONLY_OFF: CompiledQuery = { sql: 'PRAGMA query_only = 0', params: [] };
const readOnlySessions = new WeakSet<DriverSession>();

const JOURNAL_MODES = ['wal', 'delete', 'truncate', 'persist', 'memory', 'off'];
const SYNCHRONOUS = ['off', 'normal', 'full', 'extra'];

/**
 * SQLite through better-sqlite3: one connection per database, synchronous calls.
 *
 * A single connection means a transaction owns it outright: while one is open, statements
 * from other async contexts wait on the lock instead of slipping into it (they would otherwise
 * see, or be rolled back with, someone else's uncommitted writes). Statements outside any
 * transaction run at once when the lock is free, which keeps the hot path free of awaits.
 */
export class SqliteBackend extends StorageBackend<SqliteConnectionOptions> {
  readonly dialect = new SqliteDialect();
  readonly capabilities: BackendCapabilities = {
    twoPhaseCommit: false,
    savepoints: true,
    concurrentSessions: false,
  };

  private readonly lock = new AsyncMutex();
  /** Who holds the connection now, for the message of a wait that times out. */
  private holder?: { description: string; since: number };
  private db?: Database.Database;
  private runner?: SqliteStatementRunner;
  /** A read-only second connection for streams outside transactions (WAL files only; see stream()). */
  private reader?: { db: Database.Database; runner: SqliteStatementRunner };
  private readerAllowed = false;

  /** Every option key this backend reads (besides the common ones); others are refused. */
  static readonly optionKeys = SQLITE_OPTION_KEYS;

  static validateOptions(options: Record<string, unknown>, path: string): void {
    if (typeof options.database !== 'string' || options.database.trim() === '') {
      throw new ConfigurationError(
        `${path}.database is required for backend 'sqlite': a file path such as './data/app.db', or ':memory:'`,
        { field: `${path}.database` },
      );
    }
    const check = (field: string, allowed: string[]) => {
      const value = options[field];
      if (value !== undefined && !allowed.includes(value as string)) {
        throw new ConfigurationError(`${path}.${field} must be one of ${allowed.join(', ')}`, {
          field: `${path}.${field}`,
        });
      }
    };
    check('journalMode', JOURNAL_MODES);
    check('synchronous', SYNCHRONOUS);
    for (const field of ['busyTimeoutMs', 'acquireTimeoutMs']) {
      const value = options[field];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
        throw new ConfigurationError(`${path}.${field} must be a non-negative integer`, { field: `${path}.${field}` });
      }
    }
  }

  describeTarget(): string {
    return this.options.database === ':memory:' ? 'in-memory SQLite' : `SQLite file ${this.options.database}`;
  }

  async open(): Promise<void> {
    const { database, readonly = false } = this.options;
    const inMemory = database === ':memory:' || database.startsWith('file::memory:');
    try {
      if (!inMemory && !readonly) mkdirSync(dirname(resolve(database)), { recursive: true });
      // No driver-side busy wait: better-sqlite3's would block the event loop for its whole
      // duration (the application freezes while another process holds the file). A busy
      // statement fails at once and is retried asynchronously (see retryWhileBusy).
      const db = new Database(database, { readonly, fileMustExist: readonly, timeout: 0 });
      if (!inMemory && !readonly) db.pragma(`journal_mode = ${this.options.journalMode ?? 'wal'}`);
      db.pragma(`synchronous = ${this.options.synchronous ?? 'normal'}`);
      db.pragma(`foreign_keys = ${this.options.foreignKeys === false ? 'OFF' : 'ON'}`);
      registerDecimalAggregates(db);
      db.prepare('SELECT 1').get();
      // In WAL mode a reader and the writer do not block each other (see stream()).
      this.readerAllowed = !inMemory && !readonly && String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
      this.db = db;
      this.runner = new SqliteStatementRunner(db, (error, sql) => this.translateError(error, sql));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(
        `Cannot open ${this.describeTarget()} for connection '${this.context.connectionName}': ${reason}. ` +
          `Check that the path is right and its folder is writable.`,
        { connection: this.context.connectionName, cause: error },
      );
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    const runner = this.runner;
    const reader = this.reader;
    this.db = undefined;
    this.runner = undefined;
    this.reader = undefined;
    // SQLite will not close a connection with a statement being read: streams still open end
    // with this error at their next batch.
    const closing = new ConnectionError(
      `Connection '${this.context.connectionName}' was closed while a stream was reading from it`,
      { connection: this.context.connectionName },
    );
    reader?.runner.abandonCursors(closing);
    runner?.abandonCursors(closing);
    if (reader?.db.open) reader.db.close();
    if (db?.open) db.close();
  }

  /** A second handle on the same file; an in-memory database exists only in this handle. */
  override createDedicated(): StorageBackend | undefined {
    const database = this.options.database;
    if (database === ':memory:' || database.startsWith('file::memory:') || this.options.readonly) return undefined;
    return super.createDedicated();
  }

  async acquire(options: AcquireOptions = {}): Promise<DriverSession> {
    const timeoutMs = this.options.acquireTimeoutMs ?? 30_000;
    const unlock = await this.lock.acquire(timeoutMs, () => this.lockWaitError(timeoutMs));
    const runner = this.requireRunner();
    this.holder = { description: options.holder ?? 'a statement outside any transaction', since: Date.now() };
    const release = () => {
      this.holder = undefined;
      unlock();
    };
    return new SqliteSession(runner, this.db!, release, (attempt) => this.retryWhileBusy(attempt));
  }

  /**
   * Run a statement, and while another process holds the file's lock, run it again after a short
   * wait (1, 2, 4 ... 50 ms) until busyTimeoutMs: the application's other work goes on meanwhile.
   * SQLITE_BUSY means the statement did nothing, so running it again is safe; a stale snapshot
   * (SQLITE_BUSY_SNAPSHOT) never clears by waiting and fails at once.
   */
  async retryWhileBusy<T>(attempt: () => T): Promise<T> {
    const deadline = Date.now() + (this.options.busyTimeoutMs ?? 5000);
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private lockWaitError(timeoutMs: number): Error {
    const holder = this.holder;
    const held = holder ? `; ${holder.description} has held it for ${((Date.now() - holder.since) / 1000).toFixed(1)} s` : '';
    return new LockTimeoutError(
      `Connection '${this.context.connectionName}' (${this.describeTarget()}) has a single connection, and a statement waited ${timeoutMs} ms ` +
        `for it${held}. Look for a transaction that does not finish, or raise acquireTimeoutMs`,
      { connection: this.context.connectionName },
    );
  }

  /**
   * SQLite has no READ ONLY transaction, but `PRAGMA query_only` refuses writes on the
   * connection: switched on for the transaction, off again when it ends.
   */
  override async begin(session: DriverSession, options: BeginOptions = {}): Promise<void> {
    await super.begin(session, options);
    if (options.readOnly) {
      await session.execute(QUERY_ONLY_ON);
      readOnlySessions.add(session);
    }
  }

  override async commit(session: DriverSession): Promise<void> {
    try {
      await super.commit(session);
    } finally {
      await this.endReadOnly(session);
    }
  }

  override async rollback(session: DriverSession): Promise<void> {
    try {
      await super.rollback(session);
    } finally {
      await this.endReadOnly(session);
    }
  }

  private async endReadOnly(session: DriverSession): Promise<void> {
    if (readOnlySessions.delete(session)) await session.execute(QUERY_ONLY_OFF);
  }

  translateError(error: unknown, sql?: string): Error {
    return translateSqliteError(error, this.context.connectionName, sql);
  }

  /**
   * Outside a transaction, with the lock free: run at once, no promise (see
   * Connection.runQueryNow). Undefined (the caller then takes the async path, which waits) when
   * the lock is taken or another process holds the file.
   */
  override queryNow(query: CompiledQuery, options?: RunOptions): Row[] | undefined {
    return this.lock.locked ? undefined : nowOrBusy(() => this.requireRunner().all(query, options));
  }

  override executeNow(query: CompiledQuery, options?: RunOptions): ExecuteResult | undefined {
    return this.lock.locked ? undefined : nowOrBusy(() => this.requireRunner().run(query, options));
  }

  override query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    if (this.lock.locked) return super.query(query, options);
    return this.retryWhileBusy(() => this.requireRunner().all(query, options));
  }

  override execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    if (this.lock.locked) return super.execute(query, options);
    return this.retryWhileBusy(() => this.requireRunner().run(query, options));
  }

  /**
   * Outside a transaction. A file in WAL mode is streamed from a read-only connection of its
   * own: its snapshot stays put while the main connection writes (the loop body included), and
   * it never waits for the lock. Elsewhere (in memory, other journal modes) the stream reads
   * from the one connection, taking the lock only while it reads a batch; a write meanwhile
   * first moves the rest of the result to disk (see SqliteCursor).
   */
  override stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    const reader = this.readerRunner();
    // Each batch is retried while another process holds the file (see retryWhileBusy).
    if (reader !== undefined) return reader.stream(query, options, (work) => this.retryWhileBusy(work));
    const step: StepRunner = async (work) => {
      const timeoutMs = this.options.acquireTimeoutMs ?? 30_000;
      const release = await this.lock.acquire(timeoutMs, () => this.lockWaitError(timeoutMs));
      try {
        return await this.retryWhileBusy(work);
      } finally {
        release();
      }
    };
    return this.requireRunner().stream(query, options, step);
  }

  /** The streams' read connection, opened on first use; undefined where streams use the main one. */
  private readerRunner(): SqliteStatementRunner | undefined {
    if (this.reader !== undefined) return this.reader.runner;
    if (!this.readerAllowed || this.db === undefined) return undefined;
    try {
      // As the main connection: no driver-side busy wait (it would block the event loop).
      const db = new Database(this.options.database, { readonly: true, fileMustExist: true, timeout: 0 });
      this.reader = { db, runner: new SqliteStatementRunner(db, (error, sql) => this.translateError(error, sql)) };
      return this.reader.runner;
    } catch (error) {
      this.readerAllowed = false;
      this.context.logger.warn(
        `Connection '${this.context.connectionName}': cannot open a read connection to ${this.describeTarget()} for streams ` +
          `(${error instanceof Error ? error.message : String(error)}); streams read from the main connection instead`,
      );
      return undefined;
    }
  }

  private requireRunner(): SqliteStatementRunner {
    if (!this.runner) {
      throw new ConnectionError(
        `Connection '${this.context.connectionName}' is closed (or was never opened); ` +
          `queries need an open ActiveRecordModule or ConnectionRegistry`,
        { connection: this.context.connectionName },
      );
    }
    return this.runner;
  }
}

/** The lock-holding view of the one connection, used by a transaction. */
class SqliteSession implements DriverSession {
  private released = false;

  constructor(
    private readonly runner: SqliteStatementRunner,
    private readonly db: Database.Database,
    private readonly unlock: () => void,
    private readonly retryWhileBusy: <T>(attempt: () => T) => Promise<T>,
  ) {}

  /** The session holds the lock: statements run at once, unless another process holds the file. */
  queryNow(query: CompiledQuery, options?: RunOptions): Row[] | undefined {
    return nowOrBusy(() => this.runner.all(query, options));
  }

  executeNow(query: CompiledQuery, options?: RunOptions): ExecuteResult | undefined {
    return nowOrBusy(() => this.runner.run(query, options));
  }

  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.retryWhileBusy(() => this.runner.all(query, options));
  }

  execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    return this.retryWhileBusy(() => this.runner.run(query, options));
  }

  stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    // The session already holds the lock; each step runs straight away.
    return this.runner.stream(query, options, (work) => this.retryWhileBusy(work));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.unlock();
  }

  /**
   * There is no second connection to fall back on: a session given up in an unknown state must
   * not leave the one connection inside a transaction for the next caller.
   */
  destroy(): void {
    try {
      this.runner.detachCursors();
      if (this.db.open && this.db.inTransaction) this.db.prepare('ROLLBACK').run();
    } catch {
      // Closed or broken: nothing is left open on it either way.
    }
    this.release();
  }
}

/** Another process holds the file's lock (worth waiting for, asynchronously). */
function isBusy(error: unknown): boolean {
  return (error as { cause?: { code?: unknown } })?.cause?.code === 'SQLITE_BUSY';
}

/** Run now; undefined when the file is busy, so that the caller takes the path that waits. */
function nowOrBusy<T>(attempt: () => T): T | undefined {
  try {
    return attempt();
  } catch (error) {
    if (isBusy(error)) return undefined;
    throw error;
  }
}
