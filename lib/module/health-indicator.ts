import { Inject, Injectable } from '@nestjs/common';
import { ConnectionRegistry } from '../registry/connection-registry';
import { TransactionCoordinator } from '../distributed/transaction-coordinator';
import { ConfigurationError } from '../errors';

/**
 * One indicator's answer, in the shape @nestjs/terminus reads (its `HealthIndicatorResult`):
 * `{ [key]: { status, ...details } }`. Terminus counts a `down` status as a failed check (503)
 * on both its majors, so this class needs nothing from terminus at run time and terminus stays
 * an optional peer.
 */
export type ActiveRecordHealthResult<Key extends string = string> = Record<Key, { status: 'up' | 'down'; [detail: string]: unknown }>;

export interface PingCheckOptions {
  /** Down when the database has not answered within this long; default 1000. */
  timeoutMs?: number;
}

export interface CoordinatorCheckOptions {
  /** Down when more branches and sagas than this are in doubt at once; default 20. */
  maxInDoubt?: number;
  /**
   * Down when a prepared branch has been in doubt longer than this; default 60000, twice the
   * coordinator's default orphan timeout, after which recovery should have settled it.
   */
  maxAgeMs?: number;
  /** Down when the participants and the log have not all answered within this long; default 5000. */
  timeoutMs?: number;
}

const DEFAULT_PING_TIMEOUT_MS = 1_000;
const DEFAULT_MAX_IN_DOUBT = 20;
const DEFAULT_MAX_AGE_MS = 60_000;
const DEFAULT_COORDINATOR_TIMEOUT_MS = 5_000;

/**
 * Health checks for @nestjs/terminus: a ping per connection and a view of the coordinator's
 * unfinished work. Injectable anywhere once ActiveRecordModule is imported.
 *
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([
 *     () => this.activeRecord.pingCheck('main'),
 *     () => this.activeRecord.pingCheck('billing', { timeoutMs: 500 }),
 *     () => this.activeRecord.coordinatorCheck(),
 *   ]);
 * }
 * ```
 */
@Injectable()
export class ActiveRecordHealthIndicator {
  constructor(
    @Inject(ConnectionRegistry) private readonly registry: ConnectionRegistry,
    @Inject(TransactionCoordinator) private readonly coordinator: TransactionCoordinator,
  ) {}

  /** Up when the connection's database answers a trivial query within `timeoutMs`; the key is the connection's name. */
  async pingCheck<Name extends string>(connectionName: Name, options: PingCheckOptions = {}): Promise<ActiveRecordHealthResult<Name>> {
    if (!this.registry.has(connectionName)) {
      throw new ConfigurationError(
        `pingCheck('${connectionName}'): this application defines no such connection (defined: ${this.registry.connectionNames().join(', ') || 'none'})`,
        { connection: connectionName },
      );
    }
    const timeoutMs = checkedDuration(options.timeoutMs, DEFAULT_PING_TIMEOUT_MS, 'pingCheck timeoutMs');
    const connection = this.registry.get(connectionName);
    const backend = connection.dialect.name;
    const started = Date.now();
    try {
      await within(connection.query(connection.dialect.pingStatement), timeoutMs, `did not answer within ${timeoutMs} ms`);
      return result(connectionName, { status: 'up', backend, durationMs: Date.now() - started });
    } catch (error) {
      return result(connectionName, { status: 'down', backend, message: `Connection '${connectionName}' ${reason(error)}` });
    }
  }

  /**
   * Up while the coordinator's unfinished work looks like work in progress: down when more than
   * `maxInDoubt` prepared branches and unfinished sagas are pending, when a branch has been
   * prepared longer than `maxAgeMs` (recovery could not settle it: a participant or the log is
   * unreachable, or a node died), or when a saga failed to compensate (a human must look).
   */
  async coordinatorCheck<Key extends string = 'coordinator'>(key: Key = 'coordinator' as Key, options: CoordinatorCheckOptions = {}): Promise<ActiveRecordHealthResult<Key>> {
    const maxInDoubt = checkedCount(options.maxInDoubt, DEFAULT_MAX_IN_DOUBT, 'coordinatorCheck maxInDoubt');
    const maxAgeMs = checkedDuration(options.maxAgeMs, DEFAULT_MAX_AGE_MS, 'coordinatorCheck maxAgeMs');
    const timeoutMs = checkedDuration(options.timeoutMs, DEFAULT_COORDINATOR_TIMEOUT_MS, 'coordinatorCheck timeoutMs');
    let pending: Awaited<ReturnType<TransactionCoordinator['inDoubt']>>;
    try {
      pending = await within(this.coordinator.inDoubt(), timeoutMs, `did not list its pending work within ${timeoutMs} ms`);
    } catch (error) {
      return result(key, { status: 'down', message: `The coordinator ${reason(error)}` });
    }
    const ages = pending.branches.map((branch) => branch.ageMs).filter((age): age is number => age !== undefined);
    const oldestAgeMs = ages.length > 0 ? Math.max(...ages) : undefined;
    const failedSagas = pending.sagas.filter((saga) => saga.state === 'failed');
    const details = {
      inDoubtBranches: pending.branches.length,
      unfinishedSagas: pending.sagas.length - failedSagas.length,
      failedSagas: failedSagas.length,
      ...(oldestAgeMs === undefined ? {} : { oldestBranchAgeMs: oldestAgeMs }),
    };
    const problems: string[] = [];
    if (failedSagas.length > 0) {
      problems.push(`${failedSagas.length} saga(s) failed to compensate (${failedSagas.map((saga) => `${saga.name} ${saga.id}`).join(', ')}): a human must look`);
    }
    if (oldestAgeMs !== undefined && oldestAgeMs > maxAgeMs) {
      problems.push(`a branch has been in doubt for ${oldestAgeMs} ms (more than ${maxAgeMs}): check that every participant and the decision log are reachable, then run recovery`);
    }
    const count = pending.branches.length + pending.sagas.length;
    if (count > maxInDoubt) problems.push(`${count} branches and sagas are in doubt (more than ${maxInDoubt})`);
    if (problems.length === 0) return result(key, { status: 'up', ...details });
    return result(key, { status: 'down', ...details, message: problems.join('; ') });
  }
}

function result<Key extends string>(key: Key, detail: { status: 'up' | 'down'; [detail: string]: unknown }): ActiveRecordHealthResult<Key> {
  return { [key]: detail } as ActiveRecordHealthResult<Key>;
}

/** Settle with `work`, or fail with `message` after `ms` (the work itself goes on; its late failure is ignored). */
function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutMessage(message)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

class TimeoutMessage extends Error {}

function reason(error: unknown): string {
  if (error instanceof TimeoutMessage) return error.message;
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}

function checkedDuration(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ConfigurationError(`${option} must be a positive integer (milliseconds), got ${String(value)}`, { field: option });
  return value;
}

function checkedCount(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new ConfigurationError(`${option} must be a non-negative integer, got ${String(value)}`, { field: option });
  return value;
}
