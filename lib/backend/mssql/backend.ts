import { ConnectionError } from '../../errors';
import { loadDriver } from '../driver-loader';
import { StorageBackend, type BackendCapabilities, type DriverSession } from '../storage-backend';
import type { BeginOptions } from '../transaction-options';
import { mssqlPoolConfig, validateMssqlOptions } from './config';
import { MssqlDialect } from './dialect';
import type { MssqlDriver, MssqlPool } from './driver';
import { translateMssqlError } from './errors';
import { MSSQL_OPTION_KEYS, type MssqlConnectionOptions } from './options';
import { MssqlSession, type MssqlSessionContext } from './session';

/**
 * Microsoft SQL Server through `mssql` on tedious, with mssql's connection pool.
 *
 * Not a two-phase-commit participant: tedious cannot enlist in distributed transactions (no
 * MS DTC and no XA, tediousjs/tedious#1137), and SQL Server prepares a transaction only as an
 * XA or DTC branch. In a cross-database transaction it can be the one last-resource
 * participant, committed after every other branch has prepared.
 */
export class MssqlBackend extends StorageBackend<MssqlConnectionOptions> {
  readonly dialect = new MssqlDialect();
  readonly capabilities: BackendCapabilities = {
    twoPhaseCommit: false,
    savepoints: true,
    concurrentSessions: true,
    maxSessions: this.options.pool?.max ?? 10,
  };

  private sessionContext?: MssqlSessionContext;

  /** Every option key this backend reads (besides the common ones); others are refused. */
  static readonly optionKeys = MSSQL_OPTION_KEYS;

  static validateOptions(options: Record<string, unknown>, path: string): void {
    validateMssqlOptions(options, path);
  }

  describeTarget(): string {
    const config = mssqlPoolConfig(this.options);
    const instance = config.options.instanceName ? `\\${config.options.instanceName}` : '';
    return `SQL Server ${config.user ? config.user + '@' : ''}${config.server}${instance}:${config.port ?? 1433}/${config.database ?? '(default database)'}`;
  }

  async open(): Promise<void> {
    const driver = loadDriver<MssqlDriver>('mssql', 'mssql', this.context.connectionName);
    const pool = new driver.ConnectionPool(mssqlPoolConfig(this.options));
    // An idle pooled connection that breaks emits 'error'; unheard, it would crash the process.
    pool.on('error', (error) => {
      const reason = error instanceof Error ? error.message : String(error);
      this.context.logger.warn(`Connection '${this.context.connectionName}': a pooled SQL Server connection failed (${reason})`);
    });
    try {
      await pool.connect();
      await new driver.Request(pool).query('SELECT 1 AS [ok]');
    } catch (error) {
      await pool.close().catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(
        `Cannot connect to ${this.describeTarget()} for connection '${this.context.connectionName}': ${reason}. ` +
          `Check the server, port, database and credentials (and options.encrypt / trustServerCertificate for TLS).`,
        { connection: this.context.connectionName, cause: error },
      );
    }
    this.sessionContext = { driver, pool, translate: (error, sql) => this.translateError(error, sql) };
  }

  async close(): Promise<void> {
    const pool: MssqlPool | undefined = this.sessionContext?.pool;
    this.sessionContext = undefined;
    if (pool) await pool.close();
  }

  async acquire(): Promise<DriverSession> {
    const context = this.sessionContext;
    if (!context) {
      throw new ConnectionError(
        `Connection '${this.context.connectionName}' is closed (or was never opened); ` +
          `queries need an open ActiveRecordModule or ConnectionRegistry`,
        { connection: this.context.connectionName },
      );
    }
    return new MssqlSession(context);
  }

  translateError(error: unknown, sql?: string): Error {
    return translateMssqlError(error, this.context.connectionName, sql);
  }

  override async cancel(session: DriverSession): Promise<void> {
    if (session instanceof MssqlSession) await session.cancel();
  }

  /** mssql's Transaction runs the dialect's statements (SET TRANSACTION ...; BEGIN TRAN) itself. */
  override async begin(session: DriverSession, options: BeginOptions = {}): Promise<void> {
    this.dialect.beginTransaction(options);
    if (session instanceof MssqlSession) await session.begin(options.isolation ?? 'READ COMMITTED');
    else await super.begin(session, options);
  }

  override async commit(session: DriverSession): Promise<void> {
    if (session instanceof MssqlSession) await session.commit();
    else await super.commit(session);
  }

  override async rollback(session: DriverSession): Promise<void> {
    if (session instanceof MssqlSession) await session.rollback();
    else await super.rollback(session);
  }
}
