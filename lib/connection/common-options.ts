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

import type { LoggingOption } from './logging-options';

/** Options every connection takes, whatever its backend. */
export interface CommonConnectionOptions {
  /** Create missing tables for this connection's models at startup (development and tests). */
  synchronize?: boolean;
  /** Apply this connection's pending migrations at startup, before the application serves. */
  migrationsRun?: boolean;
  /**
   * What to log, through the application's logger (Nest's Logger under ActiveRecordModule):
   * `true` logs every statement and transaction at debug level with its duration, and
   * statements of a second or more at warn; an object chooses kinds and levels
   * (`{ slowQueryMs: 200 }` logs only slow statements). Bound values are redacted unless
   * `values: true`. See docs/logging.md.
   */
  logging?: LoggingOption;
  pool?: PoolOptions;
  /** Extra attempts at the first connect when the database is unreachable; default 0. */
  retryAttempts?: number;
  /** Wait between those attempts; default 1000. */
  retryDelayMs?: number;
  /**
   * Connect on first use instead of at startup, so the application starts while this database
   * is down (its health check reports it; its first statement connects, or fails with a
   * ConnectionError naming the connection, and the next one tries again).
   */
  lazyConnect?: boolean;
}

/** The options of connections whose backend takes read replicas (PostgreSQL, MySQL/MariaDB). */
export interface ReplicatedConnectionOptions<Replica> {
  /**
   * Read replicas: reads outside a transaction go to them in turn, writes and transactions to
   * this connection's server. Each entry gives a replica's address (a `url`, or fields that
   * override the primary's); everything else comes from the connection. See docs/replicas.md.
   */
  replicas?: readonly Replica[];
  /** After a request writes, its reads stay on the primary this long; default 2000. */
  readYourWritesMs?: number;
  /** A replica that failed is left alone this long before a read tries it again; default 5000. */
  replicaRetryMs?: number;
}

/**
 * Every option key a connection may carry, by where it is declared: a key outside a backend's
 * list is refused (with the nearest known key suggested) instead of silently ignored. Each list
 * is checked against its interface at compile time (see `optionKeys`), so an option added to an
 * interface but not to its list is a type error.
 */
export const COMMON_OPTION_KEYS = exhaustive(['backend', 'synchronize', 'migrationsRun', 'logging', 'pool', 'retryAttempts', 'retryDelayMs', 'lazyConnect']);

/** The common keys, checked to name every key of CommonConnectionOptions (and only those). */
function exhaustive<const Keys extends readonly (keyof CommonConnectionOptions | 'backend')[]>(
  keys: Keys & (Exclude<keyof CommonConnectionOptions, Keys[number]> extends never ? unknown : never),
): readonly string[] {
  return keys as readonly string[];
}

/**
 * A backend's own option keys (the common ones excluded), checked to name every key of its
 * options interface: `optionKeys<PostgresConnectionOptions>()(['url', 'host', ...])` fails to
 * compile when the list misses one or names one the interface lacks.
 */
export function optionKeys<Options>() {
  return <const Keys extends readonly Exclude<keyof Options, keyof CommonConnectionOptions | 'backend'>[]>(
    keys: Keys & (Exclude<keyof Options, keyof CommonConnectionOptions | 'backend' | Keys[number]> extends never ? unknown : never),
  ): readonly string[] => keys as readonly string[];
}
