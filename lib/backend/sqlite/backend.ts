import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, ConnectionError } from '../../errors';
import type { CompiledQuery } from '../../query/nodes';
import { AsyncMutex } from '../../util/async-mutex';
import type { BeginOptions } from '../transaction-options';
import {
  StorageBackend,
  type BackendCapabilities,
  type DriverSession,
  type ExecuteResult,
  type Row,
  type RunOptions,
  type StreamOptions,
} from '../storage-backend';
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
  private db?: Database.Database;
  private runner?: SqliteStatementRunner;

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
    const busy = options.busyTimeoutMs;
    if (busy !== undefined && !(Number.isInteger(busy) && (busy as number) >= 0)) {
      throw new ConfigurationError(`${path}.busyTimeoutMs must be a non-negative integer`, {
        field: `${path}.busyTimeoutMs`,
      });
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
      const db = new Database(database, { readonly, fileMustExist: readonly, timeout: this.options.busyTimeoutMs ?? 5000 });
      if (!inMemory && !readonly) db.pragma(`journal_mode = ${this.options.journalMode ?? 'wal'}`);
      db.pragma(`synchronous = ${this.options.synchronous ?? 'normal'}`);
      db.pragma(`foreign_keys = ${this.options.foreignKeys === false ? 'OFF' : 'ON'}`);
      db.prepare('SELECT 1').get();
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
    this.db = undefined;
    this.runner = undefined;
    if (db?.open) db.close();
  }

  async acquire(): Promise<DriverSession> {
    const release = await this.lock.acquire();
    const runner = this.requireRunner();
    return new SqliteSession(runner, this.db!, release);
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

  /** Outside a transaction, with the lock free: run at once, no promise (see Connection.runQueryNow). */
  override queryNow(query: CompiledQuery, options?: RunOptions): Row[] | undefined {
    return this.lock.locked ? undefined : this.requireRunner().all(query, options);
  }

  override executeNow(query: CompiledQuery, options?: RunOptions): ExecuteResult | undefined {
    return this.lock.locked ? undefined : this.requireRunner().run(query, options);
  }

  override query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    if (this.lock.locked) return super.query(query, options);
    try {
      return Promise.resolve(this.requireRunner().all(query, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  override execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    if (this.lock.locked) return super.execute(query, options);
    try {
      return Promise.resolve(this.requireRunner().run(query, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Outside a transaction, each batch takes the lock only for as long as it reads. */
  override stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    const step: StepRunner = async (work) => {
      const release = await this.lock.acquire();
      try {
        return work();
      } finally {
        release();
      }
    };
    return this.requireRunner().stream(query, options, step);
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
  ) {}

  /** The session holds the lock: statements always run at once. */
  queryNow(query: CompiledQuery, options?: RunOptions): Row[] {
    return this.runner.all(query, options);
  }

  executeNow(query: CompiledQuery, options?: RunOptions): ExecuteResult {
    return this.runner.run(query, options);
  }

  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    try {
      return Promise.resolve(this.runner.all(query, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    try {
      return Promise.resolve(this.runner.run(query, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    // The session already holds the lock; each step runs straight away.
    return this.runner.stream(query, options, async (work) => work());
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
      if (this.db.open && this.db.inTransaction) this.db.prepare('ROLLBACK').run();
    } catch {
      // Closed or broken: nothing is left open on it either way.
    }
    this.release();
  }
}
