import type { BackendClass } from '../backend/backend-catalog';
import { constructBackend, type BackendLogger, type StorageBackendClass } from '../backend/storage-backend';
import { ConfigurationError } from '../errors';
import { ReplicaSet } from './replica-set';

/** Defaults of the options that tune read replicas. */
export const REPLICA_DEFAULTS = { readYourWritesMs: 2000, replicaRetryMs: 5000 } as const;

/**
 * Where a server is and who logs in: a replica entry with a `url` takes none of these from the
 * primary (its URL is the whole address); one without takes them from the primary and overrides
 * what it sets (`{ host: 'replica-2' }`).
 */
const ADDRESS_FIELDS = ['url', 'host', 'port', 'socketPath', 'user', 'password', 'database'];

/** The options of replica `entry`: the primary's, with the entry's address and settings. */
export function replicaOptions(primary: Record<string, unknown>, entry: Record<string, unknown>): Record<string, unknown> {
  const { replicas: _replicas, lazyConnect: _lazy, synchronize: _synchronize, migrationsRun: _migrations, ...inherited } = primary;
  if (entry.url !== undefined) for (const field of ADDRESS_FIELDS) delete inherited[field];
  const merged: Record<string, unknown> = { ...inherited };
  for (const [key, value] of Object.entries(entry)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * Check `replicas`, `readYourWritesMs` and `replicaRetryMs` of a connection: the backend must
 * take replicas, each entry may set only that backend's replica fields, and the options each
 * replica would open with pass the backend's own checks (so a bad replica URL is a startup error
 * naming `connections.main.replicas[1].url`, never a surprise at the first read).
 */
export function validateReplicas(options: Record<string, unknown>, backendClass: BackendClass, path: string, connection: string): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}.${field} ${message}`, { connection, field: `${path}.${field}` });
  };
  for (const field of ['readYourWritesMs', 'replicaRetryMs']) {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) fail(field, `must be a non-negative integer (milliseconds), got ${JSON.stringify(value)}`);
  }
  const replicas = options.replicas;
  if (replicas === undefined) return;
  checkReplicasSupported(options, backendClass, path, connection);
  const fields = backendClass.replicaFields;
  if (!Array.isArray(replicas)) fail('replicas', `must be an array of replica options, e.g. [{ url: '...' }]`);
  (replicas as unknown[]).forEach((entry, index) => {
    const at = `replicas[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(at, `must be an object with the replica's address, e.g. { url: '...' }`);
    const record = entry as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!fields!.includes(key)) fail(`${at}.${key}`, `is not a replica option (a replica takes ${fields!.join(', ')}; the rest comes from the connection)`);
    }
    if (record.url === undefined && record.host === undefined && record.socketPath === undefined) {
      fail(at, `needs a url (or a host) to tell the replica from the primary`);
    }
    backendClass.validateOptions?.(replicaOptions(options, record), `${path}.${at}`);
  });
}

/** `replicas` on a backend that takes none: said before any other check of the connection's keys. */
export function checkReplicasSupported(options: Record<string, unknown>, backendClass: BackendClass, path: string, connection: string): void {
  if (options.replicas === undefined || backendClass.replicaFields !== undefined) return;
  throw new ConfigurationError(
    `${path}.replicas is not supported by this connection's backend (${describeBackend(options.backend)}); read replicas work with 'postgres', 'mysql' and 'mariadb'`,
    { connection, field: `${path}.replicas` },
  );
}

function describeBackend(backend: unknown): string {
  return typeof backend === 'function' ? backend.name || 'a custom backend' : `'${String(backend)}'`;
}

/** The ReplicaSet of a connection whose options name replicas (undefined otherwise). */
export function createReplicaSet(
  name: string,
  options: Record<string, unknown>,
  backendClass: StorageBackendClass,
  logger: BackendLogger,
): ReplicaSet | undefined {
  const entries = options.replicas as ReadonlyArray<Record<string, unknown>> | undefined;
  if (entries === undefined || entries.length === 0) return undefined;
  const backends = entries.map((entry) => constructBackend(backendClass, replicaOptions(options, entry), { connectionName: name, logger }));
  return new ReplicaSet(
    name,
    backends,
    logger,
    (options.readYourWritesMs as number | undefined) ?? REPLICA_DEFAULTS.readYourWritesMs,
    (options.replicaRetryMs as number | undefined) ?? REPLICA_DEFAULTS.replicaRetryMs,
  );
}
