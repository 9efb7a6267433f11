import { ConfigurationError } from '../errors';
import { checkNodeId, defaultNodeId } from './global-id';

export interface CoordinatorOptions {
  /**
   * Where the decision log lives: a connection of the application (default: the default
   * connection). When a unit has a last resource, its decision is written in that resource's
   * own database instead, inside its commit.
   */
  log?: { connection: string };
  /**
   * This application's name in branch ids. Default: the host name. On a StatefulSet (stable pod
   * names) that is enough; on a Deployment or an autoscaled group any id works, since a node that
   * never returns is taken over by the others once its lease (`nodeLeaseMs`) expires.
   */
  nodeId?: string;
  /** Run recovery when the application starts; default true. */
  recoverOnStartup?: boolean;
  /**
   * Recovery leaves branches younger than this alone (a live transaction may still be deciding
   * them); default 30000.
   */
  orphanTimeoutMs?: number;
  /**
   * A participant that takes longer than this to prepare is treated as having failed to prepare:
   * the unit rolls back (a prepare that completes later is rolled back by recovery, since no commit
   * decision exists for it). Default 30000.
   */
  prepareTimeoutMs?: number;
  /** A phase-2 commit that takes longer is retried later, like an unreachable participant. Default 30000. */
  commitTimeoutMs?: number;
  /** Retry phase-2 commits that failed (a participant was unreachable) this often; default 5000. */
  commitRetryIntervalMs?: number;
  /** Keep finished decision records and saga logs this long before recovery purges them; default 7 days. */
  retainMs?: number;
  /**
   * How long a node's lease lasts without renewal (it renews every third of it). Once it has
   * expired, recovery on any other node settles the dead node's work. Default 30000.
   */
  nodeLeaseMs?: number;
}

export interface ResolvedCoordinatorOptions {
  readonly logConnection: string | undefined;
  readonly nodeId: string;
  readonly recoverOnStartup: boolean;
  readonly orphanTimeoutMs: number;
  readonly commitRetryIntervalMs: number;
  readonly prepareTimeoutMs: number;
  readonly commitTimeoutMs: number;
  readonly retainMs: number;
  readonly nodeLeaseMs: number;
}

export function resolveCoordinatorOptions(options: CoordinatorOptions = {}): ResolvedCoordinatorOptions {
  const duration = (value: number | undefined, field: string, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigurationError(`coordinator.${field} must be a non-negative integer`, { field: `coordinator.${field}` });
    }
    return value;
  };
  if (options.log !== undefined && (typeof options.log !== 'object' || typeof options.log.connection !== 'string')) {
    throw new ConfigurationError(`coordinator.log must be { connection: '<name>' }`, { field: 'coordinator.log' });
  }
  return {
    logConnection: options.log?.connection,
    nodeId: options.nodeId === undefined ? defaultNodeId() : checkNodeId(options.nodeId),
    recoverOnStartup: options.recoverOnStartup ?? true,
    orphanTimeoutMs: duration(options.orphanTimeoutMs, 'orphanTimeoutMs', 30_000),
    commitRetryIntervalMs: duration(options.commitRetryIntervalMs, 'commitRetryIntervalMs', 5_000),
    prepareTimeoutMs: duration(options.prepareTimeoutMs, 'prepareTimeoutMs', 30_000),
    commitTimeoutMs: duration(options.commitTimeoutMs, 'commitTimeoutMs', 30_000),
    retainMs: duration(options.retainMs, 'retainMs', 7 * 24 * 3600 * 1000),
    nodeLeaseMs: duration(options.nodeLeaseMs, 'nodeLeaseMs', 30_000),
  };
}
