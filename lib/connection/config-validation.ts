import { resolveBackendClass, type BackendClass } from '../backend/backend-catalog';
import { ConfigurationError } from '../errors';
import { COMMON_OPTION_KEYS } from './common-options';
import type { ConnectionOptions, ConnectionSetOptions } from './connection-options';
import { validateLogging } from './logging-options';
import { checkReplicasSupported, validateReplicas } from './replica-options';
import { decodeEncryptionKey, KEY_ID } from './encryption-options';

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
  validateLogging(options.logging, 'logging');
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
  validateEncryption(options.encryption);
  return connections;
}

/**
 * `encryption: { keys: [{ id, key }] }`: at least one key, ids unique and plain, every key 32
 * bytes. Messages name the entry at fault and never quote a key.
 */
function validateEncryption(encryption: unknown): void {
  if (encryption === undefined) return;
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`encryption${field} ${message}`, { field: `encryption${field}` });
  };
  if (!encryption || typeof encryption !== 'object') fail('', "must be an object: { keys: [{ id: '2025-01', key: <32 bytes> }] }");
  const { keys, ...rest } = encryption as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) fail(`.${extra}`, 'is not an encryption option (keys)');
  if (!Array.isArray(keys) || keys.length === 0) fail('.keys', 'must list at least one key: [{ id, key }], the newest first');
  const ids = new Set<string>();
  (keys as unknown[]).forEach((entry, index) => {
    const at = `.keys[${index}]`;
    if (!entry || typeof entry !== 'object') fail(at, 'must be an object { id, key }');
    const { id, key, ...other } = entry as Record<string, unknown>;
    const unknownKey = Object.keys(other)[0];
    if (unknownKey !== undefined) fail(`${at}.${unknownKey}`, 'is not a key option (id, key)');
    if (typeof id !== 'string' || !KEY_ID.test(id)) fail(`${at}.id`, 'must be 1 to 32 letters, digits, _, - or .');
    if (ids.has(id as string)) fail(`${at}.id`, `repeats the id '${id as string}'; every key needs its own id`);
    ids.add(id as string);
    if (decodeEncryptionKey(key) === undefined) {
      fail(`${at}.key`, 'must be 32 bytes: a Buffer, 44 base64 characters or 64 hex digits (e.g. crypto.randomBytes(32).toString(\'base64\'))');
    }
  });
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

  for (const flag of ['synchronize', 'lazyConnect']) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') fail(flag, 'must be true or false');
  }
  validateLogging(options.logging, `${path}.logging`, name);
  for (const field of ['retryAttempts', 'retryDelayMs']) {
    const number = options[field];
    if (number !== undefined && !(Number.isInteger(number) && (number as number) >= 0)) fail(field, 'must be a non-negative integer');
  }
  checkReplicasSupported(options, backendClass, path, name);
  checkOptionKeys(options, backendClass, path, name);
  validatePool(options.pool, `${path}.pool`, name);
  wrap(name, () => backendClass.validateOptions?.(options, path));
  wrap(name, () => validateReplicas(options, backendClass, path, name));
  if (Array.isArray(options.replicas)) {
    options.replicas.forEach((replica: { pool?: unknown }, index) => validatePool(replica.pool, `${path}.replicas[${index}].pool`, name));
  }
  return { name, options: value, backendClass, path };
}

/** Keys of the top-level options, to point at a connection-level key that belongs there. */
const TOP_LEVEL_KEYS = ['defaultConnection', 'models', 'logger', 'coordinator', 'encryption'];

/**
 * Refuse option keys the backend does not read: a misspelled `statementTimeoutMS` or `pol`
 * would otherwise be ignored without a word. Backends that list their keys (every built-in one)
 * get this check; the message names the connection and the key, and suggests the nearest one.
 */
function checkOptionKeys(options: Record<string, unknown>, backendClass: BackendClass, path: string, connection: string): void {
  const own = backendClass.optionKeys;
  if (own === undefined) return;
  const known = [...COMMON_OPTION_KEYS, ...own];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const backend = typeof options.backend === 'string' ? `'${options.backend}'` : (backendClass as { name?: string }).name ?? 'this backend';
    const nearest = nearestKey(key, known);
    const hint = TOP_LEVEL_KEYS.includes(key)
      ? `; '${key}' is an option of the whole configuration, next to 'connections'`
      : nearest !== undefined
        ? `; did you mean '${nearest}'?`
        : '';
    throw new ConfigurationError(
      `Connection '${connection}': ${path}.${key} is not an option of backend ${backend}${hint} (options: ${known.join(', ')})`,
      { connection, field: `${path}.${key}` },
    );
  }
}

/** The known key closest to a misspelled one (case-insensitive edit distance), if any is close. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
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
