import type { BranchId, TwoPhaseParticipant } from '../backend/two-phase';
import type { Connection } from '../connection/connection';
import { ConnectionError, TransactionError, UniqueConstraintError } from '../errors';
import { ActiveTransaction, type TransactionOutcome } from '../transaction/active-transaction';
import { runInScopes } from '../transaction/transaction-context';
import type { TransactionOptions } from '../transaction/transaction-options';
import type { CoordinatorEvents } from './coordinator-events';
import { DecisionLog, type ParticipantRecord } from './decision-log';
import { branchOf, newGlobalId } from './global-id';
import { runUnitHooks, shouldRollBackUnit, unitRollbackOnly, withDeadline } from './unit-support';

/** What the two-phase commit needs from the coordinator that runs it. */
export interface TwoPhaseContext {
  readonly nodeId: string;
  readonly prepareTimeoutMs: number;
  readonly commitTimeoutMs: number;
  readonly events: CoordinatorEvents;
  /** The configured decision log (used when the unit has no last resource). */
  decisionLog(): DecisionLog;
  /** Flip the decision record to `committed` once every branch is (batched, never awaited). */
  markCommitted(gid: string): void;
  /** Participants whose phase-2 commit failed: retried in the background until done. */
  retryCommit(connection: Connection, branch: BranchId): void;
  /** Check (once per connection) that the database can prepare. */
  ensureReady(connection: Connection, participant: TwoPhaseParticipant): Promise<void>;
  warn(message: string): void;
}

interface Branch {
  readonly connection: Connection;
  readonly participant: TwoPhaseParticipant | undefined;
  readonly id: BranchId;
  readonly transaction: ActiveTransaction;
  evidence?: string;
  state: 'active' | 'prepared' | 'ended';
}

/**
 * One unit of work across several connections, committed all-or-none: every participant that can
 * prepare does (PREPARE TRANSACTION, XA PREPARE); at most one that cannot is the last resource,
 * whose own local commit (with the decision record written inside it) is the decision, as
 * Logging Last Resource does it. Without a last resource, one record in the decision log is.
 * Presumed abort: nothing is logged before prepare, and a prepared branch without a commit
 * record is rolled back by recovery.
 */
export async function runTwoPhaseCommit<T>(
  context: TwoPhaseContext,
  connections: readonly Connection[],
  options: TransactionOptions,
  work: () => Promise<T>,
): Promise<T> {
  const lastResources = connections.filter((connection) => !connection.backend.twoPhase);
  if (lastResources.length > 1) {
    throw new TransactionError(
      `Connections ${lastResources.map((c) => `'${c.name}'`).join(' and ')} cannot prepare a transaction (${lastResources.map((c) => c.dialect.name).join(', ')}), ` +
        `and at most one such connection can join a two-phase commit, as its last resource. Use mode: 'saga' for this unit of work`,
    );
  }
  const lastResource = lastResources[0];
  for (const connection of connections) {
    if (connection.backend.twoPhase) await context.ensureReady(connection, connection.backend.twoPhase);
  }
  const lastResourceLog = lastResource ? new DecisionLog(lastResource) : undefined;
  await (lastResourceLog ?? context.decisionLog()).ensureTable();

  const gid = newGlobalId(context.nodeId);
  const unit = {};
  const branches: Branch[] = [];
  try {
    for (const [index, connection] of connections.entries()) branches.push(await openBranch(connection, branchOf(gid, index + 1), options, unit));
  } catch (error) {
    await abandon(branches);
    throw error;
  }
  await context.events.emit({ type: 'begin', gid, participants: connections.map((c) => c.name) });

  let result: T;
  try {
    const running = runInScopes(
      branches.map((branch) => [branch.connection, branch.transaction.root] as const),
      work,
    );
    result = await withDeadline(running, options.timeoutMs, branches.map((b) => b.transaction), () => `the transaction across ${connections.map((c) => `'${c.name}'`).join(', ')}`);
    const failedInside = unitRollbackOnly(branches.map((b) => b.transaction));
    if (failedInside) throw failedInside;
  } catch (error) {
    if (!shouldRollBackUnit(error, options) && branches.every((b) => b.transaction.isActive)) {
      await commitAll(context, gid, branches, lastResource, lastResourceLog);
      throw error;
    }
    await rollBackAll(context, gid, branches);
    throw error;
  }
  await commitAll(context, gid, branches, lastResource, lastResourceLog);
  return result;
}

async function openBranch(connection: Connection, id: BranchId, options: TransactionOptions, unit: object): Promise<Branch> {
  const session = await connection.backend.acquire();
  const transaction = new ActiveTransaction(connection, session, options.isolation, options.readOnly ?? false);
  transaction.unit = unit;
  const participant = connection.backend.twoPhase;
  const branch: Branch = { connection, participant, id, transaction, state: 'active' };
  try {
    const begin = { isolation: options.isolation, readOnly: options.readOnly };
    if (participant) branch.evidence = await participant.beginBranch(session, id, begin);
    else await connection.backend.begin(session, begin);
  } catch (error) {
    session.destroy();
    throw error;
  }
  return branch;
}

async function commitAll(
  context: TwoPhaseContext,
  gid: string,
  branches: Branch[],
  lastResource: Connection | undefined,
  lastResourceLog: DecisionLog | undefined,
): Promise<void> {
  // Phase 1: prepare every branch that can.
  for (const branch of branches) {
    if (!branch.participant) continue;
    try {
      await limit(branch.participant.prepareBranch(branch.transaction.session, branch.id), context.prepareTimeoutMs, () => `preparing on connection '${branch.connection.name}'`);
      branch.state = 'prepared';
    } catch (error) {
      // The failed branch's session may still be busy (a timed-out prepare): ask for a rollback,
      // then discard the session. A prepare that lands later has no commit decision, so
      // recovery rolls it back.
      branch.state = 'ended';
      void branch.participant.abortBranch(branch.transaction.session, branch.id).catch(() => undefined).finally(() => branch.transaction.session.destroy());
      if (branch.transaction.status === 'active') branch.transaction.status = 'rolled back';
      await rollBackAll(context, gid, branches);
      throw new TransactionError(
        `The transaction ${gid} was rolled back: connection '${branch.connection.name}' failed to prepare (${messageOf(error)})`,
        { connection: branch.connection.name, cause: error },
      );
    }
    await context.events.emit({ type: 'prepared', gid, connection: branch.connection.name });
  }

  const participants: ParticipantRecord[] = branches.map((branch) => ({
    connection: branch.connection.name,
    gtrid: branch.id.gtrid,
    bqual: branch.id.bqual,
    kind: branch.participant ? 'prepared' : 'last-resource',
    evidence: branch.evidence,
  }));

  // The decision.
  let decided: 'commit' | TransactionError;
  try {
    decided = lastResource
      ? await decideByLastResource(gid, branches.find((b) => !b.participant)!, lastResourceLog!, context.nodeId, participants)
      : await decideByLog(context, gid, participants);
  } catch (inDoubt) {
    // Neither outcome is known: leave the prepared branches to recovery. Their sessions are
    // discarded, since MySQL hides a prepared branch from other sessions while its own is alive.
    for (const branch of branches) if (branch.state !== 'ended') finishBranch(branch, 'rolled back', true);
    throw inDoubt;
  }
  if (decided !== 'commit') {
    await rollBackAll(context, gid, branches);
    throw decided;
  }
  await context.events.emit({ type: 'decided', gid, outcome: 'commit' });

  // Phase 2: commit the prepared branches. A participant that cannot be reached now is not
  // rolled back: the decision stands, and it is committed when it comes back.
  let pending = false;
  for (const branch of branches) {
    if (branch.state !== 'prepared') continue;
    try {
      await limit(branch.participant!.commitPrepared(branch.id, branch.transaction.session), context.commitTimeoutMs, () => `committing on connection '${branch.connection.name}'`);
      finishBranch(branch, 'committed');
      await context.events.emit({ type: 'branch-committed', gid, connection: branch.connection.name });
    } catch (error) {
      pending = true;
      finishBranch(branch, 'committed', true);
      context.warn(
        `Transaction ${gid} is committed, but connection '${branch.connection.name}' did not confirm its branch (${messageOf(error)}); ` +
          `it will be committed when the connection answers again`,
      );
      context.retryCommit(branch.connection, branch.id);
    }
  }
  // Not needed for correctness (recovery treats "committing" as commit): batched, off the caller's path.
  if (!lastResource && !pending) context.markCommitted(gid);
  await context.events.emit({ type: 'done', gid, outcome: 'committed' });
  await runUnitHooks(branches.map((b) => b.transaction), 'committed');
}

/**
 * Logging Last Resource: the decision record goes into the last resource's own transaction,
 * so its COMMIT is the decision. If the commit's outcome is unknown (the connection broke),
 * the record is read back on a fresh session; if even that fails, the outcome is in doubt
 * (thrown), and recovery decides from the record once the resource answers.
 */
async function decideByLastResource(
  gid: string,
  branch: Branch,
  log: DecisionLog,
  node: string,
  participants: ParticipantRecord[],
): Promise<'commit' | TransactionError> {
  const { connection, transaction } = branch;
  try {
    await runInScopes([[connection, transaction.root]], () => log.insert({ gid, node, state: 'committed', participants }, true));
    await connection.backend.commit(transaction.session);
    finishBranch(branch, 'committed');
    return 'commit';
  } catch (error) {
    finishBranch(branch, 'rolled back', true);
    if (error instanceof ConnectionError) {
      const records = await log.find([gid]).catch(() => undefined);
      if (records?.get(gid)?.state === 'committed') return 'commit';
      if (records === undefined) {
        // It may have committed: never roll the prepared branches back on a guess.
        throw new TransactionError(
          `The outcome of transaction ${gid} is unknown: connection '${connection.name}' (its last resource) broke during commit ` +
            `and cannot be read back; the prepared branches are left for recovery, which decides from that connection's record`,
          { connection: connection.name, cause: error },
        );
      }
    }
    return new TransactionError(`The transaction ${gid} was rolled back: its last resource, connection '${connection.name}', failed to commit (${messageOf(error)})`, {
      connection: connection.name,
      cause: error,
    });
  }
}

/**
 * Without a last resource the decision is one durable record. Recovery aborts an undecided
 * transaction by inserting a record under the same id first, so the primary key settles any race
 * between the two. If the log cannot be written and then cannot be read, the outcome is left in
 * doubt (the prepared branches wait for recovery): never guessed.
 */
async function decideByLog(context: TwoPhaseContext, gid: string, participants: ParticipantRecord[]): Promise<'commit' | TransactionError> {
  const log = context.decisionLog();
  try {
    await log.insert({ gid, node: context.nodeId, state: 'committing', participants });
    return 'commit';
  } catch (error) {
    if (error instanceof UniqueConstraintError) {
      return new TransactionError(`The transaction ${gid} was rolled back by recovery before it could commit (it ran longer than coordinator.orphanTimeoutMs)`, {
        cause: error,
      });
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const records = await log.find([gid]).catch(() => undefined);
      if (records?.get(gid)?.state === 'committing') return 'commit';
      if (records !== undefined) {
        if (await log.tombstone(gid, context.nodeId, participants).catch(() => false)) {
          return new TransactionError(`The transaction ${gid} was rolled back: its commit decision could not be written (${messageOf(error)})`, { cause: error });
        }
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
    throw new TransactionError(
      `The outcome of transaction ${gid} is in doubt: the decision log on connection '${log.connection.name}' could not be written or read ` +
        `(${messageOf(error)}). Its prepared branches are kept; recovery will decide once the log is reachable`,
      { connection: log.connection.name, cause: error },
    );
  }
}

/** Undo every branch: abandon the active ones, roll back the prepared ones. Never throws. */
async function rollBackAll(context: TwoPhaseContext, gid: string, branches: Branch[]): Promise<void> {
  for (const branch of branches) {
    if (branch.state === 'ended') continue;
    try {
      if (branch.state === 'prepared') await branch.participant!.rollbackPrepared(branch.id, branch.transaction.session);
      else if (branch.participant) await branch.participant.abortBranch(branch.transaction.session, branch.id);
      else await branch.connection.backend.rollback(branch.transaction.session);
      finishBranch(branch, 'rolled back');
      await context.events.emit({ type: 'branch-rolled-back', gid, connection: branch.connection.name });
    } catch (error) {
      finishBranch(branch, 'rolled back', true);
      context.warn(`Rolling back branch ${branch.id.bqual} of ${gid} on connection '${branch.connection.name}' failed (${messageOf(error)}); recovery will finish it`);
    }
  }
  await context.events.emit({ type: 'done', gid, outcome: 'rolled back' });
  await runUnitHooks(branches.map((b) => b.transaction), 'rolled back');
}

/** Abandon branches opened before the unit failed to start. */
async function abandon(branches: Branch[]): Promise<void> {
  for (const branch of branches) {
    try {
      if (branch.participant) await branch.participant.abortBranch(branch.transaction.session, branch.id);
      else await branch.connection.backend.rollback(branch.transaction.session);
      finishBranch(branch, 'rolled back');
    } catch {
      finishBranch(branch, 'rolled back', true);
    }
  }
}

function finishBranch(branch: Branch, outcome: TransactionOutcome, discardSession = false): void {
  branch.state = 'ended';
  if (branch.transaction.status === 'active') branch.transaction.status = outcome;
  if (discardSession) branch.transaction.session.destroy();
  else branch.transaction.session.release();
}

/** Give up waiting after `ms` (the operation itself may still finish: the callers allow for that). */
async function limit<T>(operation: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransactionError(`Timed out after ${ms} ms ${what()}`)), ms);
  });
  try {
    return await Promise.race([operation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
