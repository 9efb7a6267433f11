import type { CustomTypesConfig, PoolConfig } from 'pg';
import type { PostgresConnectionOptions, PostgresPassword, PostgresSslOptions } from './options';

/** Defaults of the common `pool` options (see common-options.ts). */
export const POOL_DEFAULTS = { min: 0, max: 10, idleTimeoutMs: 30000, acquireTimeoutMs: 30000 } as const;

/** URL query parameters understood here; anything else is refused rather than ignored. */
export const URL_PARAMETERS = ['sslmode', 'ssl', 'application_name', 'host', 'schema'] as const;

/** The connection parameters after merging the URL with the explicit fields. */
export interface ServerAddress {
  host?: string;
  port?: number;
  user?: string;
  password?: PostgresPassword;
  database?: string;
  ssl?: PostgresSslOptions;
  applicationName?: string;
  schema?: string;
}

/**
 * Read a `postgres://` URL into its parts. Throws a plain Error whose message never repeats the
 * URL (it may hold a password); the caller turns it into a ConfigurationError.
 */
export function parsePostgresUrl(url: string): ServerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('is not a valid URL (expected postgres://user:password@host:5432/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`);
  }
  const address: ServerAddress = {};
  if (parsed.hostname) address.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 brackets
  if (parsed.port) address.port = Number(parsed.port);
  if (parsed.username) address.user = decodeURIComponent(parsed.username);
  if (parsed.password) address.password = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) address.database = database;
  for (const [name, value] of parsed.searchParams) {
    switch (name) {
      case 'sslmode':
        address.ssl = sslFromMode(value);
        break;
      case 'ssl':
        address.ssl = value === 'true' || value === '1' ? true : value === 'no-verify' ? { rejectUnauthorized: false } : false;
        break;
      case 'application_name':
        address.applicationName = value;
        break;
      case 'host': // a Unix socket directory: postgres://user@/db?host=/var/run/postgresql
        address.host = value;
        break;
      case 'schema': // not libpq's, but lets one URL (an environment variable) choose the schema too
        address.schema = value;
        break;
      default:
        throw new Error(
          `has the query parameter '${name}', which is not supported (supported: ${URL_PARAMETERS.join(', ')}); ` +
            `use the connection's own options (ssl, schema, ...) instead`,
        );
    }
  }
  return address;
}

/**
 * libpq's sslmode values. Node cannot fall back from TLS to plain text on one socket, so
 * `prefer`/`allow` mean TLS; `require` verifies the certificate as pg itself does today (pass
 * `ssl: { rejectUnauthorized: false }` or `sslmode=no-verify` to skip that, knowingly).
 */
function sslFromMode(mode: string): PostgresSslOptions {
  switch (mode) {
    case 'disable':
      return false;
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'allow':
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return true;
    default:
      throw new Error(`has sslmode=${mode}; use disable, require, verify-ca, verify-full or no-verify`);
  }
}

/** The URL's parts, overridden by the explicit fields that are set. */
export function serverAddress(options: PostgresConnectionOptions): ServerAddress {
  const fromUrl = options.url ? parsePostgresUrl(options.url) : {};
  const explicit: ServerAddress = {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    ssl: options.ssl,
    applicationName: options.applicationName,
    schema: options.schema,
  };
  const merged: ServerAddress = { ...fromUrl };
  for (const [key, value] of Object.entries(explicit) as Array<[keyof ServerAddress, never]>) {
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** `host:port/database` for messages and logs: never the user's password. */
export function describeAddress(address: ServerAddress): string {
  const host = address.host ?? process.env.PGHOST ?? 'localhost';
  const port = address.port ?? (process.env.PGPORT ? Number(process.env.PGPORT) : 5432);
  const database = address.database ?? process.env.PGDATABASE ?? address.user ?? '(default database)';
  const hostPart = host.includes(':') && !host.startsWith('/') ? `[${host}]` : host;
  return `${hostPart}:${port}/${database}`;
}

/**
 * A libpq `options` startup parameter: `-c name=value` pairs separated by spaces, where a
 * backslash escapes the next character (so spaces and backslashes inside a value survive).
 */
function startupSetting(name: string, value: string): string {
  return `-c ${name}=${value.replace(/[\\\s]/g, (char) => '\\' + char)}`;
}

/** `search_path` syntax: a double-quoted identifier, so any schema name is taken literally. */
export function quotedSchema(schema: string): string {
  return '"' + schema.replace(/"/g, '""') + '"';
}

/**
 * Session settings sent with the startup packet, so every pooled connection has them from its
 * first statement without an extra round trip or a race with the first query:
 * - DateStyle ISO and TimeZone UTC: the text the type parsers read (timestamps with an explicit
 *   `+00` offset, dates as `YYYY-MM-DD`), the same whatever the server's configuration. TIMESTAMPTZ
 *   values are instants either way; UTC also makes `timestamp without time zone` read as UTC.
 * - extra_float_digits 3: floats print with enough digits to read back exactly (PostgreSQL 12+
 *   prints the shortest such text for any positive value; older servers need 3).
 * - search_path: the configured schema alone.
 */
export function startupOptions(schema: string | undefined): string {
  const settings = [
    startupSetting('DateStyle', 'ISO'),
    startupSetting('TimeZone', 'UTC'),
    startupSetting('extra_float_digits', '3'),
  ];
  if (schema !== undefined) settings.push(startupSetting('search_path', quotedSchema(schema)));
  return settings.join(' ');
}

/** The `pg.Pool` configuration for a connection's options. */
export function buildPoolConfig(options: PostgresConnectionOptions, types: CustomTypesConfig): PoolConfig {
  const address = serverAddress(options);
  const pool = { ...POOL_DEFAULTS, ...definedOnly(options.pool ?? {}) };
  return {
    host: address.host,
    port: address.port,
    user: address.user,
    password: address.password,
    database: address.database,
    ssl: address.ssl as PoolConfig['ssl'],
    application_name: address.applicationName,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs,
    options: startupOptions(address.schema),
    types,
    // TCP keepalive notices a peer that vanished without closing the socket (a dead host, a
    // dropped NAT mapping) instead of leaving an idle pooled connection that hangs the next query.
    keepAlive: true,
    min: pool.min,
    max: pool.max,
    idleTimeoutMillis: pool.idleTimeoutMs,
    // pg-pool applies this both to waiting for a free connection and to opening a new one.
    connectionTimeoutMillis: pool.acquireTimeoutMs,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
