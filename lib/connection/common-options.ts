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

/**
 * Every option key a connection may carry, by where it is declared: a key outside a backend's
 * list is refused (with the nearest known key suggested) instead of silently ignored. Each list
 * is checked against its interface at compile time (see `optionKeys`), so an option added to an
 * interface but not to its list is a type error.
 */
export const COMMON_OPTION_KEYS = exhaustive(['backend', 'synchronize', 'migrationsRun', 'logging', 'pool', 'retryAttempts', 'retryDelayMs']);

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
