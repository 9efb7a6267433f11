import { constructBackend, type BackendLogger } from '../backend/storage-backend';
import { activateApplication, bindingsChanged, deactivateApplication, runInApplication, type Application } from '../connection/applications';
import { currentScope, runInScope } from '../connection/ambient-scope';
import { validateOptions, type ValidatedConnection } from '../connection/config-validation';
import { Connection } from '../connection/connection';
import { consoleLogger } from '../connection/console-logger';
import { coordinatorLevel, resolveLogPolicy, sinkAt, type LoggingOption } from '../connection/logging-options';
import { createReplicaSet } from '../connection/replica-options';
import { RequestWrites } from '../connection/replica-set';
import { resolveCoordinatorOptions, type CoordinatorOptions } from '../distributed/coordinator-options';
import { inOperatorSession } from '../distributed/operator-session';
import { TransactionCoordinator } from '../distributed/transaction-coordinator';
import { ConfigurationError } from '../errors';
import { associationsOf } from '../model/associations/resolve';
import { attachEncryption } from '../model/encryption/keyrings';
import { modelMetadata, type AnyModelClass } from '../model/metadata';
import { SchemaManager } from '../schema/schema-manager';
import { TransactionManager } from '../transaction/transaction-manager';
import type { ActiveRecordOptions } from './registry-options';

let applicationSequence = 0;

/**
 * The composition root of one application (or one plain script): its connections and which
 * connection each model lives on, its transaction engine, its cross-database coordinator and its
 * schema manager. The only place that knows them all. ActiveRecordModule makes one per Nest
 * application; outside Nest, `await ConnectionRegistry.open({ connections, models })` does the same.
 */
export class ConnectionRegistry implements Application {
  readonly schema: SchemaManager;
  /** The application's transaction engine: every transaction of its connections runs there. */
  readonly transactions: TransactionManager;
  private readonly sequence = ++applicationSequence;
  private readonly connections = new Map<string, Connection>();
  private readonly bindings = new Map<AnyModelClass, string>();
  private readonly synchronized = new Set<string>();
  private defaultName?: string;
  private explicitDefault = false;
  private closed = false;
  private coordinatorOptions?: CoordinatorOptions;
  /** Some connection has read replicas: requests then track their writes (runRequest). */
  private replicated = false;
  /** The application-wide `logging` (the first forRoot that gives one): the coordinator's level comes from it. */
  private loggingOption?: LoggingOption;
  private transactionCoordinator?: TransactionCoordinator;

  constructor(private logger: BackendLogger = consoleLogger) {
    this.schema = new SchemaManager(this);
    this.transactions = new TransactionManager({
      twoPhaseStrategy: () => this.coordinator.twoPhaseStrategy(),
      sagaStrategy: () => this.coordinator.sagaStrategy(),
    });
    activateApplication(this);
  }

  /**
   * Run `work` as code of this application: static model calls (`User.find(1)`) and
   * transactions inside resolve here even when other applications are open in the process.
   * Nest does this for you (request handlers, lifecycle hooks, @Transactional provider methods);
   * use it in scripts, workers and tests that open several registries.
   */
  run<T>(work: () => T): T {
    return runInApplication(this, work);
  }

  /**
   * Run `work` as one request of this application (Nest's interceptor does it for every
   * request): as `run`, and where a connection has read replicas, reads after the request's own
   * writes go to the primary for `readYourWritesMs` (read-your-writes). Use it in workers that
   * handle jobs one by one.
   */
  runRequest<T>(work: () => T): T {
    if (!this.replicated) return this.run(work);
    const scope = currentScope().withApplication(this);
    return runInScope(scope.withRouting({ role: scope.routing?.role, request: new RequestWrites() }), work);
  }

  /** `application #2 (connections: main, billing)`, for messages. */
  get label(): string {
    return `application #${this.sequence} (connections: ${this.connectionNames().join(', ') || 'none'})`;
  }

  /** Open a set of connections outside Nest: validate, connect, bind models, synchronize. */
  static async open(options: ActiveRecordOptions): Promise<ConnectionRegistry> {
    const registry = new ConnectionRegistry(options.logger);
    try {
      await registry.addConnections(options);
      await registry.synchronize();
      await registry.startCoordinator();
      return registry;
    } catch (error) {
      await registry.close();
      throw error;
    }
  }

  /**
   * Validate and open a set of connections, all or none: if one cannot open, the others of the
   * set are closed again before the error is raised.
   */
  async addConnections(options: ActiveRecordOptions, source?: string): Promise<string[]> {
    this.assertOpen();
    const validated = validateOptions(options, source);
    for (const entry of validated) {
      if (this.connections.has(entry.name)) {
        throw new ConfigurationError(
          `Connection '${entry.name}' is defined twice in this application (by two ActiveRecordModule.forRoot/forRootAsync ` +
            `calls); every connection needs its own name`,
          { connection: entry.name, field: entry.path },
        );
      }
    }
    this.adoptDefault(options.defaultConnection, validated[0]!.name);
    this.adoptCoordinatorOptions(options.coordinator);
    if (options.logging !== undefined) this.loggingOption ??= options.logging;
    // A logger given in the options speaks for the whole application (the registry's and the
    // coordinator's messages too), not only for its connections: Nest's Logger is the default.
    if (options.logger !== undefined && !this.transactionCoordinator) this.logger = options.logger;
    this.schema.configure(options, validated.map((entry) => entry.name), options.logger ?? this.logger);
    const created = validated.map((entry) => this.createConnection(entry, options));
    for (const connection of created) attachEncryption(connection, options.encryption);
    for (const connection of created) this.connections.set(connection.name, connection);
    this.replicated ||= created.some((connection) => connection.replicas !== undefined);
    bindingsChanged();

    const results = await Promise.allSettled(created.map((connection) => connection.open()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      for (const connection of created) this.connections.delete(connection.name);
      bindingsChanged();
      await Promise.allSettled(created.map((connection) => connection.close()));
      throw failure.reason;
    }
    if (options.models) this.registerModels(options.models);
    return created.map((connection) => connection.name);
  }

  /**
   * Bind models to connections and check that each connection exists. `connection` (from
   * forFeature) applies to models whose @Model names none; it may not contradict one that does.
   */
  registerModels(models: readonly AnyModelClass[], connection?: string): void {
    for (const model of models) {
      const metadata = modelMetadata(model);
      if (connection !== undefined && metadata.connection !== undefined && metadata.connection !== connection) {
        throw new ConfigurationError(
          `Model ${metadata.name} is declared on connection '${metadata.connection}' by @Model but registered for ` +
            `'${connection}'; remove one of the two or make them agree`,
          { model: metadata.name, connection },
        );
      }
      const name = connection ?? metadata.connection ?? this.defaultConnectionName;
      if (!this.connections.has(name)) {
        throw new ConfigurationError(
          `Model ${metadata.name} is bound to connection '${name}', which this application does not define ` +
            `(defined: ${this.connectionNames().join(', ') || 'none'})`,
          { model: metadata.name, connection: name },
        );
      }
      this.bindings.set(model, name);
    }
    // Associations are declared with lazy targets; resolving them now turns a wrong or ambiguous
    // declaration into a startup error naming both models, not a failure at the first query.
    for (const model of models) associationsOf(model);
    bindingsChanged();
  }

  /** The application's cross-database coordinator (created on first use). */
  get coordinator(): TransactionCoordinator {
    this.transactionCoordinator ??= new TransactionCoordinator(this, resolveCoordinatorOptions(this.coordinatorOptions), this.coordinatorLogger());
    return this.transactionCoordinator;
  }

  /**
   * At startup: with a coordinator configured, check that every connection able to prepare
   * really can (a clear error otherwise); then, unless `recoverOnStartup` is false, resolve what
   * a previous run left in doubt. Without explicit configuration, recovery problems are logged,
   * not fatal: an application that never commits across databases should not fail to start.
   */
  async startCoordinator(): Promise<void> {
    // The CLI looks at (and settles on request) what nodes left: it is not a node itself.
    if (inOperatorSession()) return;
    const coordinator = this.coordinator;
    const configured = this.coordinatorOptions !== undefined;
    if (configured) {
      await coordinator.checkParticipants();
      await coordinator.startLease();
    }
    if (!coordinator.options.recoverOnStartup) return;
    this.recoverWhenLazyConnectionsOpen();
    try {
      const report = await coordinator.recover();
      const resolved = report.committed.length + report.rolledBack.length + report.sagasCompensated.length;
      if (resolved > 0) {
        this.logger.log(
          `Recovery resolved ${report.committed.length} committed and ${report.rolledBack.length} rolled-back branch(es), ` +
            `and compensated ${report.sagasCompensated.length} saga(s)`,
        );
      }
      for (const entry of report.unreachable) {
        const message = `Recovery could not inspect connection '${entry.connection}': ${entry.reason}`;
        if (configured) this.logger.warn(message);
        else this.logger.debug?.(message);
      }
    } catch (error) {
      this.logger.error(`Recovery at startup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Recovery inspects open connections only: a lazy one has not been used yet, and may be down.
   * When it opens, recovery runs again (in the background) to settle what it holds in doubt.
   */
  private recoverWhenLazyConnectionsOpen(): void {
    for (const connection of this.connections.values()) {
      if (!connection.isLazy) continue;
      if (connection.backend.twoPhase) this.logger.log(`Recovery will inspect connection '${connection.name}' when it opens (lazyConnect)`);
      connection.whenOpened(() => {
        if (this.closed) return;
        this.coordinator.recover().then(
          (report) => {
            const resolved = report.committed.length + report.rolledBack.length + report.sagasCompensated.length;
            if (resolved > 0) this.logger.log(`Recovery after connection '${connection.name}' opened resolved ${resolved} branch(es) and saga(s)`);
          },
          (error: unknown) => this.logger.error(`Recovery after connection '${connection.name}' opened failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      });
    }
  }

  /** Apply pending migrations where `migrationsRun` is on, then create missing tables where `synchronize` is. */
  async synchronize(): Promise<void> {
    await this.schema.startup([...this.synchronized]);
  }

  get(name?: string): Connection {
    const key = name ?? this.defaultConnectionName;
    const connection = this.connections.get(key);
    if (!connection) {
      throw new ConfigurationError(
        `No connection named '${key}' in this application (defined: ${this.connectionNames().join(', ') || 'none'})`,
        { connection: key },
      );
    }
    return connection;
  }

  has(name: string): boolean {
    return this.connections.has(name);
  }

  get defaultConnectionName(): string {
    if (this.defaultName === undefined) {
      throw new ConfigurationError('No connection is defined yet, so there is no default connection');
    }
    return this.defaultName;
  }

  connectionNames(): string[] {
    return [...this.connections.keys()];
  }

  /** Models registered on a connection, in registration order. */
  modelsOn(name: string): AnyModelClass[] {
    return [...this.bindings].filter(([, bound]) => bound === name).map(([model]) => model);
  }

  connectionNamed(name: string | undefined): Connection | undefined {
    if (this.closed) return undefined;
    const key = name ?? this.defaultName;
    return key === undefined ? undefined : this.connections.get(key);
  }

  modelBinding(model: object, declared: string | undefined): { connection: Connection; explicit: boolean } | undefined {
    if (this.closed) return undefined;
    const bound = this.bindings.get(model as AnyModelClass);
    const name = bound ?? declared ?? this.defaultName;
    const connection = name === undefined ? undefined : this.connections.get(name);
    return connection ? { connection, explicit: bound !== undefined } : undefined;
  }

  /**
   * Begin a test's transaction on every connection (or those named): until
   * rollbackTestTransaction(), everything this application does runs inside it, and what it
   * would commit is rolled back with it. See docs/testing.md for how each propagation behaves.
   */
  async beginTestTransaction(options: { connections?: readonly string[] } = {}): Promise<void> {
    this.assertOpen();
    const names = options.connections ?? this.connectionNames();
    await this.transactions.pin(names.map((name) => this.get(name)));
  }

  /** Roll back the test's transaction begun by beginTestTransaction() (nothing when none is open). */
  async rollbackTestTransaction(): Promise<void> {
    await this.transactions.unpin();
  }

  /** Close every connection. Never throws: a connection that fails to close is logged. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.transactions.unpin().catch((error: unknown) => this.logger.error(`Rolling back the test transaction failed: ${String(error)}`));
    this.closed = true;
    await this.transactionCoordinator?.close();
    deactivateApplication(this);
    const connections = [...this.connections.values()];
    const results = await Promise.allSettled(connections.map((connection) => connection.close()));
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        this.logger.error(`Connection '${connections[index]!.name}' failed to close: ${String(result.reason)}`);
      }
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private adoptDefault(requested: string | undefined, first: string): void {
    if (requested === undefined) {
      this.defaultName ??= first;
      return;
    }
    if (this.explicitDefault && this.defaultName !== requested) {
      throw new ConfigurationError(
        `Two ActiveRecordModule.forRoot calls set different defaultConnection values ('${this.defaultName}' and '${requested}')`,
        { field: 'defaultConnection' },
      );
    }
    this.defaultName = requested;
    this.explicitDefault = true;
  }

  /** The application's logger, with the coordinator's events at the level `logging.coordinator` chooses. */
  private coordinatorLogger(): BackendLogger {
    const logger = this.logger;
    return {
      log: (message) => logger.log(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
      debug: sinkAt(logger, coordinatorLevel(this.loggingOption)),
    };
  }

  private adoptCoordinatorOptions(options: CoordinatorOptions | undefined): void {
    if (options === undefined) return;
    resolveCoordinatorOptions(options);
    if (this.coordinatorOptions !== undefined) {
      throw new ConfigurationError('Two ActiveRecordModule.forRoot calls both configure the coordinator; configure it once', { field: 'coordinator' });
    }
    if (this.transactionCoordinator !== undefined) {
      throw new ConfigurationError('The coordinator was already in use when its options arrived; pass `coordinator` with the first connections', { field: 'coordinator' });
    }
    this.coordinatorOptions = options;
  }

  private createConnection(entry: ValidatedConnection, options: ActiveRecordOptions): Connection {
    const connectionOptions = entry.options as unknown as Record<string, unknown> & {
      synchronize?: boolean;
      logging?: LoggingOption;
      lazyConnect?: boolean;
      migrationsRun?: boolean;
      retryAttempts?: number;
      retryDelayMs?: number;
      acquireTimeoutMs?: number;
      pool?: { acquireTimeoutMs?: number };
    };
    const logger = options.logger ?? this.logger;
    const synchronize = connectionOptions.synchronize ?? options.synchronize ?? false;
    if (connectionOptions.lazyConnect) {
      const startupWork = synchronize ? 'synchronize' : (connectionOptions.migrationsRun ?? options.migrationsRun) ? 'migrationsRun' : undefined;
      if (startupWork !== undefined) {
        throw new ConfigurationError(
          `Connection '${entry.name}' has lazyConnect and ${startupWork}: ${startupWork} needs the database at startup, lazyConnect ` +
            `lets the application start without it. Set ${startupWork}: false on '${entry.name}' (run migrations with the CLI), or drop lazyConnect`,
          { connection: entry.name, field: `${entry.path}.lazyConnect` },
        );
      }
    }
    const backend = constructBackend(entry.backendClass, entry.options, { connectionName: entry.name, logger });
    if (synchronize) this.synchronized.add(entry.name);
    const connection = new Connection(entry.name, backend, {
      logger,
      logging: resolveLogPolicy(connectionOptions.logging ?? options.logging, logger),
      lazyConnect: connectionOptions.lazyConnect ?? false,
      replicas: createReplicaSet(entry.name, connectionOptions, entry.backendClass, logger),
      retryAttempts: connectionOptions.retryAttempts ?? 0,
      retryDelayMs: connectionOptions.retryDelayMs ?? 1000,
      acquireTimeoutMs: connectionOptions.pool?.acquireTimeoutMs ?? connectionOptions.acquireTimeoutMs ?? 30_000,
      transactions: this.transactions,
    });
    this.transactions.adopt(connection);
    return connection;
  }

  private assertOpen(): void {
    if (this.closed) throw new ConfigurationError('This ConnectionRegistry is closed');
  }
}
