import type { Dialect } from '../backend/dialect';
import type {
  BackendLogger,
  DriverSession,
  ExecuteResult,
  Row,
  RunOptions,
  StorageBackend,
  StreamOptions,
} from '../backend/storage-backend';
import { ConnectionError } from '../errors';
import type { CompiledQuery } from '../query/nodes';
import { enteredScope } from './ambient-scope';
import type { ConnectionTransactionOptions, TransactionOutcome, TransactionStatus } from './transaction-options';

/** The public face of an open transaction (or of a NESTED savepoint level inside one). */
export interface Transaction {
  /** The connection this handle was opened for (for a unit over several, the first one named). */
  readonly connection: Connection;
  /** Every connection the transaction spans (one, or a cross-database unit's participants). */
  readonly connections: readonly Connection[];
  readonly status: TransactionStatus;
  /** Run after the transaction commits (not after a savepoint is released). */
  onCommit(hook: () => unknown): void;
  /** Run after the transaction (or this NESTED savepoint) rolls back. */
  onRollback(hook: () => unknown): void;
  /** Run after either outcome, with the outcome. */
  onComplete(hook: (outcome: TransactionOutcome) => unknown): void;
  /** Create a savepoint (on every connection of the transaction) and return its name. */
  savepoint(name?: string): Promise<string>;
  /** Forget a savepoint (and those made after it), keeping their writes. */
  releaseSavepoint(name: string): Promise<void>;
  /** Undo every write made after the savepoint; the savepoint itself stays, newer ones go. */
  rollbackTo(name: string): Promise<void>;
}

/**
 * What a Connection needs from its application's transaction engine: it runs `transaction()`
 * there, and knows nothing else of how transactions begin, nest, coordinate or end.
 */
export interface TransactionPort {
  run<T>(connection: Connection, work: (transaction: Transaction) => Promise<T>, options?: ConnectionTransactionOptions): Promise<T>;
}

export interface ConnectionSettings {
  readonly logger: BackendLogger;
  /** Log SQL (never values) at debug level. */
  readonly logging: boolean;
  readonly retryAttempts: number;
  readonly retryDelayMs: number;
  /** How long a transaction waits for a session before it fails naming who holds them. */
  readonly acquireTimeoutMs: number;
  /** The application's transaction engine, which runs `transaction()`. */
  readonly transactions: TransactionPort;
}

/**
 * One named database. Every statement, from a model or from `query()`, comes through here and
 * goes to the transaction this connection has open in the caller's context, or else to the
 * backend's pool. Injected with `@InjectConnection(name)`. It only routes: transactions are the
 * engine's business (installed as `settings.transactions` by the application's registry).
 */
let connectionSequence = 0;

export class Connection {
  /**
   * @internal A process-wide order of connections: the transaction engine takes the sessions a
   * unit needs in this order, so two units never each hold what the other waits for.
   */
  readonly order = ++connectionSequence;
  private state: 'new' | 'open' | 'closed' = 'new';

  constructor(
    /** The name the application gave this connection. */
    readonly name: string,
    readonly backend: StorageBackend,
    private readonly settings: ConnectionSettings,
  ) {}

  get dialect(): Dialect {
    return this.backend.dialect;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** @internal How many sessions this connection can hand out at once (SQLite: one). */
  get sessionCapacity(): number {
    const capabilities = this.backend.capabilities;
    return capabilities.concurrentSessions ? capabilities.maxSessions ?? Number.POSITIVE_INFINITY : 1;
  }

  /** @internal How long a transaction waits for a session of this connection. */
  get acquireTimeoutMs(): number {
    return this.settings.acquireTimeoutMs;
  }

  /** @internal The engine this connection's application runs transactions with. */
  get transactions(): TransactionPort {
    return this.settings.transactions;
  }

  /** @internal Where this connection's warnings go. */
  get logger(): BackendLogger {
    return this.settings.logger;
  }

  /** Run SQL that returns rows, as plain objects. Values bind to `?`/`$1`-style placeholders. */
  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return this.runQuery(this.rawQuery(sql, params)) as Promise<R[]>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Run SQL that changes rows; resolves with the affected row count and generated id. */
  execute(sql: string, params: readonly unknown[] = []): Promise<ExecuteResult> {
    try {
      return this.runExecute(this.rawQuery(sql, params));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Run `work` in a transaction on this connection, committed when it resolves and rolled back
   * when it throws. Every model and `query()` call inside (however deep, through any await) uses
   * it without being passed a handle. Inside an open transaction this joins it (propagation
   * REQUIRED); `options` choose another propagation, isolation, timeout, retries and rollback rules.
   */
  transaction<T>(work: (transaction: Transaction) => Promise<T>, options?: ConnectionTransactionOptions): Promise<T> {
    return this.settings.transactions.run(this, work, options);
  }

  /** Connect, retrying as configured. Called by the registry; safe to call once. */
  async open(): Promise<void> {
    if (this.state !== 'new') return;
    const { retryAttempts, retryDelayMs, logger } = this.settings;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.backend.open();
        this.state = 'open';
        return;
      } catch (error) {
        if (attempt >= retryAttempts) throw this.openFailure(error, attempt + 1);
        logger.warn(
          `Connection '${this.name}': cannot reach ${this.backend.describeTarget()} ` +
            `(attempt ${attempt + 1} of ${retryAttempts + 1}); retrying in ${retryDelayMs} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      }
    }
  }

  /** Close the pool or file. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.backend.close();
  }

  /** @internal Run a compiled query on the ambient transaction or the pool. */
  runQuery(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    if (this.settings.logging) this.log(query);
    const session = this.ambientSession();
    return session ? session.query(query, options) : this.backend.query(query, options);
  }

  /** @internal */
  runExecute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    if (this.settings.logging) this.log(query);
    const session = this.ambientSession();
    return session ? session.execute(query, options) : this.backend.execute(query, options);
  }

  /**
   * @internal The model layer's path: like `runQuery`, but where the backend (or the
   * transaction's session) can run the statement synchronously it does, and the rows come back
   * without a promise. Returns the rows, or a promise of them; may throw (callers turn that into
   * a rejection).
   */
  runQueryNow(query: CompiledQuery, options?: RunOptions): Row[] | Promise<Row[]> {
    if (this.settings.logging) this.log(query);
    const session = this.ambientSession();
    if (session !== undefined) {
      return (session.queryNow !== undefined ? session.queryNow(query, options) : undefined) ?? session.query(query, options);
    }
    const backend = this.backend;
    return (backend.queryNow !== undefined ? backend.queryNow(query, options) : undefined) ?? backend.query(query, options);
  }

  /** @internal `runExecute` run synchronously where it can be, as `runQueryNow`. */
  runExecuteNow(query: CompiledQuery, options?: RunOptions): ExecuteResult | Promise<ExecuteResult> {
    if (this.settings.logging) this.log(query);
    const session = this.ambientSession();
    if (session !== undefined) {
      return (session.executeNow !== undefined ? session.executeNow(query, options) : undefined) ?? session.execute(query, options);
    }
    const backend = this.backend;
    return (backend.executeNow !== undefined ? backend.executeNow(query, options) : undefined) ?? backend.execute(query, options);
  }

  /**
   * @internal Run a statement on a session held by library code (a transaction of its own that
   * no user code runs in), synchronously where the session can.
   */
  runOnSession(session: DriverSession, query: CompiledQuery, options?: RunOptions): ExecuteResult | Promise<ExecuteResult> {
    if (this.settings.logging) this.log(query);
    return (session.executeNow !== undefined ? session.executeNow(query, options) : undefined) ?? session.execute(query, options);
  }

  /** @internal */
  runStream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    if (this.settings.logging) this.log(query);
    const session = this.ambientSession();
    return session ? session.stream(query, options) : this.backend.stream(query, options);
  }

  /**
   * The session of the transaction the running code has open on this connection, or undefined
   * (the pool). Throws when the transaction in scope ended badly: a `Promise.all` sibling still
   * running after its transaction rolled back must not write outside it.
   */
  private ambientSession(): DriverSession | undefined {
    const scope = enteredScope();
    if (scope === undefined) return undefined;
    const binding = scope.binding(this);
    return binding ? binding.statementSession(this) : undefined;
  }

  private rawQuery(sql: string, params: readonly unknown[]): CompiledQuery {
    const dialect = this.dialect;
    return { sql, params: params.map((value) => dialect.toDriverValue(undefined, value)) };
  }

  private log(query: CompiledQuery): void {
    const { logger } = this.settings;
    (logger.debug ?? logger.log).call(logger, `[${this.name}] ${query.sql}`);
  }

  private openFailure(error: unknown, attempts: number): Error {
    if (!(error instanceof ConnectionError)) return error as Error;
    const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new ConnectionError(`${error.message}${tried}`, { connection: this.name, cause: error.cause ?? error });
  }
}
