import { ConnectionError } from '../../errors';
import type { PoolOptions } from '../../connection/common-options';
import type { CompiledQuery } from '../../query/nodes';
import {
  StorageBackend,
  type BackendCapabilities,
  type BackendContext,
  type DriverSession,
  type ExecuteResult,
  type Row,
  type RunOptions,
  type StreamOptions,
} from '../storage-backend';
import { describeMysqlTarget, resolveMysqlConfig, type ResolvedMysqlConfig } from './connection-config';
import { MysqlDialect } from './dialect';
import { loadMysql2, type Mysql2Module, type RawConnection } from './driver';
import { translateMysqlError } from './errors';
import { MysqlLink } from './link';
import { MYSQL_OPTION_KEYS, MYSQL_REPLICA_FIELDS, type MysqlConnectionOptions } from './options';
import { ResourcePool, type PoolStats } from './pool';
import { featuresOf } from './server-info';
import { LazyStream } from './live-result';
import { MysqlSession, toExecuteResult, toRows, type SessionOwner } from './session';
import { MysqlTwoPhase } from './two-phase';
import type { TwoPhaseParticipant } from '../two-phase';

/**
 * Run on every new connection: datetimes in the configured offset, and strict mode, so that a
 * value that does not fit fails instead of being silently truncated or zeroed.
 */
const SESSION_SETUP =
  'SET time_zone = ?, sql_mode = IF(FIND_IN_SET(?, @@SESSION.sql_mode) > 0 OR FIND_IN_SET(?, @@SESSION.sql_mode) > 0, ' +
  "@@SESSION.sql_mode, CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), ?))";

/**
 * MySQL and MariaDB through mysql2 (both `backend: 'mysql'` and `backend: 'mariadb'`). Its own
 * pool of mysql2 connections (see pool.ts); each transaction holds one connection until it ends.
 * The server's version, asked at open, decides the SQL the dialect writes (RETURNING on MariaDB
 * 10.5+, the upsert row alias on MySQL 8.0.19+).
 */
export class MysqlBackend extends StorageBackend<MysqlConnectionOptions> implements SessionOwner {
  readonly dialect: MysqlDialect;
  readonly capabilities: BackendCapabilities = {
    twoPhaseCommit: true,
    savepoints: true,
    concurrentSessions: true,
    maxSessions: this.options.pool?.max ?? 10,
  };
  /** XA START / PREPARE / COMMIT and XA RECOVER, for the coordinator. */
  override readonly twoPhase: TwoPhaseParticipant = new MysqlTwoPhase(this);

  private readonly config: ResolvedMysqlConfig;
  private driver?: Mysql2Module;
  private pool?: ResourcePool<MysqlLink>;
  private closed = false;

  constructor(options: MysqlConnectionOptions, context: BackendContext) {
    super(options, context);
    this.config = resolveMysqlConfig(options, `connections.${context.connectionName}`);
    this.dialect = new MysqlDialect({
      flavour: options.backend === 'mariadb' ? 'mariadb' : 'mysql',
      timezone: this.config.timezone,
      charset: this.config.charset,
      collation: this.config.collation,
    });
  }

  /** Every option key this backend reads (besides the common ones); others are refused. */
  static readonly optionKeys = MYSQL_OPTION_KEYS;

  static validateOptions(options: Record<string, unknown>, path: string): void {
    resolveMysqlConfig(options as unknown as MysqlConnectionOptions, path);
  }

  /** A read replica is another MySQL/MariaDB server: its own address, credentials, TLS and pool. */
  static readonly replicaFields: readonly string[] = MYSQL_REPLICA_FIELDS;

  describeTarget(): string {
    return describeMysqlTarget(this.config);
  }

  async open(): Promise<void> {
    const name = this.context.connectionName;
    this.driver = loadMysql2(this.options.backend, name);
    const first = await this.connect();
    let version: string;
    try {
      const rows = (await first.run({ sql: 'SELECT VERSION() AS `version`', params: [] })) as Row[];
      version = String(rows[0]?.version ?? '');
    } catch (error) {
      first.destroy();
      throw this.translateError(error);
    }
    const features = featuresOf(version);
    this.dialect.useServer(features);
    if (features.flavour !== this.options.backend) {
      this.context.logger.log(
        `Connection '${name}' is configured as '${this.options.backend}' but the server is ${features.flavour} ${features.version}; ` +
          `using ${features.flavour}'s SQL`,
      );
    }
    this.pool = this.createPool(this.options.pool ?? {});
    this.pool.adopt(first);
    this.pool.fillToMin();
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  /** One statement outside a transaction: the shortest path from the pool and back. */
  override query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.runPooled(query, options?.rowMode === 'array', toRows);
  }

  override execute(query: CompiledQuery): Promise<ExecuteResult> {
    return this.runPooled(query, false, toExecuteResult);
  }

  async acquire(): Promise<DriverSession> {
    return new MysqlSession(await this.acquireLink(), this);
  }

  /**
   * Outside a transaction, a stream has a pooled connection to itself, reading rows as the
   * caller iterates. Leaving early closes that connection: a server that is sending a result
   * cannot be stopped otherwise, short of reading all of it.
   */
  override stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    const translate = (error: unknown) => this.translateError(error, query.sql);
    return new LazyStream(async () => {
      const link = await this.acquireLink();
      try {
        return await link.stream(query, options.batchSize, {
          translate,
          settle: (outcome, result, error) => {
            if ((outcome === 'left' && !result.received) || error instanceof ConnectionError) this.discardLink(link);
            else this.releaseLink(link);
          },
        });
      } catch (error) {
        this.discardLink(link);
        throw translate(error);
      }
    });
  }

  /**
   * Interrupt the statement running on a session (its transaction ran past its timeout) with
   * `KILL QUERY`, sent from a short-lived connection of its own so that a full pool cannot delay
   * it. The statement fails, the rollback that follows runs at once, and the connection is
   * closed afterwards rather than pooled: a KILL that arrives just after the statement ended
   * must not interrupt someone else's next statement.
   */
  override async cancel(session: DriverSession): Promise<void> {
    if (!(session instanceof MysqlSession) || !this.driver) return;
    const link = session.link;
    link.retired = true;
    const threadId = link.threadId;
    if (threadId === null) return;
    let killer: MysqlLink | undefined;
    try {
      killer = await this.openLink();
      await killer.run({ sql: 'KILL QUERY ?', params: [threadId] });
    } catch (error) {
      this.context.logger.warn(
        `Connection '${this.context.connectionName}': could not cancel a statement on ${this.describeTarget()} ` +
          `(${(error as Error)?.message ?? String(error)}); the rollback waits for it to finish`,
      );
    } finally {
      killer?.destroy();
    }
  }

  translateError(error: unknown, sql?: string): Error {
    return translateMysqlError(error, this.context.connectionName, sql);
  }

  /** @internal Back to the pool; a link left inside a transaction is rolled back first. */
  releaseLink(link: MysqlLink): void {
    const pool = this.pool;
    if (!pool || link.broken || link.retired) {
      this.discardLink(link);
      return;
    }
    if (!link.inTransaction) {
      pool.release(link);
      return;
    }
    link.run({ sql: 'ROLLBACK', params: [] }).then(
      () => pool.release(link),
      () => pool.discard(link),
    );
  }

  /** @internal */
  discardLink(link: MysqlLink): void {
    link.destroy();
    if (this.pool) this.pool.discard(link);
  }

  private createPool(options: PoolOptions): ResourcePool<MysqlLink> {
    const name = this.context.connectionName;
    const settings = {
      min: options.min ?? 0,
      max: options.max ?? 10,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      acquireTimeoutMs: options.acquireTimeoutMs ?? 30_000,
    };
    return new ResourcePool<MysqlLink>(
      {
        create: () => this.connect(),
        dispose: (link) => link.close(),
        usable: (link) => !link.broken,
        timeoutError: (waited: number, stats: PoolStats) =>
          new ConnectionError(
            `Connection '${name}': no database connection became free within ${waited} ms ` +
              `(pool.max ${settings.max}: ${stats.borrowed} in use, ${stats.waiting} more waiting). ` +
              `Raise pool.max or pool.acquireTimeoutMs, or look for transactions or streams that do not finish`,
            { connection: name },
          ),
        closedError: () => this.closedError(),
        backgroundError: (error) =>
          this.context.logger.warn(
            `Connection '${name}': cannot open a connection to ${this.describeTarget()} to keep pool.min open: ` +
              `${(error as Error)?.message ?? String(error)}`,
          ),
      },
      settings,
    );
  }

  /** Open and set up one connection; failures name the connection and the server, not the password. */
  private async connect(): Promise<MysqlLink> {
    try {
      return await this.openLink();
    } catch (error) {
      const reason = (error as { message?: string })?.message ?? String(error);
      throw new ConnectionError(
        `Cannot connect to ${this.options.backend} at ${this.describeTarget()} for connection '${this.context.connectionName}': ${reason}`,
        { connection: this.context.connectionName, cause: error },
      );
    }
  }

  private openLink(): Promise<MysqlLink> {
    const driver = this.driver!;
    return new Promise<MysqlLink>((resolve, reject) => {
      let raw: RawConnection;
      try {
        raw = driver.createConnection(this.driverOptions());
      } catch (error) {
        reject(error);
        return;
      }
      const link = new MysqlLink(raw, driver);
      raw.connect((error) => {
        if (error) {
          link.destroy();
          reject(error);
          return;
        }
        const offset = this.config.timezone.session;
        link.run({ sql: SESSION_SETUP, params: [offset, 'STRICT_TRANS_TABLES', 'STRICT_ALL_TABLES', 'STRICT_TRANS_TABLES'] }).then(
          () => resolve(link),
          (failure: unknown) => {
            link.destroy();
            reject(failure);
          },
        );
      });
    });
  }

  /** mysql2's options: exact numbers and dates (see types.ts), and nothing it would guess. */
  private driverOptions(): Record<string, unknown> {
    const c = this.config;
    const options: Record<string, unknown> = {
      host: c.host,
      port: c.port,
      user: c.user,
      password: c.password,
      database: c.database,
      charset: c.charset,
      timezone: c.timezone.driver,
      connectTimeout: c.connectTimeoutMs,
      maxPreparedStatements: c.maxPreparedStatements,
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: false,
      dateStrings: ['DATE'],
      jsonStrings: true,
      multipleStatements: false,
      // No LOAD DATA LOCAL: a compromised server could otherwise ask for client files.
      flags: ['-LOCAL_FILES'],
    };
    if (c.socketPath !== undefined) options.socketPath = c.socketPath;
    if (c.ssl !== undefined) options.ssl = c.ssl === true ? {} : c.ssl;
    return options;
  }

  /**
   * A pooled connection for one statement, with mysql2's callback API: when a connection is
   * free, the only promise made is the answer.
   */
  private runPooled<T>(query: CompiledQuery, rowsAsArray: boolean, map: (result: unknown) => T): Promise<T> {
    const pool = this.pool;
    if (!pool) return Promise.reject(this.closedError());
    const link = pool.tryAcquire();
    if (link !== undefined) return this.runOnLink(link, query, rowsAsArray, map);
    return pool.acquire().then(
      (acquired) => this.runOnLink(acquired, query, rowsAsArray, map),
      (error: unknown) => {
        throw this.translateError(error, query.sql);
      },
    );
  }

  private runOnLink<T>(link: MysqlLink, query: CompiledQuery, rowsAsArray: boolean, map: (result: unknown) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      link.dispatch(query, rowsAsArray, (error, result) => {
        if (error) {
          const failure = this.translateError(error, query.sql);
          if (failure instanceof ConnectionError) this.discardLink(link);
          else this.releaseLink(link);
          reject(failure);
          return;
        }
        this.releaseLink(link);
        resolve(map(result));
      });
    });
  }

  /** A link from the pool; a failure to open one (server down) arrives translated. */
  private async acquireLink(): Promise<MysqlLink> {
    try {
      return await this.requirePool().acquire();
    } catch (error) {
      throw this.translateError(error);
    }
  }

  private requirePool(): ResourcePool<MysqlLink> {
    if (!this.pool) throw this.closedError();
    return this.pool;
  }

  private closedError(): ConnectionError {
    const name = this.context.connectionName;
    return new ConnectionError(
      this.closed
        ? `Connection '${name}' is closed; queries need an open ActiveRecordModule or ConnectionRegistry`
        : `Connection '${name}' is not open (open() was not called or failed)`,
      { connection: name },
    );
  }
}
