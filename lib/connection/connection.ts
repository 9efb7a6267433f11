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
import { enteredScope, type SessionBinding } from './ambient-scope';
import { bindingsChanged } from './applications';
import { openOnFirstUse } from './lazy-open';
import type { LogPolicy } from './logging-options';
import { IN_TRANSACTION, ON_PRIMARY, observeStatement, observeStream, statementsTraced, type Placement, type StatementSource } from './query-diagnostics';
import type { Replica, ReplicaSet, StatementRole } from './replica-set';
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
  /** What the connection logs (statements, slow statements, transactions); undefined: nothing. */
  readonly logging: LogPolicy | undefined;
  readonly retryAttempts: number;
  readonly retryDelayMs: number;
  /** How long a transaction waits for a session before it fails naming who holds them. */
  readonly acquireTimeoutMs: number;
  /** The application's transaction engine, which runs `transaction()`. */
  readonly transactions: TransactionPort;
  /** Open on first use rather than at startup (`lazyConnect`). */
  readonly lazyConnect?: boolean;
  /** Read replicas (`replicas`), where configured. */
  readonly replicas?: ReplicaSet;
}

/** How a statement reaches its server, on the observed path (see Connection.dispatch). */
type Via = 'query' | 'execute' | 'queryNow' | 'executeNow';

/**
 * One named database. Every statement, from a model or from `query()`, comes through here and
 * goes to the transaction this connection has open in the caller's context, or else to the
 * backend's pool. Injected with `@InjectConnection(name)`. It only routes: transactions are the
 * engine's business (installed as `settings.transactions` by the application's registry).
 */
let connectionSequence = 0;

export class Connection implements StatementSource {
  /**
   * @internal A process-wide order of connections: the transaction engine takes the sessions a
   * unit needs in this order, so two units never each hold what the other waits for.
   */
  readonly order = ++connectionSequence;
  /**
   * @internal A transaction every statement outside one runs in (a test's transaction, see
   * TransactionManager.pin): consulted only where the scope names none, so it costs nothing else.
   */
  pinned: SessionBinding | undefined = undefined;
  private state: 'new' | 'lazy' | 'open' | 'closed' = 'new';
  /** Nothing to log and no replica to choose: statements take the short path unless a tracer listens. */
  private readonly plain: boolean;
  private opening?: Promise<void>;
  private restoreEntryPoints?: () => void;
  private readonly openListeners: Array<() => void> = [];

  constructor(
    /** The name the application gave this connection. */
    readonly name: string,
    readonly backend: StorageBackend,
    private readonly settings: ConnectionSettings,
  ) {
    const log = settings.logging;
    this.plain = settings.replicas === undefined && log?.query === undefined && log?.slow === undefined;
  }

  get dialect(): Dialect {
    return this.backend.dialect;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** @internal Waiting for its first use to open (`lazyConnect`). */
  get isLazy(): boolean {
    return this.state === 'lazy';
  }

  /** @internal The dialect's name, for diagnostics messages. */
  get backendName(): string {
    return this.backend.dialect.name;
  }

  /** @internal What this connection logs (undefined: nothing). */
  get logPolicy(): LogPolicy | undefined {
    return this.settings.logging;
  }

  /** @internal The read replicas, where configured. */
  get replicas(): ReplicaSet | undefined {
    return this.settings.replicas;
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

  /**
   * Run SQL that returns rows, as plain objects. Values bind to `?`/`$1`-style placeholders.
   * Outside a transaction it runs on the primary, also where the connection has read replicas
   * (raw SQL may write), except under `connectedTo({ role: 'reading' })`.
   */
  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      const query = this.rawQuery(sql, params);
      if (this.plain) return this.runQuery(query) as Promise<R[]>;
      return Promise.resolve(this.dispatch('query', query, undefined, 'raw') as Row[] | Promise<Row[]>) as Promise<R[]>;
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

  /**
   * Connect, retrying as configured; with `lazyConnect`, only arrange for the first use to
   * connect. Called by the registry; safe to call once.
   */
  async open(): Promise<void> {
    if (this.state !== 'new') return;
    if (this.settings.lazyConnect) {
      this.state = 'lazy';
      this.restoreEntryPoints = openOnFirstUse(this.backend, () => this.openOnUse());
      return;
    }
    const { retryAttempts, retryDelayMs, logger } = this.settings;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.backend.open();
        this.state = 'open';
        await this.settings.replicas?.open();
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

  /** @internal Run `listener` once a lazy connection has opened (at once when open already). */
  whenOpened(listener: () => void): void {
    if (this.state === 'open') listener();
    else this.openListeners.push(listener);
  }

  /** Close the pool or file. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.settings.replicas?.close();
    await this.opening?.catch(() => undefined);
    await this.backend.close();
  }

  /**
   * A lazy connection's first use: one attempt, shared by everyone who arrives while it runs.
   * Failing leaves the connection lazy, so the next use tries again; the error names the
   * connection and says so.
   */
  private openOnUse(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.closedError());
    this.opening ??= this.backend.open().then(
      () => {
        this.opening = undefined;
        if (this.state === 'closed') {
          void this.backend.close();
          throw this.closedError();
        }
        this.state = 'open';
        this.restoreEntryPoints?.();
        // A server-dependent dialect (MySQL/MariaDB) has just learned its server: recompile what models cached.
        bindingsChanged();
        for (const listener of this.openListeners.splice(0)) listener();
      },
      (error: unknown) => {
        this.opening = undefined;
        const reason = error instanceof Error ? error.message : String(error);
        throw new ConnectionError(`Connection '${this.name}' (lazyConnect) could not open on first use: ${reason}; the next statement tries again`, {
          connection: this.name,
          cause: error,
        });
      },
    );
    return this.opening;
  }

  private closedError(): ConnectionError {
    return new ConnectionError(`Connection '${this.name}' is closed`, { connection: this.name });
  }

  /** @internal Run a compiled query on the ambient transaction or the pool. */
  runQuery(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    if (!this.plain || statementsTraced()) return Promise.resolve(this.dispatch('query', query, options, options?.read ? 'read' : 'write') as Promise<Row[]>);
    const session = this.ambientSession();
    return session ? session.query(query, options) : this.backend.query(query, options);
  }

  /** @internal */
  runExecute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    if (!this.plain || statementsTraced()) return Promise.resolve(this.dispatch('execute', query, options, 'write') as Promise<ExecuteResult>);
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
    if (!this.plain || statementsTraced()) return this.dispatch('queryNow', query, options, options?.read ? 'read' : 'write') as Row[] | Promise<Row[]>;
    const session = this.ambientSession();
    if (session !== undefined) {
      return (session.queryNow !== undefined ? session.queryNow(query, options) : undefined) ?? session.query(query, options);
    }
    const backend = this.backend;
    return (backend.queryNow !== undefined ? backend.queryNow(query, options) : undefined) ?? backend.query(query, options);
  }

  /** @internal `runExecute` run synchronously where it can be, as `runQueryNow`. */
  runExecuteNow(query: CompiledQuery, options?: RunOptions): ExecuteResult | Promise<ExecuteResult> {
    if (!this.plain || statementsTraced()) return this.dispatch('executeNow', query, options, 'write') as ExecuteResult | Promise<ExecuteResult>;
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
    if (!this.plain || statementsTraced()) return this.dispatch('executeNow', query, options, 'write', session) as ExecuteResult | Promise<ExecuteResult>;
    return (session.executeNow !== undefined ? session.executeNow(query, options) : undefined) ?? session.execute(query, options);
  }

  /** @internal */
  runStream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    const session = this.ambientSession();
    if (this.plain && !statementsTraced()) return session ? session.stream(query, options) : this.backend.stream(query, options);
    if (session !== undefined) return this.observedStream(query, IN_TRANSACTION, session.stream(query, options));
    const replica = this.settings.replicas?.route(this, 'read', enteredScope(), query.sql);
    if (replica === undefined) return this.observedStream(query, ON_PRIMARY, this.backend.stream(query, options));
    return this.streamFromReplica(replica, query, options);
  }

  /**
   * @internal Run the ping statement on one read replica (the health indicator's check),
   * opening it if it is not open yet.
   */
  async pingReplica(index: number): Promise<void> {
    const replica = this.settings.replicas?.replicas[index];
    if (replica === undefined) throw new ConnectionError(`Connection '${this.name}' has no replica ${index}`, { connection: this.name });
    if (!replica.isOpen) await replica.open();
    await replica.backend.query({ sql: this.dialect.pingStatement, params: [] });
  }

  /**
   * The session of the transaction the running code has open on this connection, or undefined
   * (the pool). Throws when the transaction in scope ended badly: a `Promise.all` sibling still
   * running after its transaction rolled back must not write outside it.
   */
  private ambientSession(): DriverSession | undefined {
    const scope = enteredScope();
    if (scope !== undefined) {
      const binding = scope.binding(this);
      if (binding) return binding.statementSession(this);
    }
    const pinned = this.pinned;
    return pinned === undefined ? undefined : pinned.statementSession(this);
  }

  /**
   * The path of a statement that is observed (logged, traced) or routed (read replicas): where
   * it runs, then how. A `session` given is the library's own transaction (runOnSession).
   */
  private dispatch(via: Via, query: CompiledQuery, options: RunOptions | undefined, role: StatementRole, given?: DriverSession): unknown {
    const session = given ?? this.ambientSession();
    if (session !== undefined) return this.observed(query, IN_TRANSACTION, () => onSession(session, via, query, options));
    const replicas = this.settings.replicas;
    const replica = replicas?.route(this, role, enteredScope(), query.sql);
    if (replica === undefined) return this.observed(query, ON_PRIMARY, () => onBackend(this.backend, via, query, options));
    const read = this.observed(query, { server: 'replica', replica: replica.index, inTransaction: false }, () => onBackend(replica.backend, via, query, options));
    return Promise.resolve(read).then(
      (rows) => {
        replicas!.answered(replica);
        return rows;
      },
      (error: unknown) => {
        if (!replicas!.failed(replica, error)) throw error;
        return this.observed(query, ON_PRIMARY, () => onBackend(this.backend, via, query, options));
      },
    );
  }

  private observed<T extends Row[] | ExecuteResult>(query: CompiledQuery, where: Placement, run: () => T | Promise<T>): T | Promise<T> {
    const log = this.settings.logging;
    if (log?.query === undefined && log?.slow === undefined && !statementsTraced()) return run();
    return observeStatement(this, query, where, run);
  }

  private observedStream(query: CompiledQuery, where: Placement, rows: AsyncIterable<Row>): AsyncIterable<Row> {
    const log = this.settings.logging;
    if (log?.query === undefined && log?.slow === undefined && !statementsTraced()) return rows;
    return observeStream(this, query, where, rows);
  }

  /** A read stream from a replica; if the replica fails before the first row, the primary serves it. */
  private async *streamFromReplica(replica: Replica, query: CompiledQuery, options: StreamOptions): AsyncGenerator<Row> {
    const replicas = this.settings.replicas!;
    let received = false;
    try {
      for await (const row of this.observedStream(query, { server: 'replica', replica: replica.index, inTransaction: false }, replica.backend.stream(query, options))) {
        if (!received) {
          received = true;
          replicas.answered(replica);
        }
        yield row;
      }
      if (!received) replicas.answered(replica);
      return;
    } catch (error) {
      if (received || !replicas.failed(replica, error)) throw error;
    }
    yield* this.observedStream(query, ON_PRIMARY, this.backend.stream(query, options));
  }

  private rawQuery(sql: string, params: readonly unknown[]): CompiledQuery {
    const dialect = this.dialect;
    return { sql, params: params.map((value) => dialect.toDriverValue(undefined, value)) };
  }

  private openFailure(error: unknown, attempts: number): Error {
    if (!(error instanceof ConnectionError)) return error as Error;
    const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new ConnectionError(`${error.message}${tried}`, { connection: this.name, cause: error.cause ?? error });
  }
}

function onSession(session: DriverSession, via: Via, query: CompiledQuery, options: RunOptions | undefined): Row[] | ExecuteResult | Promise<Row[] | ExecuteResult> {
  switch (via) {
    case 'query':
      return session.query(query, options);
    case 'execute':
      return session.execute(query, options);
    case 'queryNow':
      return (session.queryNow !== undefined ? session.queryNow(query, options) : undefined) ?? session.query(query, options);
    case 'executeNow':
      return (session.executeNow !== undefined ? session.executeNow(query, options) : undefined) ?? session.execute(query, options);
  }
}

function onBackend(backend: StorageBackend, via: Via, query: CompiledQuery, options: RunOptions | undefined): Row[] | ExecuteResult | Promise<Row[] | ExecuteResult> {
  switch (via) {
    case 'query':
      return backend.query(query, options);
    case 'execute':
      return backend.execute(query, options);
    case 'queryNow':
      return (backend.queryNow !== undefined ? backend.queryNow(query, options) : undefined) ?? backend.query(query, options);
    case 'executeNow':
      return (backend.executeNow !== undefined ? backend.executeNow(query, options) : undefined) ?? backend.execute(query, options);
  }
}
