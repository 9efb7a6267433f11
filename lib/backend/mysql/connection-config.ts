import { ConfigurationError } from '../../errors';
import type { MysqlConnectionOptions, MysqlSslOptions } from './options';
import { parseFixedOffset, type FixedOffset } from './time-zone';

/** A MySQL connection's options with the URL merged in and every default applied. */
export interface ResolvedMysqlConfig {
  readonly host: string;
  readonly port: number;
  readonly socketPath?: string;
  readonly user?: string;
  readonly password?: string;
  readonly database: string;
  readonly ssl?: MysqlSslOptions;
  readonly charset: string;
  readonly collation: string;
  readonly timezone: FixedOffset;
  readonly connectTimeoutMs: number;
  readonly maxPreparedStatements: number;
}

const NAME = /^[A-Za-z0-9_]+$/;

/**
 * Merge the URL and the separate fields (fields win, as in @nestjs/typeorm) and check every
 * value. Throws ConfigurationError naming the option at `path`; never quotes the password.
 */
export function resolveMysqlConfig(options: MysqlConnectionOptions, path: string): ResolvedMysqlConfig {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}.${field} ${message}`, { field: `${path}.${field}` });
  };
  const fromUrl = options.url === undefined ? {} : parseMysqlUrl(options.url, `${path}.url`);
  const pick = <K extends keyof UrlParts>(key: K): UrlParts[K] | undefined =>
    (options as unknown as Record<string, unknown>)[key] !== undefined
      ? ((options as unknown as Record<string, unknown>)[key] as UrlParts[K])
      : fromUrl[key];

  const host = pick('host') ?? '127.0.0.1';
  if (typeof host !== 'string' || host.trim() === '') fail('host', 'must be a non-empty string');
  const port = pick('port') ?? 3306;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) fail('port', 'must be an integer from 1 to 65535');
  for (const field of ['socketPath', 'user', 'password'] as const) {
    const value = pick(field);
    if (value !== undefined && typeof value !== 'string') fail(field, 'must be a string');
  }
  const database = pick('database');
  if (typeof database !== 'string' || database === '') {
    fail('database', `is required for backend '${options.backend}': give 'database' or a URL ending in /<database>`);
  }
  const ssl = pick('ssl');
  if (ssl !== undefined && !['boolean', 'string', 'object'].includes(typeof ssl)) {
    fail('ssl', 'must be true, false, a profile name or an object of TLS options');
  }
  const timezoneOption = pick('timezone');
  const timezone = typeof timezoneOption === 'string' || timezoneOption === undefined ? parseFixedOffset(timezoneOption) : undefined;
  if (!timezone) {
    fail(
      'timezone',
      `must be 'Z' (UTC, the default) or a fixed offset such as '+02:00'; named zones are refused because ` +
        `their daylight-saving hours cannot round-trip every instant`,
    );
  }
  const charset = pick('charset') ?? 'utf8mb4';
  if (typeof charset !== 'string' || !NAME.test(charset)) fail('charset', "must be a character set name such as 'utf8mb4'");
  const collation = pick('collation') ?? `${charset}_bin`;
  if (typeof collation !== 'string' || !NAME.test(collation)) fail('collation', "must be a collation name such as 'utf8mb4_bin'");
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) fail('connectTimeoutMs', 'must be a positive integer');
  const maxPreparedStatements = options.maxPreparedStatements ?? 256;
  if (!Number.isInteger(maxPreparedStatements) || maxPreparedStatements < 1) {
    fail('maxPreparedStatements', 'must be a positive integer');
  }
  return {
    host: host as string,
    port: port as number,
    socketPath: pick('socketPath') as string | undefined,
    user: pick('user') as string | undefined,
    password: pick('password') as string | undefined,
    database: database as string,
    ssl: ssl === false ? undefined : (ssl as MysqlSslOptions | undefined),
    charset: charset as string,
    collation: collation as string,
    timezone: timezone as FixedOffset,
    connectTimeoutMs,
    maxPreparedStatements,
  };
}

/** `host:port/database` (or the socket path): for messages, never with the password. */
export function describeMysqlTarget(config: ResolvedMysqlConfig): string {
  const where = config.socketPath ?? `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  return `${where}/${config.database}`;
}

interface UrlParts {
  host?: string;
  port?: number;
  socketPath?: string;
  user?: string;
  password?: string;
  database?: string;
  ssl?: MysqlSslOptions;
  charset?: string;
  collation?: string;
  timezone?: string;
}

/** `mysql://user:password@host:port/database?ssl=true&charset=utf8mb4&timezone=Z` */
function parseMysqlUrl(url: unknown, field: string): UrlParts {
  // The URL may hold a password: messages describe what is wrong, never quote it.
  const fail = (message: string): never => {
    throw new ConfigurationError(`${field} ${message}`, { field });
  };
  if (typeof url !== 'string') fail('must be a string such as mysql://user@127.0.0.1:3306/app');
  let parsed: URL;
  try {
    parsed = new URL(url as string);
  } catch {
    return fail('is not a valid URL; expected mysql://user:password@host:3306/database');
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    fail(`must start with mysql:// or mariadb:// (got ${parsed.protocol}//)`);
  }
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return fail('has an invalid percent-encoding in its user, password or database');
    }
  };
  const parts: UrlParts = {};
  if (parsed.hostname) parts.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.port) parts.port = Number(parsed.port);
  if (parsed.username) parts.user = decode(parsed.username);
  if (parsed.password) parts.password = decode(parsed.password);
  const database = decode(parsed.pathname.replace(/^\//, ''));
  if (database) parts.database = database;
  for (const [key, value] of parsed.searchParams) {
    switch (key) {
      case 'ssl':
        parts.ssl = value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
        break;
      case 'charset':
      case 'collation':
      case 'timezone':
      case 'socketPath':
        parts[key] = value;
        break;
      default:
        fail(`has an unknown parameter '${key}' (known: ssl, charset, collation, timezone, socketPath)`);
    }
  }
  return parts;
}
