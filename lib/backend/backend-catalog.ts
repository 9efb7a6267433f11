import { ConfigurationError } from '../errors';
import { StorageBackend, type StorageBackendClass } from './storage-backend';

/** A backend class, optionally able to check its own options before anything opens. */
export type BackendClass = StorageBackendClass & {
  validateOptions?(options: Record<string, unknown>, path: string): void;
  /**
   * The options an entry of `replicas` may set (address, credentials, TLS, pool): a read
   * replica is another instance of the same class with these taken from the entry. Absent: the
   * backend takes no replicas.
   */
  readonly replicaFields?: readonly string[];
  /**
   * The option keys the backend reads besides the common ones. When given (every built-in
   * backend gives it), any other key is refused at startup with the nearest known key suggested.
   */
  readonly optionKeys?: readonly string[];
};

/**
 * The built-in backends by name. Each module is loaded on first use, so an application that only
 * talks to PostgreSQL never loads SQLite's native addon, and a missing driver is reported only
 * for the connection that needs it.
 */
const BUILT_IN: Record<string, () => BackendClass> = {
  sqlite: () => (require('./sqlite/backend') as typeof import('./sqlite/backend')).SqliteBackend,
  postgres: () => (require('./postgres/backend') as typeof import('./postgres/backend')).PostgresBackend,
  mysql: () => (require('./mysql/backend') as typeof import('./mysql/backend')).MysqlBackend,
  mariadb: () => (require('./mysql/backend') as typeof import('./mysql/backend')).MysqlBackend,
  oracle: () => (require('./oracle/backend') as typeof import('./oracle/backend')).OracleBackend,
  mssql: () => (require('./mssql/backend') as typeof import('./mssql/backend')).MssqlBackend,
};

export const BUILT_IN_BACKEND_NAMES = ['sqlite', 'postgres', 'mysql', 'mariadb', 'oracle', 'mssql'] as const;
export type BuiltInBackendName = (typeof BUILT_IN_BACKEND_NAMES)[number];

/** Resolve the `backend` option of a connection to a class, or explain what is accepted. */
export function resolveBackendClass(backend: unknown, path: string): BackendClass {
  if (typeof backend === 'function') {
    if (backend.prototype instanceof StorageBackend) return backend as BackendClass;
    throw new ConfigurationError(
      `${path}.backend is a function but does not extend StorageBackend; a custom backend must be ` +
        `\`class MyBackend extends StorageBackend { ... }\``,
      { field: `${path}.backend` },
    );
  }
  const load = typeof backend === 'string' ? BUILT_IN[backend] : undefined;
  if (load) return load();
  const accepted = BUILT_IN_BACKEND_NAMES.map((name) => `'${name}'`).join(', ');
  const got = typeof backend === 'string' ? `'${backend}'` : String(backend);
  const notYet = typeof backend === 'string' && (BUILT_IN_BACKEND_NAMES as readonly string[]).includes(backend);
  throw new ConfigurationError(
    notYet
      ? `${path}.backend '${backend}' is not available in this version of nestjs-activerecord`
      : `${path}.backend ${got} is not a known backend; use one of ${accepted}, or a class that extends StorageBackend`,
    { field: `${path}.backend` },
  );
}
