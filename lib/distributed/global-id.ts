import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BranchId } from '../backend/two-phase';
import { ConfigurationError } from '../errors';

/**
 * Global transaction ids: `ar.<node>.<time>-<random>`. The prefix lets recovery recognise our
 * branches among everything prepared on a database; the node keeps one application's recovery
 * away from another's branches; the creation time (base 36 milliseconds) gives every branch an
 * age, even on databases that do not record when a branch was prepared (MySQL), so recovery can
 * leave young branches of live transactions alone. At most 64 bytes: XA's gtrid limit.
 */
const PREFIX = 'ar';
const NODE = /^[A-Za-z0-9-]{1,24}$/;

export function checkNodeId(node: unknown): string {
  if (typeof node !== 'string' || !NODE.test(node)) {
    throw new ConfigurationError(
      `coordinator.nodeId must be 1-24 letters, digits or '-' (it goes into every branch id), got ${JSON.stringify(node)}`,
      { field: 'coordinator.nodeId' },
    );
  }
  return node;
}

/** The host name, cleaned up: stable across restarts on one machine. Containers should set nodeId. */
export function defaultNodeId(): string {
  const cleaned = hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 24).replace(/^-+|-+$/g, '');
  return cleaned || 'node';
}

export function newGlobalId(node: string, now = Date.now()): string {
  return `${PREFIX}.${node}.${now.toString(36)}-${randomBytes(8).toString('hex')}`;
}

/** What every gtrid of every node starts with. */
export const ALL_NODES = `${PREFIX}.`;

/** The node that began a global transaction, from its id (undefined for an id that is not ours). */
export function nodeOf(gid: string): string | undefined {
  return /^ar\.([A-Za-z0-9-]+)\./.exec(gid)?.[1];
}

/** What every gtrid of this node starts with. */
export function nodePrefix(node: string): string {
  return `${PREFIX}.${node}.`;
}

export function branchOf(gid: string, index: number): BranchId {
  return { gtrid: gid, bqual: String(index) };
}

/** When the transaction with this gid began, or undefined for an id that is not ours. */
export function startedAt(gid: string): Date | undefined {
  const match = /^ar\.[A-Za-z0-9-]+\.([0-9a-z]+)-[0-9a-f]{16}$/.exec(gid);
  if (!match) return undefined;
  const millis = parseInt(match[1]!, 36);
  return Number.isFinite(millis) ? new Date(millis) : undefined;
}
