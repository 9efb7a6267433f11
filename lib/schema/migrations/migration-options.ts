import { ConfigurationError } from '../../errors';

/** Where migrations live and how instances wait for each other: `migrations` in the module options. */
export interface MigrationsOptions {
  /**
   * The folder holding one sub-folder per connection, each with files named
   * `<timestamp>_<name>.ts` (or `.js`): `migrations/main/20250101120000_create_users.ts`.
   * Relative to the working directory; default `migrations`.
   */
  directory?: string;
  /** How long to wait for another instance's migration lock before failing; default 600000 (10 minutes). */
  lockTimeoutMs?: number;
  /**
   * Where the lock is a row (SQLite, Oracle, SQL Server): a holder that has not renewed it for
   * this long is presumed dead and the lock is taken over; default 60000.
   */
  lockLeaseMs?: number;
}

export interface ResolvedMigrationsOptions {
  readonly directory: string;
  readonly lockTimeoutMs: number;
  readonly lockLeaseMs: number;
}

export const MIGRATION_DEFAULTS: ResolvedMigrationsOptions = { directory: 'migrations', lockTimeoutMs: 600_000, lockLeaseMs: 60_000 };

/** Check `migrations` options; every message names the option at fault. */
export function resolveMigrationsOptions(options: MigrationsOptions | undefined, path = 'migrations'): ResolvedMigrationsOptions {
  if (options === undefined) return MIGRATION_DEFAULTS;
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError(`${path} must be an object: { directory, lockTimeoutMs, lockLeaseMs }`, { field: path });
  }
  const { directory, lockTimeoutMs, lockLeaseMs, ...rest } = options as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new ConfigurationError(`${path}.${extra} is not an option (directory, lockTimeoutMs, lockLeaseMs)`, { field: `${path}.${extra}` });
  if (directory !== undefined && (typeof directory !== 'string' || directory.trim() === '')) {
    throw new ConfigurationError(`${path}.directory must be a non-empty path`, { field: `${path}.directory` });
  }
  const positive = (value: unknown, field: string) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new ConfigurationError(`${path}.${field} must be a positive integer (milliseconds)`, { field: `${path}.${field}` });
    }
  };
  positive(lockTimeoutMs, 'lockTimeoutMs');
  positive(lockLeaseMs, 'lockLeaseMs');
  return {
    directory: (directory as string | undefined) ?? MIGRATION_DEFAULTS.directory,
    lockTimeoutMs: (lockTimeoutMs as number | undefined) ?? MIGRATION_DEFAULTS.lockTimeoutMs,
    lockLeaseMs: (lockLeaseMs as number | undefined) ?? MIGRATION_DEFAULTS.lockLeaseMs,
  };
}
