import { ConnectionError } from '../../errors';
import { loadDriver } from '../driver-loader';
import { StorageBackend, type BackendCapabilities, type DriverSession } from '../storage-backend';
import type { BeginOptions } from '../transaction-options';
import type { TwoPhaseParticipant } from '../two-phase';
import { oracleFetchTypeHandler } from './binding';
import { oraclePoolSizing, resolveOracleSettings, validateOracleOptions } from './config';
import { OracleDialect } from './dialect';
import type { OracleConnection, OracleDriver, OraclePool } from './driver';
import { translateOracleError } from './errors';
import { ORACLE_OPTION_KEYS, type OracleConnectionOptions } from './options';
import { OracleSession, type OracleSessionContext } from './session';
import { OracleTwoPhase } from './two-phase';

/**
 * Oracle Database through node-oracledb in Thin mode (no Oracle Client libraries). A pool of
 * sessions; every new session pins the decimal separator (so decimals bound as text convert the
 * same on any database territory) and, when asked, the current schema.
 *
 * Oracle can prepare a transaction and commit it from another session (XA through the driver's
 * tpc* calls, available in Thin mode since node-oracledb 6.6), so it is a full 2PC participant
 * (two-phase.ts).
 */
export class OracleBackend extends StorageBackend<OracleConnectionOptions> {
  readonly dialect = new OracleDialect();
  readonly capabilities: BackendCapabilities = {
    twoPhaseCommit: true,
    savepoints: true,
    concurrentSessions: true,
    maxSessions: this.options.pool?.max ?? 10,
  };
  override readonly twoPhase: TwoPhaseParticipant = new OracleTwoPhase(this);

  private pool?: OraclePool;
  private sessionContext?: OracleSessionContext;

  /** Every option key this backend reads (besides the common ones); others are refused. */
  static readonly optionKeys = ORACLE_OPTION_KEYS;

  static validateOptions(options: Record<string, unknown>, path: string): void {
    validateOracleOptions(options, path);
  }

  describeTarget(): string {
    const { connectString, user } = resolveOracleSettings(this.options);
    return `Oracle ${user ? user + '@' : ''}${connectString}`;
  }

  async open(): Promise<void> {
    const driver = loadDriver<OracleDriver>('oracledb', 'oracle', this.context.connectionName);
    const settings = resolveOracleSettings(this.options);
    const setup = this.sessionSetupSql();
    let pool: OraclePool | undefined;
    try {
      pool = await driver.createPool({
        user: settings.user,
        password: settings.password,
        connectString: settings.connectString,
        ...oraclePoolSizing(this.options.pool),
        ...(this.options.statementCacheSize === undefined ? {} : { stmtCacheSize: this.options.statementCacheSize }),
        sessionCallback: (connection, _tag, done) => {
          connection.execute(setup, [], {}).then(
            () => done(),
            (error: unknown) => done(error),
          );
        },
      });
      // A pool connects lazily: check the database answers now, as every backend does.
      const connection = await pool.getConnection();
      await connection.execute('SELECT 1 FROM DUAL', [], {});
      await connection.close();
      this.pool = pool;
      this.sessionContext = {
        driver,
        fetchTypeHandler: oracleFetchTypeHandler(driver),
        translate: (error, sql) => this.translateError(error, sql),
      };
    } catch (error) {
      await pool?.close(0).catch(() => undefined);
      const reason = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
      throw new ConnectionError(
        `Cannot connect to ${this.describeTarget()} for connection '${this.context.connectionName}': ${reason}. ` +
          `Check the connect string, the service name and the credentials.`,
        { connection: this.context.connectionName, cause: error },
      );
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.close(0);
  }

  async acquire(): Promise<DriverSession> {
    const pool = this.pool;
    const context = this.sessionContext;
    if (!pool || !context) {
      throw new ConnectionError(
        `Connection '${this.context.connectionName}' is closed (or was never opened); ` +
          `queries need an open ActiveRecordModule or ConnectionRegistry`,
        { connection: this.context.connectionName },
      );
    }
    let connection: OracleConnection;
    try {
      connection = await pool.getConnection();
    } catch (error) {
      throw this.translateError(error);
    }
    return new OracleSession(connection, context);
  }

  translateError(error: unknown, sql?: string): Error {
    return translateOracleError(error, this.context.connectionName, sql);
  }

  override async cancel(session: DriverSession): Promise<void> {
    if (session instanceof OracleSession) await session.cancel();
  }

  /** No BEGIN in Oracle: stop autocommitting, then run SET TRANSACTION if one is needed. */
  override async begin(session: DriverSession, options: BeginOptions = {}): Promise<void> {
    const statements = this.dialect.beginTransaction(options);
    if (session instanceof OracleSession) session.inTransaction = true;
    for (const sql of statements) await session.execute({ sql, params: [] });
  }

  override async commit(session: DriverSession): Promise<void> {
    if (session instanceof OracleSession) await session.commit();
    else await super.commit(session);
  }

  override async rollback(session: DriverSession): Promise<void> {
    if (session instanceof OracleSession) await session.rollback();
    else await super.rollback(session);
  }

  /** Run once per new pooled session. The schema name was checked to hold no '"'. */
  private sessionSetupSql(): string {
    const schema = this.options.currentSchema ? ` CURRENT_SCHEMA = "${this.options.currentSchema}"` : '';
    return `ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'${schema}`;
  }
}
