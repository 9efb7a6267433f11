import type * as Pg from 'pg';
import type { QueryResult } from 'pg';
import { ActiveRecordError, ConfigurationError, ConnectionError } from '../../errors';
import { loadDriver } from '../driver-loader';
import type { CompiledQuery } from '../../query/nodes';
import {
  StorageBackend,
  type BackendCapabilities,
  type DriverSession,
  type ExecuteResult,
  type Row,
  type RunOptions,
} from '../storage-backend';
import { PostgresDialect } from './dialect';
import { translatePostgresError } from './errors';
import { POSTGRES_OPTION_KEYS, POSTGRES_REPLICA_FIELDS, type PostgresConnectionOptions } from './options';
import { buildPoolConfig, describeAddress, POOL_DEFAULTS, serverAddress } from './pool-config';
import { PostgresSession, runOnClient, toExecuteResult, toRows, type SessionHooks } from './session';
import { PostgresTwoPhase } from './two-phase';
import type { TwoPhaseParticipant } from '../two-phase';
import { libraryTypeParsers } from './type-parsers';
import { validatePostgresOptions } from './validate-options';

/**
 * PostgreSQL through `pg` and its pool. Statements outside a transaction take a pooled client
 * for one statement; a transaction or a stream holds one client until it ends.
 */
export class PostgresBackend extends StorageBackend<PostgresConnectionOptions> {
  readonly dialect = new PostgresDialect();
  readonly capabilities: BackendCapabilities = {
    twoPhaseCommit: true,
    savepoints: true,
    concurrentSessions: true,
    maxSessions: this.options.pool?.max ?? 10,
  };
  /** PREPARE TRANSACTION / COMMIT PREPARED / pg_prepared_xacts, for the coordinator. */
  override readonly twoPhase: TwoPhaseParticipant = new PostgresTwoPhase(this);

  private pool?: Pg.Pool;
  private driver?: typeof Pg;
  private poolConfig?: Pg.PoolConfig;
  private target?: string;
  /**
   * Bumped whenever a connection is found dead. A server restart or `pg_terminate_backend`
   * usually kills the idle pooled connections too, but their notice can arrive after the next
   * checkout: so every connection opened before the loss is replaced at its next checkout
   * instead of being trusted. Cheap (it only happens after a failure) and it never re-runs a
   * statement, which could not be done safely.
   */
  private generation = 0;
  private readonly openedIn = new WeakMap<Pg.ClientBase, number>();

  /** Every option key this backend reads (besides the common ones); others are refused. */
  static readonly optionKeys = POSTGRES_OPTION_KEYS;

  static validateOptions(options: Record<string, unknown>, path: string): void {
    validatePostgresOptions(options, path);
  }

  /** A read replica is another PostgreSQL server: its own address, credentials, TLS and pool. */
  static readonly replicaFields: readonly string[] = POSTGRES_REPLICA_FIELDS;

  describeTarget(): string {
    if (this.target === undefined) {
      try {
        this.target = describeAddress(serverAddress(this.options));
      } catch {
        this.target = 'PostgreSQL (invalid url)';
      }
    }
    return this.target;
  }

  /**
   * Build the pool and prove the server answers: open `pool.min` connections (at least one),
   * check the configured schema exists, and give them back. A failure closes the pool again,
   * so the connection's retry loop can call this again from scratch.
   */
  async open(): Promise<void> {
    const name = this.context.connectionName;
    const pg = loadDriver<typeof Pg>('pg', 'postgres', name);
    let pool: Pg.Pool;
    try {
      this.poolConfig = buildPoolConfig(this.options, libraryTypeParsers(pg.types));
      pool = new pg.Pool(this.poolConfig);
    } catch (error) {
      // Options passed validation; what remains is, e.g., a URL handed to the backend directly.
      throw new ConfigurationError(`Connection '${name}': invalid PostgreSQL options (${(error as Error).message})`, {
        connection: name,
      });
    }
    pool.on('connect', (client) => this.openedIn.set(client, this.generation));
    // An idle pooled client whose server went away emits 'error'; without a listener Node would
    // crash the process. pg-pool already drops that client; the next checkout opens a new one.
    pool.on('error', (error) => {
      this.generation++;
      this.context.logger.warn(
        `Connection '${name}': an idle connection to ${this.describeTarget()} was closed (${error.message}); ` +
          `the pool will open a new one when needed`,
      );
    });
    const clients: Pg.PoolClient[] = [];
    try {
      const count = Math.max(1, this.options.pool?.min ?? POOL_DEFAULTS.min);
      clients.push(...(await Promise.all(Array.from({ length: count }, () => pool.connect()))));
      const { rows } = await clients[0]!.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const schema = serverAddress(this.options).schema;
      if (schema !== undefined && rows[0]?.schema !== schema) {
        throw new ConfigurationError(
          `Connection '${name}': schema ${JSON.stringify(schema)} does not exist in ${this.describeTarget()}; ` +
            `create it (CREATE SCHEMA) or fix the 'schema' option`,
          { connection: name, field: 'schema' },
        );
      }
      for (const client of clients.splice(0)) client.release();
      this.driver = pg;
    } catch (error) {
      for (const client of clients) client.release(true);
      await pool.end().catch(() => undefined);
      if (error instanceof ActiveRecordError) throw error;
      throw new ConnectionError(
        `Cannot connect to PostgreSQL at ${this.describeTarget()} for connection '${name}': ${reasonOf(error)}`,
        { connection: name, cause: error },
      );
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool && !pool.ending) await pool.end();
  }

  async acquire(): Promise<DriverSession> {
    const pool = this.pool;
    if (!pool) throw this.closedError();
    let client: Pg.PoolClient;
    for (;;) {
      try {
        client = await pool.connect();
      } catch (error) {
        throw this.acquireFailure(pool, error);
      }
      if ((this.openedIn.get(client) ?? this.generation) >= this.generation) break;
      client.release(true); // opened before a connection was lost: replace it
    }
    return new PostgresSession(client, this.sessionHooks);
  }

  private readonly sessionHooks: SessionHooks = {
    translate: (error, sql) => this.translateError(error, sql),
    onIdleError: (error) =>
      this.context.logger.warn(
        `Connection '${this.context.connectionName}': a connection in use lost its server between statements ` +
          `(${error.message}); it will be discarded`,
      ),
    onConnectionLost: () => void this.generation++,
    namedStatements: this.options.preparedStatements !== false,
  };

  /**
   * One statement outside a transaction: the shortest path from the pool and back, with pg's
   * callback API, so that the only promise made is the answer. Same rules as a session: a client
   * opened before a connection was lost is replaced, a broken one or one left inside a
   * transaction (raw `BEGIN`) is discarded rather than pooled.
   */
  override query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.runPooled(query, options, toRows);
  }

  override execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    return this.runPooled(query, options, toExecuteResult);
  }

  private runPooled<T>(query: CompiledQuery, options: RunOptions | undefined, map: (result: QueryResult) => T): Promise<T> {
    const pool = this.pool;
    if (!pool) return Promise.reject(this.closedError());
    return new Promise<T>((resolve, reject) => this.checkout(pool, query, options, map, resolve, reject));
  }

  private checkout<T>(
    pool: Pg.Pool,
    query: CompiledQuery,
    options: RunOptions | undefined,
    map: (result: QueryResult) => T,
    resolve: (value: T) => void,
    reject: (error: unknown) => void,
  ): void {
    pool.connect((connectError: Error | undefined, client: Pg.PoolClient | undefined, release: (destroy?: boolean) => void) => {
      if (connectError || !client) {
        reject(this.acquireFailure(pool, connectError));
        return;
      }
      if ((this.openedIn.get(client) ?? this.generation) < this.generation) {
        release(true); // opened before a connection was lost: replace it
        this.checkout(pool, query, options, map, resolve, reject);
        return;
      }
      client.on('error', this.onPooledClientError);
      runOnClient(client, query, options, this.sessionHooks.namedStatements, (error, result) => {
        client.removeListener('error', this.onPooledClientError);
        const broken = this.brokenClients.has(client);
        if (error !== undefined) {
          const translated = this.translateError(error, query.sql);
          const lost = broken || translated instanceof ConnectionError;
          if (lost && !broken) this.generation++;
          release(lost || !idle(client) ? true : undefined);
          reject(translated);
          return;
        }
        // A raw BEGIN leaves the client inside a transaction: never hand that to the next user.
        release(broken || !idle(client) ? true : undefined);
        let value: T;
        try {
          value = map(result!);
        } catch (mapError) {
          reject(mapError);
          return;
        }
        resolve(value);
      });
    });
  }

  /**
   * While a pooled client runs one statement, pg-pool listens for nothing on it, and an 'error'
   * event (the server closing the socket) would crash the process: note the client as broken.
   */
  private readonly brokenClients = new WeakSet<object>();
  private readonly onPooledClientError = ((backend: PostgresBackend) =>
    function onPooledClientError(this: Pg.PoolClient, error: Error) {
      if (backend.brokenClients.has(this)) return;
      backend.brokenClients.add(this);
      backend.generation++;
      backend.sessionHooks.onIdleError(error);
    })(this);

  private closedError(): ConnectionError {
    return new ConnectionError(
      `Connection '${this.context.connectionName}' is closed (or was never opened); ` +
        `queries need an open ActiveRecordModule or ConnectionRegistry`,
      { connection: this.context.connectionName },
    );
  }

  /**
   * Interrupt the statement running on a session (a transaction ran past its timeout): the
   * statement fails with "canceling statement due to user request" and the rollback that follows
   * runs at once instead of after it. Sent as `pg_cancel_backend` from a short-lived connection of
   * its own, so a full pool cannot delay it. The session is discarded afterwards (see retire()).
   */
  override async cancel(session: DriverSession): Promise<void> {
    if (!(session instanceof PostgresSession)) return;
    session.retire();
    const pid = session.processId;
    if (pid === undefined || !this.driver || !this.poolConfig) return;
    const { max: _max, min: _min, idleTimeoutMillis: _idle, ...clientConfig } = this.poolConfig;
    const client = new this.driver.Client(clientConfig);
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch (error) {
      this.context.logger.warn(
        `Connection '${this.context.connectionName}': could not cancel a statement on ${this.describeTarget()} ` +
          `(${reasonOf(error)}); the rollback waits for it to finish`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  translateError(error: unknown, sql?: string): Error {
    return translatePostgresError(error, { connection: this.context.connectionName, target: this.describeTarget() }, sql);
  }

  /** No client within acquireTimeoutMs: say whether the pool was full or the server slow to answer. */
  private acquireFailure(pool: Pg.Pool, error: unknown): Error {
    const name = this.context.connectionName;
    const message = reasonOf(error);
    if (/timeout exceeded when trying to connect/.test(message)) {
      const max = this.options.pool?.max ?? POOL_DEFAULTS.max;
      const waited = this.options.pool?.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs;
      if (pool.totalCount >= max) {
        return new ConnectionError(
          `Connection '${name}': no pooled connection to ${this.describeTarget()} became free within ${waited} ms ` +
            `(all pool.max = ${max} in use). Raise pool.max or pool.acquireTimeoutMs, or look for transactions ` +
            `and streams that stay open too long`,
          { connection: name, cause: error },
        );
      }
      return new ConnectionError(
        `Connection '${name}': PostgreSQL at ${this.describeTarget()} did not accept a new connection within ${waited} ms`,
        { connection: name, cause: error },
      );
    }
    return new ConnectionError(`Cannot connect to PostgreSQL at ${this.describeTarget()} for connection '${name}': ${message}`, {
      connection: name,
      cause: error,
    });
  }
}

/** Outside any transaction (null: no statement has completed yet to say). */
function idle(client: Pg.PoolClient): boolean {
  const status = client.getTransactionStatus();
  return status === 'I' || status === null;
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // Node reports every address of a dual-stack host; the first says enough.
    return reasonOf(error.errors[0]);
  }
  return error instanceof Error ? error.message || String((error as { code?: unknown }).code ?? error.name) : String(error);
}
