import type { PoolOptions } from '../../connection/common-options';
import { ConfigurationError } from '../../errors';
import type { OracleConnectionOptions } from './options';

/** Where and as whom to connect, resolved from the options (the password never leaves here in a message). */
export interface OracleSettings {
  readonly connectString: string;
  readonly user?: string;
  readonly password?: string;
}

/** Check an `oracle` connection's options before anything opens; messages name the field. */
export function validateOracleOptions(options: Record<string, unknown>, path: string): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}.${field} ${message}`, { field: `${path}.${field}` });
  };
  const string = (field: string) => {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) fail(field, 'must be a non-empty string');
  };
  for (const field of ['url', 'connectString', 'host', 'serviceName', 'user', 'currentSchema']) string(field);
  if (options.password !== undefined && typeof options.password !== 'string') fail('password', 'must be a string');
  const port = options.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) {
    fail('port', 'must be an integer between 1 and 65535');
  }
  const cache = options.statementCacheSize;
  if (cache !== undefined && !(Number.isInteger(cache) && (cache as number) >= 0)) fail('statementCacheSize', 'must be a non-negative integer');
  if (typeof options.currentSchema === 'string' && /["\0]/.test(options.currentSchema)) {
    fail('currentSchema', 'cannot contain \'"\' (Oracle forbids it in names)');
  }
  let urlUser: string | undefined;
  if (typeof options.url === 'string') {
    const parsed = parseOracleUrl(options.url);
    if (!parsed) fail('url', "must look like 'oracle://user:password@host:1521/serviceName'");
    urlUser = parsed?.user;
  }
  if (options.url === undefined && options.connectString === undefined && options.host === undefined) {
    fail(
      'connectString',
      "is required for backend 'oracle': give url ('oracle://user:password@host:1521/FREEPDB1'), " +
        "connectString ('host:1521/FREEPDB1') or host (+ port, serviceName)",
    );
  }
  if (options.host !== undefined && options.serviceName === undefined && options.url === undefined) {
    fail('serviceName', "is required with host: the database service, e.g. 'FREEPDB1'");
  }
  if (options.user === undefined && !urlUser) {
    fail('user', "is required for backend 'oracle' (Thin mode signs in with a user and password)");
  }
}

/** Resolve the options to a connect string and credentials; explicit fields win over the URL's. */
export function resolveOracleSettings(options: OracleConnectionOptions): OracleSettings {
  const url = options.url ? parseOracleUrl(options.url) : undefined;
  const host = options.host ?? url?.host;
  const port = options.port ?? url?.port ?? 1521;
  const service = options.serviceName ?? url?.serviceName;
  const connectString = options.connectString ?? (host ? `${host}:${port}${service ? '/' + service : ''}` : '');
  return { connectString, user: options.user ?? url?.user, password: options.password ?? url?.password };
}

/** Pool sizing in node-oracledb's units (seconds for idle time, milliseconds for the queue). */
export function oraclePoolSizing(pool: PoolOptions = {}) {
  return {
    poolMin: pool.min ?? 0,
    poolMax: pool.max ?? 10,
    poolIncrement: 1,
    poolTimeout: Math.max(1, Math.ceil((pool.idleTimeoutMs ?? 30000) / 1000)),
    queueTimeout: pool.acquireTimeoutMs ?? 30000,
  };
}

interface ParsedOracleUrl {
  host: string;
  port?: number;
  serviceName?: string;
  user?: string;
  password?: string;
}

export function parseOracleUrl(text: string): ParsedOracleUrl | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'oracle:' || !url.hostname) return undefined;
  const service = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    serviceName: service || undefined,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}
