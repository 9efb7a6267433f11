import type { PoolOptions } from '../../connection/common-options';
import { ConfigurationError } from '../../errors';
import type { MssqlPoolConfig } from './driver';
import type { MssqlConnectionOptions } from './options';

/** Check an `mssql` connection's options before anything opens; messages name the field. */
export function validateMssqlOptions(options: Record<string, unknown>, path: string): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}.${field} ${message}`, { field: `${path}.${field}` });
  };
  for (const field of ['url', 'server', 'database', 'user']) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) fail(field, 'must be a non-empty string');
  }
  if (options.password !== undefined && typeof options.password !== 'string') fail('password', 'must be a string');
  const port = options.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) {
    fail('port', 'must be an integer between 1 and 65535');
  }
  for (const field of ['requestTimeoutMs', 'connectTimeoutMs']) {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) fail(field, 'must be a non-negative integer');
  }
  const extra = options.options;
  if (extra !== undefined) {
    if (!extra || typeof extra !== 'object') fail('options', 'must be an object: { encrypt, trustServerCertificate, instanceName }');
    const { encrypt, trustServerCertificate, instanceName, ...unknown } = extra as Record<string, unknown>;
    const other = Object.keys(unknown)[0];
    if (other !== undefined) fail(`options.${other}`, 'is not a SQL Server option (encrypt, trustServerCertificate, instanceName)');
    if (encrypt !== undefined && typeof encrypt !== 'boolean') fail('options.encrypt', 'must be true or false');
    if (trustServerCertificate !== undefined && typeof trustServerCertificate !== 'boolean') {
      fail('options.trustServerCertificate', 'must be true or false');
    }
    if (instanceName !== undefined && (typeof instanceName !== 'string' || instanceName === '')) {
      fail('options.instanceName', 'must be a non-empty string');
    }
  }
  let urlUser: string | undefined;
  if (typeof options.url === 'string') {
    const parsed = parseMssqlUrl(options.url);
    if (!parsed) fail('url', "must look like 'mssql://user:password@host:1433/database?encrypt=true'");
    urlUser = parsed?.user;
  }
  if (options.url === undefined && options.server === undefined) {
    fail('server', "is required for backend 'mssql': a host name such as 'localhost', or give url ('mssql://user:password@host:1433/database')");
  }
  if (options.user === undefined && !urlUser) fail('user', "is required for backend 'mssql' (SQL Server authentication)");
}

/** The mssql pool configuration; explicit fields win over the URL's. */
export function mssqlPoolConfig(options: MssqlConnectionOptions): MssqlPoolConfig {
  const url = options.url ? parseMssqlUrl(options.url) : undefined;
  const pool: PoolOptions = options.pool ?? {};
  return {
    server: options.server ?? url?.server ?? '',
    port: options.port ?? url?.port,
    database: options.database ?? url?.database,
    user: options.user ?? url?.user,
    password: options.password ?? url?.password,
    connectionTimeout: options.connectTimeoutMs ?? 15000,
    requestTimeout: options.requestTimeoutMs ?? 15000,
    options: {
      encrypt: options.options?.encrypt ?? url?.encrypt ?? true,
      trustServerCertificate: options.options?.trustServerCertificate ?? url?.trustServerCertificate ?? false,
      // DATE and DATETIME2 values are read and written as UTC, not in the process's zone.
      useUTC: true,
      ...(options.options?.instanceName ? { instanceName: options.options.instanceName } : {}),
    },
    pool: {
      min: pool.min ?? 0,
      max: pool.max ?? 10,
      idleTimeoutMillis: pool.idleTimeoutMs ?? 30000,
      acquireTimeoutMillis: pool.acquireTimeoutMs ?? 30000,
    },
  };
}

interface ParsedMssqlUrl {
  server: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  encrypt?: boolean;
  trustServerCertificate?: boolean;
}

export function parseMssqlUrl(text: string): ParsedMssqlUrl | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'mssql:' && url.protocol !== 'sqlserver:') || !url.hostname) return undefined;
  const flag = (name: string) => {
    const value = url.searchParams.get(name);
    return value === null ? undefined : value === 'true';
  };
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    server: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    database: database || undefined,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    encrypt: flag('encrypt'),
    trustServerCertificate: flag('trustServerCertificate'),
  };
}
