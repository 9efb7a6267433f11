/** Pool sizing for backends with a pool (PostgreSQL, MySQL, Oracle, SQL Server). */
export interface PoolOptions {
  /** Connections kept open when idle; default 0. */
  min?: number;
  /** Most connections open at once; default 10. */
  max?: number;
  /** Close a connection idle for this long; default 30000. */
  idleTimeoutMs?: number;
  /** Fail a request that waits this long for a free connection; default 30000. */
  acquireTimeoutMs?: number;
}

/** Options every connection takes, whatever its backend. */
export interface CommonConnectionOptions {
  /** Create missing tables for this connection's models at startup (development and tests). */
  synchronize?: boolean;
  /** Apply this connection's pending migrations at startup, before the application serves. */
  migrationsRun?: boolean;
  /** Log each statement's SQL (never its values) at debug level. */
  logging?: boolean;
  pool?: PoolOptions;
  /** Extra attempts at the first connect when the database is unreachable; default 0. */
  retryAttempts?: number;
  /** Wait between those attempts; default 1000. */
  retryDelayMs?: number;
}
