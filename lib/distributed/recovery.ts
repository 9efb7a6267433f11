import type { BranchId, TwoPhaseParticipant } from '../backend/two-phase';
import type { Connection } from '../connection/connection';
import { ConfigurationError, HeuristicCompletionError, UniqueConstraintError } from '../errors';
import type { CoordinatorEvents } from './coordinator-events';
import { DecisionLog, type DecisionRecord, type ParticipantRecord } from './decision-log';
import { ALL_NODES, nodeOf, nodePrefix, startedAt } from './global-id';
import type { NodeLeases } from './node-leases';
import type { SagaLog } from './saga/saga-log';
import { compensateRecorded, type SagaContext } from './saga/saga-runner';
import { isMissingTable } from './table-guard';

/** What recovery needs from the coordinator. */
export interface RecoveryContext extends SagaContext {
  readonly orphanTimeoutMs: number;
  readonly retainMs: number;
  connections(): readonly Connection[];
  decisionLog(): DecisionLog;
  sagaLog(): SagaLog;
  readonly events: CoordinatorEvents;
  /** Node leases, where the coordinator keeps them (configured or used across databases). */
  leases(): NodeLeases | undefined;
}

export interface BranchReport {
  readonly gid: string;
  readonly connection: string;
}

export interface RecoveryReport {
  readonly committed: BranchReport[];
  readonly rolledBack: BranchReport[];
  /** Branches younger than the orphan timeout, left alone (a live transaction may own them). */
  readonly leftYoung: BranchReport[];
  /** Undecided branches left prepared because a possible last resource could not be read. */
  readonly leftUndecided: BranchReport[];
  /** Connections that could not be inspected, with the reason. */
  readonly unreachable: Array<{ connection: string; reason: string }>;
  readonly sagasCompensated: string[];
  readonly sagasLeft: Array<{ id: string; reason: string }>;
  /** Nodes whose lease had expired and whose work this run settled (or tried to). */
  readonly nodesTakenOver: string[];
}

export interface InDoubtBranch {
  /** The node that ran the transaction (from its id). */
  readonly node: string;
  readonly gid: string;
  readonly connection: string;
  readonly bqual: string;
  /** The recorded decision, or undefined (presumed abort once the branch is older than the orphan timeout). */
  readonly decision?: DecisionRecord['state'];
  readonly ageMs?: number;
}

interface Found {
  readonly connection: Connection;
  readonly participant: TwoPhaseParticipant;
  readonly branch: BranchId;
}

/**
 * Bring every database back into agreement after crashes: commit prepared branches whose
 * transaction has a commit decision, roll back the others once they are older than the orphan
 * timeout (presumed abort, recorded with a tombstone first so a late decision cannot follow),
 * finish sagas whose driver died by compensating them, and purge old records. Idempotent, and
 * safe to run in two processes at once: committing or rolling back a branch twice is harmless,
 * the tombstone's primary key settles races over a decision, and a saga is taken over by one
 * conditional update. Raises HeuristicCompletionError (after doing everything else) when a
 * branch was resolved against its decision by someone else.
 */
export async function recover(context: RecoveryContext): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    committed: [],
    rolledBack: [],
    leftYoung: [],
    leftUndecided: [],
    unreachable: [],
    sagasCompensated: [],
    sagasLeft: [],
    nodesTakenOver: [],
  };
  const heuristics: string[] = [];
  await recoverNode(context, context.nodeId, report, heuristics);

  // Nodes that died and never came back (a replaced pod has a new host name): each is claimed by
  // one survivor, settled, and forgotten once nothing of it is left.
  const leases = context.leases();
  const dead = leases
    ? await leases.claimExpired().catch((error: unknown) => {
        report.unreachable.push({ connection: context.decisionLog().connection.name, reason: `node leases: ${messageOf(error)}` });
        return [];
      })
    : [];
  for (const node of dead) {
    report.nodesTakenOver.push(node.node);
    const settled = await recoverNode(context, node.node, report, heuristics);
    await leases!.release(node, settled).catch(() => undefined);
  }

  await recoverSagas(context, report);
  await purge(context);

  if (heuristics.length > 0) {
    throw new HeuristicCompletionError(
      `Recovery found branches resolved against their transaction's decision; the databases disagree and a human must look:\n  ${heuristics.join('\n  ')}`,
    );
  }
  return report;
}

/** Settle one node's prepared branches and decisions; true when nothing of it is left pending. */
async function recoverNode(context: RecoveryContext, node: string, report: RecoveryReport, heuristics: string[]): Promise<boolean> {
  const pendingBefore = report.leftYoung.length + report.leftUndecided.length + report.unreachable.length;
  const prepared = await listPrepared(context, nodePrefix(node), report.unreachable);
  const decisions = await readDecisions(context, [...prepared.keys()], report.unreachable);
  const lastResourceUnreadable = report.unreachable.some((entry) => !context.connections().find((c) => c.name === entry.connection)?.backend.twoPhase);

  for (const [gid, branches] of prepared) {
    let decision = decisions.get(gid)?.state;
    if (decision === undefined) {
      const age = Date.now() - (startedAt(gid)?.getTime() ?? 0);
      if (age < context.orphanTimeoutMs) {
        report.leftYoung.push(...branches.map((b) => ({ gid, connection: b.connection.name })));
        continue;
      }
      if (lastResourceUnreadable) {
        report.leftUndecided.push(...branches.map((b) => ({ gid, connection: b.connection.name })));
        continue;
      }
      decision = await tombstoneOrRead(context, gid, branches);
    }
    await resolveBranches(context, gid, branches, decision === 'committing' || decision === 'committed', report);
  }

  const committingLeft = await finishCommitted(context, node, prepared, report, heuristics);
  return committingLeft === 0 && report.leftYoung.length + report.leftUndecided.length + report.unreachable.length === pendingBefore;
}

async function resolveBranches(context: RecoveryContext, gid: string, branches: readonly Found[], commit: boolean, report: RecoveryReport): Promise<void> {
  for (const found of branches) {
    try {
      const result = commit ? await found.participant.commitPrepared(found.branch) : await found.participant.rollbackPrepared(found.branch);
      if (result === 'unknown') {
        // Listed as prepared a moment ago, yet unknown now: resolved meanwhile by another
        // recovery, or (MySQL) still held by a live session that prepared it.
        report.unreachable.push({ connection: found.connection.name, reason: `branch ${found.branch.bqual} of ${gid} could not be resolved from here (resolved elsewhere, or held by a live session)` });
        continue;
      }
      (commit ? report.committed : report.rolledBack).push({ gid, connection: found.connection.name });
      await context.events.emit({ type: 'recovered', gid, connection: found.connection.name, action: commit ? 'committed' : 'rolled back' });
    } catch (error) {
      report.unreachable.push({ connection: found.connection.name, reason: messageOf(error) });
    }
  }
}

/**
 * An operator's decision for one global transaction (`tx resolve <gid> commit|rollback`): recorded
 * in the decision log first (so that every database, and any later recovery, agrees with it),
 * then applied to every branch still prepared. A different decision already recorded is refused.
 */
export async function resolveManually(context: RecoveryContext, gid: string, outcome: 'commit' | 'rollback'): Promise<RecoveryReport> {
  const report: RecoveryReport = { committed: [], rolledBack: [], leftYoung: [], leftUndecided: [], unreachable: [], sagasCompensated: [], sagasLeft: [], nodesTakenOver: [] };
  const node = nodeOf(gid);
  if (!node) throw new ConfigurationError(`'${gid}' is not a global transaction id of this library (ar.<node>.<time>-<random>)`);
  const prepared = (await listPrepared(context, `${gid}`, report.unreachable)).get(gid) ?? [];
  const recorded = (await readDecisions(context, [gid], report.unreachable)).get(gid)?.state;
  const commit = outcome === 'commit';
  if (recorded !== undefined && (recorded === 'aborted') === commit) {
    throw new ConfigurationError(`Transaction ${gid} already has the decision '${recorded}' in the log; resolving it to ${outcome} would make the databases disagree`);
  }
  if (recorded === undefined) {
    const log = context.decisionLog();
    await log.ensureTable();
    const participants: ParticipantRecord[] = prepared.map((b) => ({ connection: b.connection.name, gtrid: b.branch.gtrid, bqual: b.branch.bqual, kind: 'prepared' }));
    const record = { gid, node, state: commit ? ('committing' as const) : ('aborted' as const), participants };
    try {
      await log.insert(record);
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      return resolveManually(context, gid, outcome);
    }
  }
  await resolveBranches(context, gid, prepared, commit, report);
  if (commit) await context.decisionLog().markCommitted([gid]).catch(() => undefined);
  return report;
}

/**
 * What is pending now, on this node (or on every node): prepared branches (with their node,
 * decision and age), and unfinished or failed sagas. What cannot be reached is listed too, rather
 * than silently left out.
 */
export async function inDoubt(context: RecoveryContext, allNodes = false): Promise<{
  branches: InDoubtBranch[];
  sagas: Array<{ id: string; name: string; state: string; node: string; ageMs: number }>;
  unreachable: Array<{ connection: string; reason: string }>;
}> {
  const unreachable: Unreachable[] = [];
  const prepared = await listPrepared(context, allNodes ? ALL_NODES : nodePrefix(context.nodeId), unreachable);
  const decisions = await readDecisions(context, [...prepared.keys()], unreachable);
  const branches: InDoubtBranch[] = [];
  for (const [gid, found] of prepared) {
    const started = startedAt(gid);
    for (const { connection, branch } of found) {
      branches.push({
        node: nodeOf(gid) ?? '?',
        gid,
        connection: connection.name,
        bqual: branch.bqual,
        decision: decisions.get(gid)?.state,
        ageMs: started ? Date.now() - started.getTime() : undefined,
      });
    }
  }
  const log = context.sagaLog();
  const records = [...(await log.unfinished().catch(() => [])), ...(await log.withState('failed').catch(() => []))].filter(
    (record) => allNodes || record.node === context.nodeId,
  );
  const sagas = records.map((s) => ({ id: s.id, name: s.name, state: s.state, node: s.node, ageMs: Date.now() - (startedAt(s.id)?.getTime() ?? s.updatedAt.getTime()) }));
  return { branches, sagas, unreachable };
}

type Unreachable = { connection: string; reason: string };

async function listPrepared(context: RecoveryContext, prefix: string, unreachable: Unreachable[]): Promise<Map<string, Found[]>> {
  const byGid = new Map<string, Found[]>();
  // Two connections to one database (say, two schemas) both see its prepared branches; branch
  // ids are unique across participants, so each is handled once.
  const seen = new Set<string>();
  for (const connection of context.connections()) {
    const participant = connection.backend.twoPhase;
    if (!participant) continue;
    try {
      for (const { branch } of await participant.listPrepared(prefix)) {
        const key = `${branch.gtrid}:${branch.bqual}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = byGid.get(branch.gtrid) ?? [];
        list.push({ connection, participant, branch });
        byGid.set(branch.gtrid, list);
      }
    } catch (error) {
      unreachable.push({ connection: connection.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return byGid;
}

/**
 * Decisions live in the configured log, and, for units that had a last resource, in that
 * resource's own table: read both.
 */
async function readDecisions(context: RecoveryContext, gids: readonly string[], unreachable: Unreachable[]): Promise<Map<string, DecisionRecord>> {
  const decisions = new Map<string, DecisionRecord>();
  if (gids.length === 0) return decisions;
  const logs = decisionPlaces(context);
  for (const log of logs) {
    try {
      for (const [gid, record] of await log.find(gids)) {
        if (record.state !== 'aborted' || !decisions.has(gid)) decisions.set(gid, record);
      }
    } catch (error) {
      if (!isMissingTable(error)) unreachable.push({ connection: log.connection.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return decisions;
}

/**
 * Abort an undecided transaction, unless a decision turns up. A decision is only ever written in
 * one of two kinds of place: the decision log (units without a last resource) or a last
 * resource's own table, inside that resource's commit. The tombstone goes into every one of them,
 * under the same key the decision would take, so that recovery and a live unit racing it contend
 * on one key in one place: whichever writes first wins, and the other sees it. (Writing it only
 * into the log once let a unit whose last resource committed its decision report success while
 * recovery rolled its prepared branches back.)
 */
async function tombstoneOrRead(context: RecoveryContext, gid: string, branches: Found[]): Promise<DecisionRecord['state']> {
  const participants: ParticipantRecord[] = branches.map((b) => ({ connection: b.connection.name, gtrid: b.branch.gtrid, bqual: b.branch.bqual, kind: 'prepared' }));
  for (const log of decisionPlaces(context)) {
    await log.ensureTable();
    if (await log.tombstone(gid, nodeOf(gid) ?? context.nodeId, participants)) continue;
    const state = (await log.find([gid])).get(gid)?.state;
    if (state === 'committing' || state === 'committed') return state;
  }
  return 'aborted';
}

/** Every table a decision can be written in: the last resources' own, then the configured log. */
function decisionPlaces(context: RecoveryContext): DecisionLog[] {
  const log = context.decisionLog();
  const lastResources = context.connections().filter((connection) => !connection.backend.twoPhase && connection !== log.connection);
  return [...lastResources.map((connection) => new DecisionLog(connection)), log];
}

/**
 * Records still `committing` whose branches are no longer prepared: check that each branch
 * really committed (a branch rolled back by hand is a heuristic outcome), then mark them done.
 */
async function finishCommitted(context: RecoveryContext, node: string, prepared: Map<string, Found[]>, report: RecoveryReport, heuristics: string[]): Promise<number> {
  const log = context.decisionLog();
  const committing = await log.withStates(node, ['committing']).catch(() => []);
  const unreachable = new Set(report.unreachable.map((entry) => entry.connection));
  const done: string[] = [];
  for (const record of committing) {
    if (prepared.has(record.gid) && !report.committed.some((entry) => entry.gid === record.gid)) continue;
    if (record.participants.some((p) => unreachable.has(p.connection))) continue;
    for (const participantRecord of record.participants) {
      if (participantRecord.kind !== 'prepared') continue;
      const connection = context.connections().find((c) => c.name === participantRecord.connection);
      const outcome = await connection?.backend.twoPhase
        ?.outcomeOf({ gtrid: participantRecord.gtrid, bqual: participantRecord.bqual }, participantRecord.evidence)
        .catch(() => 'unknown' as const);
      if (outcome === 'rolled back') {
        heuristics.push(`transaction ${record.gid} was decided commit, but its branch on connection '${participantRecord.connection}' was rolled back`);
      }
    }
    done.push(record.gid);
  }
  await log.markCommitted(done).catch(() => undefined);
  return committing.length - done.length;
}

async function recoverSagas(context: RecoveryContext, report: RecoveryReport): Promise<void> {
  const log = context.sagaLog();
  const stale = await log.unfinished(new Date()).catch((error: unknown) => {
    if (!isMissingTable(error)) report.unreachable.push({ connection: log.connection.name, reason: String(error) });
    return [];
  });
  for (const record of stale) {
    if (!(await log.claim(record, context.nodeId, new Date(Date.now() + context.leaseMs)))) continue;
    try {
      await compensateRecorded(context, { ...record, node: context.nodeId });
      report.sagasCompensated.push(record.id);
    } catch (error) {
      report.sagasLeft.push({ id: record.id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
}

async function purge(context: RecoveryContext): Promise<void> {
  const before = new Date(Date.now() - context.retainMs);
  await context.decisionLog().purge(before).catch(() => undefined);
  for (const connection of context.connections()) await connection.backend.twoPhase?.purgeEvidence?.(before).catch(() => undefined);
  await context.sagaLog().purge(before).catch(() => undefined);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
