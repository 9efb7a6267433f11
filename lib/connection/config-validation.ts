import { resolveBackendClass, type BackendClass } from '../backend/backend-catalog';
import { ConfigurationError } from '../errors';
import type { ConnectionOptions, ConnectionSetOptions } from './connection-options';

export interface ValidatedConnection {
  readonly name: string;
  readonly options: ConnectionOptions;
  readonly backendClass: BackendClass;
  /** Where this connection was declared, for messages: `connections.main`. */
  readonly path: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Check a whole options object before anything opens, so that a mistake in the third connection
 * does not leave the first two open. Every message names the option path at fault.
 */
export function validateOptions(options: ConnectionSetOptions & { models?: unknown }, source = 'ActiveRecordModule options'): ValidatedConnection[] {
  if (!options || typeof options !== 'object') {
    throw new ConfigurationError(`${source} must be an object with a 'connections' map`);
  }
  const connections = normalizeConnections(options.connections, source);
  if (options.defaultConnection !== undefined && !connections.some((c) => c.name === options.defaultConnection)) {
    throw new ConfigurationError(
      `defaultConnection '${String(options.defaultConnection)}' is not one of the connections (${connections.map((c) => c.name).join(', ')})`,
      { field: 'defaultConnection' },
    );
  }
  if (options.models !== undefined && !Array.isArray(options.models)) {
    throw new ConfigurationError(`models must be an array of model classes`, { field: 'models' });
  }
  return connections;
}

function normalizeConnections(connections: ConnectionSetOptions['connections'], source: string): ValidatedConnection[] {
  if (!connections || typeof connections !== 'object') {
    throw new ConfigurationError(`${source}: 'connections' is required, e.g. { main: { backend: 'sqlite', database: ':memory:' } }`, {
      field: 'connections',
    });
  }
  const entries: Array<[string, ConnectionOptions, string]> = Array.isArray(connections)
    ? connections.map((entry, index) => {
        const { name, ...rest } = (entry ?? {}) as { name?: unknown };
        if (typeof name !== 'string') {
          throw new ConfigurationError(`connections[${index}].name is required in the array form of connections`, {
            field: `connections[${index}].name`,
          });
        }
        return [name, rest as ConnectionOptions, `connections[${index}]`];
      })
    : Object.entries(connections).map(([name, value]) => [name, value, `connections.${name}`]);
  if (entries.length === 0) {
    throw new ConfigurationError(`${source}: 'connections' must name at least one connection`, { field: 'connections' });
  }
  const seen = new Set<string>();
  return entries.map(([name, value, path]) => {
    if (!NAME.test(name)) {
      throw new ConfigurationError(
        `Connection name '${name}' is invalid: use letters, digits, '_', '-' or '.', starting with a letter or '_'`,
        { connection: name, field: path },
      );
    }
    if (seen.has(name)) {
      throw new ConfigurationError(`Connection name '${name}' is declared twice; every connection needs its own name`, {
        connection: name,
        field: path,
      });
    }
    seen.add(name);
    return validateConnection(name, value, path);
  });
}

function validateConnection(name: string, value: ConnectionOptions, path: string): ValidatedConnection {
  if (!value || typeof value !== 'object') {
    throw new ConfigurationError(`${path} must be an object with a 'backend'`, { connection: name, field: path });
  }
  const options = value as unknown as Record<string, unknown>;
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}.${field} ${message}`, { connection: name, field: `${path}.${field}` });
  };
  if (options.backend === undefined) fail('backend', `is required: 'sqlite', 'postgres', 'mysql', 'mariadb', 'oracle', 'mssql' or a StorageBackend class`);
  const backendClass = wrap(name, () => resolveBackendClass(options.backend, path));

  for (const flag of ['synchronize', 'logging']) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') fail(flag, 'must be true or false');
  }
  for (const field of ['retryAttempts', 'retryDelayMs']) {
    const number = options[field];
    if (number !== undefined && !(Number.isInteger(number) && (number as number) >= 0)) fail(field, 'must be a non-negative integer');
  }
  validatePool(options.pool, `${path}.pool`, name);
  wrap(name, () => backendClass.validateOptions?.(options, path));
  return { name, options: value, backendClass, path };
}

function validatePool(pool: unknown, path: string, connection: string): void {
  if (pool === undefined) return;
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}${field ? '.' + field : ''} ${message}`, { connection, field: `${path}.${field}` });
  };
  if (!pool || typeof pool !== 'object') fail('', 'must be an object: { min, max, idleTimeoutMs, acquireTimeoutMs }');
  const { min, max, idleTimeoutMs, acquireTimeoutMs, ...unknown } = pool as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) fail(extra[0]!, 'is not a pool option (min, max, idleTimeoutMs, acquireTimeoutMs)');
  const integer = (value: unknown, field: string, least: number) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= least)) {
      fail(field, `must be an integer of at least ${least}, got ${JSON.stringify(value)}`);
    }
  };
  integer(min, 'min', 0);
  integer(max, 'max', 1);
  integer(idleTimeoutMs, 'idleTimeoutMs', 1);
  integer(acquireTimeoutMs, 'acquireTimeoutMs', 1);
  if (typeof min === 'number' && typeof max === 'number' && min > max) fail('min', `(${min}) cannot exceed max (${max})`);
}

/**
 * Attach the connection name to an error raised by a check that does not know it (a backend's
 * `validateOptions`, which for a custom backend may throw any Error).
 */
function wrap<T>(connection: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ConfigurationError && error.connection !== undefined) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(`Connection '${connection}': ${message}`, {
      connection,
      field: error instanceof ConfigurationError ? error.field : undefined,
      cause: error instanceof ConfigurationError ? error.cause : error,
    });
  }
}
