import type { ConnectionOptions } from 'nestjs-activerecord';

export const ORDERS_DB = process.env.ORDERS_DB ?? 'sqlite:./data/orders.db';
export const BILLING_DB = process.env.BILLING_DB ?? 'sqlite:./data/billing.db';

/**
 * Two SQLite files cannot take part in two-phase commit (SQLite cannot prepare; one may join as
 * the last resource, not two), so the sample's cross-database method runs as a saga there, and
 * as real two-phase commit as soon as one side is PostgreSQL or MariaDB.
 */
export const CROSS_DATABASE_MODE: '2pc' | 'saga' = ORDERS_DB.startsWith('sqlite:') && BILLING_DB.startsWith('sqlite:') ? 'saga' : '2pc';

/**
 * Turn a URL from the environment into connection options, so the sample moves from SQLite to
 * PostgreSQL or MariaDB by configuration alone. Each connection applies its migrations
 * (sample/migrations/<connection>/) at startup:
 *   sqlite:./data/orders.db      (the default: no setup)
 *   postgres://user:pass@host:5432/db
 *   mysql://user:pass@host:3306/db   or mariadb://...
 */
export function connectionFromUrl(url: string): ConnectionOptions {
  if (url.startsWith('sqlite:')) {
    return { backend: 'sqlite', database: url.slice('sqlite:'.length), migrationsRun: true };
  }
  const scheme = url.slice(0, url.indexOf(':'));
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return { backend: 'postgres', url, migrationsRun: true };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    return { backend: scheme, url: url.replace(/^mariadb:/, 'mysql:'), migrationsRun: true };
  }
  throw new Error(`Unsupported database URL scheme '${scheme}': use sqlite:, postgres:// or mysql:// (mariadb://)`);
}
