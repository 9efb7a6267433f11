import type { BeginOptions } from '../backend/transaction-options';
import type { BranchId, TwoPhaseParticipant } from '../backend/two-phase';
import type { Connection } from '../connection/connection';
import { ConnectionError, TransactionError, UniqueConstraintError } from '../errors';
import type { Branch } from '../transaction/branch';
import type { CommitStrategy, Unit } from '../transaction/unit';
import type { CoordinatorEvents } from './coordinator-events';
import { DecisionLog, type ParticipantRecord } from './decision-log';
import type { DecisionWriter } from './decision-writer';
import { branchOf, newGlobalId } from './global-id';

/** What two-phase commit needs from the coordinator that owns it. */
export interface TwoPhaseContext {
  readonly nodeId: string;
  readonly prepareTimeoutMs: number;
  readonly commitTimeoutMs: number;
  readonly events: CoordinatorEvents;
  /** The configured decision log (used when the unit has no last resource). */
  decisionLog(): DecisionLog;
  /** Writes decisions to that log on a session of its own, batching concurrent units. */
  decisionWriter(): DecisionWriter;
  /** Flip the decision record to `committed` once every branch is (batched, never awaited). */
  markCommitted(gid: string): void;
  /** Participants whose phase-2 commit failed: retried in the background until done. */
  retryCommit(connection: Connection, branch: BranchId): void;
  /** Check (once per connection) that the database can prepare. */
  ensureReady(connection: Connection, participant: TwoPhaseParticipant): Promise<void>;
  /** Hold this node's lease (once; survivors take over its branches only if it dies). */
  startLease(): Promise<void>;
  warn(message: string): void;
}

/**
 * Two-phase commit as a commit strategy of the transaction engine: every participant that can
 * prepare does (PREPARE TRANSACTION, XA PREPARE); at most one that cannot is the last resource,
 * whose own local commit (with the decision record written inside it) is the decision, as
 * Logging Last Resource does it. Without a last resource, one record in the decision log is.
 * Presumed abort: nothing is logged before prepare, and a prepared branch without a commit
 * record is rolled back by recovery.
 */
export class TwoPhaseCommit implements CommitStrategy {
  readonly kind = 'two-phase' as const;

  constructor(private readonly context: TwoPhaseContext) {}

  async admit(unit: Unit, connections: readonly Connection[]): Promise<void> {
    const lastResources = connections.filter((connection) => !connection.backend.twoPhase);
    if (lastResources.length > 1) {
      throw new TransactionError(
        `Connections ${lastResources.map((c) => `'${c.name}'`).join(' and ')} cannot prepare a transaction (${lastResources.map((c) => c.dialect.name).join(', ')}), ` +
          `and at most one such connection can join a two-phase commit, as its last resource. Use mode: 'saga' for this unit of work`,
        { connection: lastResources[0]!.name },
      );
    }
    for (const connection of connections) {
      const participant = connection.backend.twoPhase;
      if (participant) await this.context.ensureReady(connection, participant);
    }
    const lastResource = lastResources[0];
    // A last resource already in the unit (a transaction widened into it) holds its connection:
    // its decision table is made, if missing, on that session when the decision is written.
    if (!(lastResource && unit.branchFor(lastResource))) {
      await (lastResource ? new DecisionLog(lastResource) : this.context.decisionLog()).ensureTable();
    }
    unit.gid ??= newGlobalId(this.context.nodeId);
    await this.context.startLease();
  }

  async beginBranch(unit: Unit, branch: Branch, options: BeginOptions): Promise<void> {
    const participant = branch.connection.backend.twoPhase;
    branch.id = branchOf(unit.gid!, branch.index);
    if (participant) {
      branch.kind = 'prepared';
      branch.evidence = await participant.beginBranch(branch.session, branch.id, options);
    } else {
      branch.kind = 'last-resource';
      await branch.connection.backend.begin(branch.session, options);
    }
  }

  /**
   * A transaction begun on one connection is widened into this unit. PostgreSQL can prepare any
   * open transaction; a database that cannot prepare becomes the last resource; one that must
   * start its branches with XA START (MySQL/MariaDB, Oracle) cannot join after the fact.
   */
  async adoptBranch(unit: Unit, branch: Branch): Promise<void> {
    const participant = branch.connection.backend.twoPhase;
    branch.id = branchOf(unit.gid!, branch.index);
    if (!participant) {
      branch.kind = 'last-resource';
      return;
    }
    if (!participant.adoptBranch) {
      throw new TransactionError(
        `The transaction open on connection '${branch.connection.name}' cannot join a cross-database unit: ` +
          `${branch.connection.dialect.name} cannot turn a local transaction into a two-phase branch (its branches begin with XA START). ` +
          `Nothing was written by the unit. Begin the unit first: name every connection in the outer method's ` +
          `@Transactional({ connections: [...] }), or run this call with propagation REQUIRES_NEW`,
        { connection: branch.connection.name },
      );
    }
    branch.kind = 'prepared';
    branch.evidence = await participant.adoptBranch(branch.session, branch.id);
  }

  async started(unit: Unit): Promise<void> {
    await this.context.events.emit({ type: 'begin', gid: unit.gid!, participants: unit.connections.map((c) => c.name) });
  }

  async commit(unit: Unit): Promise<void> {
    const { context } = this;
    const gid = unit.gid!;
    const branches = unit.branches;
    const lastResource = branches.find((branch) => branch.kind === 'last-resource');

    // Phase 1: every branch that can prepares, all at once. Each reports 'prepared' as it
    // finishes (the fault-injection tests stop the process there); a crash at any point leaves
    // some branches prepared and none decided, which recovery rolls back.
    const preparing = branches.filter((branch) => branch.kind === 'prepared');
    const results = await Promise.allSettled(preparing.map((branch) => this.prepare(gid, branch)));
    const failed = results.findIndex((result) => result.status === 'rejected');
    if (failed >= 0) {
      const branch = preparing[failed]!;
      const error = (results[failed] as PromiseRejectedResult).reason;
      await this.rollback(unit);
      throw new TransactionError(`The transaction ${gid} was rolled back: connection '${branch.connection.name}' failed to prepare (${messageOf(error)})`, {
        connection: branch.connection.name,
        cause: error,
      });
    }

    const participants: ParticipantRecord[] = branches.map((branch) => ({
      connection: branch.connection.name,
      gtrid: branch.id!.gtrid,
      bqual: branch.id!.bqual,
      kind: branch.kind === 'last-resource' ? 'last-resource' : 'prepared',
      evidence: branch.evidence,
    }));

    // The decision.
    let decided: 'commit' | TransactionError;
    try {
      decided = lastResource ? await this.decideByLastResource(gid, lastResource, participants) : await this.decideByLog(gid, participants);
    } catch (inDoubt) {
      // Neither outcome is known: leave the prepared branches to recovery. Their sessions are
      // discarded, since MySQL hides a prepared branch from other sessions while its own is alive.
      unit.inDoubt = true;
      for (const branch of branches) {
        if (branch.state === 'ended') continue;
        branch.state = 'ended';
        branch.discard = true;
      }
      throw inDoubt;
    }
    if (decided !== 'commit') {
      await this.rollback(unit);
      throw decided;
    }
    await context.events.emit({ type: 'decided', gid, outcome: 'commit' });

    // Phase 2: the prepared branches commit, all at once. A participant that cannot be reached
    // now is not rolled back: the decision stands, and it is committed when it comes back.
    const committed = await Promise.all(branches.filter((branch) => branch.state === 'prepared').map((branch) => this.commitBranch(gid, branch)));
    const pending = committed.includes(false);
    // Not needed for correctness (recovery treats "committing" as commit): batched, off the caller's path.
    if (!lastResource && !pending) context.markCommitted(gid);
    await context.events.emit({ type: 'done', gid, outcome: 'committed' });
  }

  /** Prepare one branch; on failure it is abandoned (and its session discarded) before the error goes up. */
  private async prepare(gid: string, branch: Branch): Promise<void> {
    const participant = branch.connection.backend.twoPhase!;
    await this.context.events.emit({ type: 'preparing', gid, connection: branch.connection.name });
    try {
      await limit(participant.prepareBranch(branch.session, branch.id!), this.context.prepareTimeoutMs, () => `preparing on connection '${branch.connection.name}'`);
    } catch (error) {
      // The session may still be busy (a timed-out prepare): ask for a rollback, and discard it.
      // A prepare that lands later has no commit decision, so recovery rolls it back.
      branch.state = 'ended';
      branch.discard = true;
      void participant.abortBranch(branch.session, branch.id!).catch(() => undefined);
      throw error;
    }
    branch.state = 'prepared';
    await this.context.events.emit({ type: 'prepared', gid, connection: branch.connection.name });
  }

  /** Commit one prepared branch; false when its participant did not confirm (retried later). */
  private async commitBranch(gid: string, branch: Branch): Promise<boolean> {
    try {
      await limit(branch.connection.backend.twoPhase!.commitPrepared(branch.id!, branch.session), this.context.commitTimeoutMs, () => `committing on connection '${branch.connection.name}'`);
    } catch (error) {
      branch.state = 'ended';
      branch.discard = true;
      this.context.warn(
        `Transaction ${gid} is committed, but connection '${branch.connection.name}' did not confirm its branch (${messageOf(error)}); ` +
          `it will be committed when the connection answers again`,
      );
      this.context.retryCommit(branch.connection, branch.id!);
      return false;
    }
    branch.state = 'ended';
    await this.context.events.emit({ type: 'branch-committed', gid, connection: branch.connection.name });
    return true;
  }

  /** Undo every branch: abandon the active ones, roll back the prepared ones. Never throws. */
  async rollback(unit: Unit): Promise<void> {
    const gid = unit.gid!;
    for (const branch of unit.branches) {
      if (branch.state === 'ended') continue;
      const participant = branch.connection.backend.twoPhase;
      try {
        if (branch.state === 'prepared') await participant!.rollbackPrepared(branch.id!, branch.session);
        else if (branch.kind === 'prepared') await participant!.abortBranch(branch.session, branch.id!);
        else await branch.connection.backend.rollback(branch.session);
        branch.state = 'ended';
        await this.context.events.emit({ type: 'branch-rolled-back', gid, connection: branch.connection.name });
      } catch (error) {
        branch.state = 'ended';
        branch.discard = true;
        this.context.warn(`Rolling back branch ${branch.id?.bqual} of ${gid} on connection '${branch.connection.name}' failed (${messageOf(error)}); recovery will finish it`);
      }
    }
    await this.context.events.emit({ type: 'done', gid, outcome: 'rolled back' });
  }

  /**
   * Logging Last Resource: the decision record goes into the last resource's own transaction,
   * so its COMMIT is the decision. Recovery aborts an undecided unit by writing its tombstone
   * into that same table first, so the two contend on one key in one place. If the commit's
   * outcome is unknown (the connection broke), the record is read back on a fresh session; if
   * even that fails, the outcome is in doubt (thrown), and recovery decides from the record.
   */
  private async decideByLastResource(gid: string, branch: Branch, participants: ParticipantRecord[]): Promise<'commit' | TransactionError> {
    const { connection, session } = branch;
    const log = new DecisionLog(connection);
    try {
      await log.insertOn(session, { gid, node: this.context.nodeId, state: 'committed', participants });
      await connection.backend.commit(session);
      branch.state = 'ended';
      return 'commit';
    } catch (error) {
      branch.state = 'ended';
      branch.discard = true;
      await connection.backend.rollback(session).catch(() => undefined);
      // Its session goes now: reading the decision back below needs the database (SQLite has one connection).
      branch.releaseSession();
      if (error instanceof UniqueConstraintError) {
        return new TransactionError(`The transaction ${gid} was rolled back by recovery before it could commit (it ran longer than coordinator.orphanTimeoutMs)`, {
          connection: connection.name,
          cause: error,
        });
      }
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
   * Without a last resource the decision is one durable record, written on the coordinator's own
   * session for the log (never one the unit would have to wait for while holding its branches).
   * Recovery aborts an undecided transaction by inserting a record under the same id first, so
   * the primary key settles any race between the two. If the log cannot be written and then
   * cannot be read, the outcome is left in doubt (the prepared branches wait for recovery).
   */
  private async decideByLog(gid: string, participants: ParticipantRecord[]): Promise<'commit' | TransactionError> {
    const { context } = this;
    const log = context.decisionLog();
    try {
      await context.decisionWriter().write({ gid, node: context.nodeId, state: 'committing', participants });
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
