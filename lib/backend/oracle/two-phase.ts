import { ConfigurationError, ConnectionError, TransactionError } from '../../errors';
import type { DriverSession, StorageBackend } from '../storage-backend';
import type { BeginOptions } from '../transaction-options';
import type { BranchId, BranchOutcome, PreparedBranch, TwoPhaseParticipant } from '../two-phase';
import { OracleSession } from './session';
import { classifyTpcFailure, finishFailure, heuristicError, type FinishAction } from './tpc-errors';
import {
  FORCE_PRIVILEGES_SQL,
  MARKERS,
  markerDelete,
  markerInsert,
  markerLookup,
  markerTableExistsQuery,
  oldMarkers,
  pendingBranchesQuery,
  privilegeProblem,
  RESET_ISOLATION,
  SESSION_USER_SQL,
  SET_SERIALIZABLE,
} from './two-phase-sql';
import { branchKey, recoveredBranches, toOracleXid } from './xid';

/** node-oracledb's TPC_BEGIN_NEW and TPC_END_NORMAL (its lib/constants.js): the driver loads lazily. */
const TPC_BEGIN_NEW = 1;
const TPC_END_NORMAL = 0;

/**
 * tpcBegin's timeout: how long Oracle lets a branch sit detached (ended, not yet prepared)
 * before rolling it back. Ours are detached only between tpcEnd and tpcPrepare, so this matters
 * only if the process dies in that instant. It is given explicitly because 0 means "clean up as
 * soon as inactive", which broke commits from another connection (python-oracledb issue #376);
 * 60 is node-oracledb's own default.
 */
const BRANCH_TIMEOUT_SECONDS = 60;

/** What beginBranch returns, and outcomeOf later reads from the decision record. */
const MARKER_EVIDENCE = 'marker';
const READ_ONLY_EVIDENCE = 'read-only';

/** Markers deleted per purge; the rest wait for the next recovery. */
const PURGE_BATCH = 1000;

/**
 * Oracle as a two-phase commit participant, through node-oracledb's XA calls (Thin mode since
 * 6.6): tpcBegin opens the branch on the unit's session, tpcEnd + tpcPrepare end and prepare it,
 * tpcCommit / tpcRollback finish it on that session or, in recovery, on any session.
 * Recovery lists branches from SYS.DBA_PENDING_TRANSACTIONS. Each branch is an XA transaction
 * of its own (see xid.ts) and inserts a marker row (ar_xa_markers), so that outcomeOf can tell
 * later whether it committed.
 *
 * Read-only branches. tpcPrepare answers false when a branch has nothing to commit; Oracle has
 * then already finished it, and a later commit or rollback would fail with ORA-24756. Two cases:
 * - a unit begun `readOnly` runs a plain read-only transaction (no XA: nothing can be written,
 *   so nothing needs preparing). It votes read-only at prepare, its commit and rollback are
 *   answered 'done' without a call, and outcomeOf says 'committed' (XA's meaning of a read-only
 *   vote), never 'rolled back';
 * - an XA branch always holds its marker insert, so a read-only vote from one means its work
 *   (marker included) was lost before prepare. Committing the unit would silently drop that
 *   branch's writes, so the prepare fails and the coordinator rolls the unit back.
 */
export class OracleTwoPhase implements TwoPhaseParticipant {
  /** Sessions running a unit begun readOnly: a local read-only transaction, no XA branch. */
  private readonly localReadOnly = new WeakSet<DriverSession>();
  /** Sessions whose read-only transaction was finished at prepare, with that branch's key. */
  private readonly readOnlyVotes = new WeakMap<DriverSession, string>();
  /** Sessions switched to SERIALIZABLE for their branch, to switch back when it ends. */
  private readonly serializable = new WeakSet<DriverSession>();

  constructor(private readonly backend: StorageBackend) {}

  private get name(): string {
    return this.backend.context.connectionName;
  }

  /**
   * Recovery must list prepared branches and resolve them from a session that did not prepare
   * them: check both privileges now (a missing one would otherwise surface only after a crash),
   * then make sure the marker table exists.
   */
  async checkReady(): Promise<void> {
    const [row] = await this.backend.query(SESSION_USER_SQL);
    const user = String(row?.user ?? 'the connection user');
    let pendingViewError: string | undefined;
    try {
      await this.backend.query(pendingBranchesQuery());
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      pendingViewError = driverMessage(error);
    }
    const forcePrivileges = (await this.backend.query(FORCE_PRIVILEGES_SQL)).map((r) => String(r.privilege));
    const problem = privilegeProblem(this.name, user, { pendingViewError, forcePrivileges });
    if (problem) throw new ConfigurationError(problem, { connection: this.name, field: 'privileges' });
    await this.ensureMarkerTable(user);
  }

  async beginBranch(session: DriverSession, branch: BranchId, options: BeginOptions): Promise<string | undefined> {
    if (options.readOnly) {
      // Nothing can be written, so nothing needs preparing: a plain read-only transaction.
      await this.backend.begin(session, options);
      this.localReadOnly.add(session);
      return READ_ONLY_EVIDENCE;
    }
    this.backend.dialect.beginTransaction({ isolation: options.isolation }); // refuses levels Oracle lacks
    const oracle = oracleSessionOf(session, this.name);
    const xid = toOracleXid(branch);
    if (options.isolation === 'SERIALIZABLE') {
      this.serializable.add(session);
      await session.execute(SET_SERIALIZABLE);
    }
    await this.driverCall('tpcBegin', () => oracle.connection.tpcBegin(xid, TPC_BEGIN_NEW, BRANCH_TIMEOUT_SECONDS));
    // Statements in the branch must not autocommit: a COMMIT inside an XA branch is an error.
    oracle.inTransaction = true;
    await session.execute(markerInsert(this.backend.dialect, branch, new Date()));
    return MARKER_EVIDENCE;
  }

  async prepareBranch(session: DriverSession, branch: BranchId): Promise<void> {
    if (this.localReadOnly.delete(session)) {
      await this.backend.rollback(session); // ends the read-only transaction; there is nothing to keep
      this.readOnlyVotes.set(session, branchKey(branch));
      return;
    }
    const oracle = oracleSessionOf(session, this.name);
    const xid = toOracleXid(branch);
    // End (detach) before preparing, as XA orders it: the prepared branch then belongs to no
    // session, so closing or dropping this one later (node-oracledb rolls back a branch still
    // attached to a closing connection) can never roll it back.
    await this.driverCall('tpcEnd', () => oracle.connection.tpcEnd(xid, TPC_END_NORMAL));
    oracle.inTransaction = false;
    await this.restoreIsolation(session);
    const needsCommit = await this.driverCall('tpcPrepare', () => oracle.connection.tpcPrepare(xid));
    if (!needsCommit) {
      throw new TransactionError(
        `Branch ${branch.bqual} of transaction ${branch.gtrid} on Oracle connection '${this.name}' voted read-only at prepare although ` +
          `it had written its marker row: its work was lost before prepare, so the transaction cannot commit`,
        { connection: this.name },
      );
    }
  }

  async abortBranch(session: DriverSession, branch: BranchId): Promise<void> {
    if (this.localReadOnly.delete(session)) return this.backend.rollback(session);
    if (this.readOnlyVotes.get(session) === branchKey(branch)) {
      this.readOnlyVotes.delete(session);
      return;
    }
    const oracle = oracleSessionOf(session, this.name);
    const xid = toOracleXid(branch);
    // An attached branch must be ended first; this fails harmlessly when it already was.
    await oracle.connection.tpcEnd(xid, TPC_END_NORMAL).catch(() => undefined);
    oracle.inTransaction = false;
    try {
      await this.driverCall('tpcRollback', () => oracle.connection.tpcRollback(xid));
    } catch (error) {
      // Gone already (never got far, or rolled back by Oracle): the branch is abandoned either way.
      const failure = classifyTpcFailure(error);
      if (failure !== 'not-found' && failure !== 'rolled-back') throw error;
    }
    await this.restoreIsolation(session);
  }

  commitPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    return this.finish('commit', branch, session);
  }

  rollbackPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    return this.finish('rollback', branch, session);
  }

  async listPrepared(prefix: string): Promise<PreparedBranch[]> {
    const rows = await this.backend.query(pendingBranchesQuery());
    const xids = rows.map((row) => ({ formatId: row.formatId, gtrid: row.gtrid, bqual: row.bqual }));
    return recoveredBranches(xids, prefix).map((branch) => ({ branch }));
  }

  /**
   * 'marker': the marker row exists exactly when the branch committed. 'read-only': such a
   * branch changed nothing and was finished at prepare, which XA counts as committed.
   */
  async outcomeOf(branch: BranchId, evidence: string | undefined): Promise<BranchOutcome> {
    if (evidence === READ_ONLY_EVIDENCE) return 'committed';
    if (evidence !== MARKER_EVIDENCE) return 'unknown';
    const rows = await this.backend.query(markerLookup(this.backend.dialect, branch));
    return rows.length > 0 ? 'committed' : 'rolled back';
  }

  /**
   * Drop markers of long-finished branches. A prepared branch's marker is uncommitted, so this
   * read never sees (or deletes) it; Oracle may refuse the read with ORA-01591 while an
   * in-doubt branch's rows share a block with old markers, and recovery then simply tries again.
   */
  async purgeEvidence(before: Date): Promise<void> {
    const old = await this.backend.query(oldMarkers(this.backend.dialect, before, PURGE_BATCH));
    for (const row of old) await this.backend.execute(markerDelete(this.backend.dialect, String(row.gid)));
  }

  private async finish(action: FinishAction, branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    if (session && this.readOnlyVotes.get(session) === branchKey(branch)) {
      this.readOnlyVotes.delete(session);
      return 'done'; // a read-only transaction, finished at prepare (see the class comment)
    }
    const xid = toOracleXid(branch);
    const run = async (target: DriverSession): Promise<'done' | 'unknown'> => {
      const { connection } = oracleSessionOf(target, this.name);
      try {
        if (action === 'commit') await connection.tpcCommit(xid, false);
        else await connection.tpcRollback(xid);
        return 'done';
      } catch (error) {
        const failure = classifyTpcFailure(error);
        if (failure === undefined) throw this.backend.translateError(error, action === 'commit' ? 'tpcCommit' : 'tpcRollback');
        const meaning = finishFailure(action, failure);
        if (meaning === 'heuristic' && failure !== 'not-found') throw heuristicError(this.name, branch, action, failure, error);
        return meaning === 'done' ? 'done' : 'unknown';
      }
    };
    return session ? run(session) : this.backend.withSession(run);
  }

  /**
   * Look first, create only when missing: a user who may not create tables still passes when a
   * DBA created the table, and no DDL is sent on every start.
   */
  private async ensureMarkerTable(user: string): Promise<void> {
    if ((await this.backend.query(markerTableExistsQuery())).length > 0) return;
    const ddl = this.backend.dialect.compileCreateTable(MARKERS, { ifNotExists: true });
    try {
      await this.backend.execute({ sql: ddl, params: [] });
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      throw new ConfigurationError(
        `Oracle connection '${this.name}' (user ${user}) could not create the table ${MARKERS.name}, which records the outcome of ` +
          `each two-phase branch (${driverMessage(error)}). GRANT CREATE TABLE TO "${user}" (with a quota on its tablespace), ` +
          `or create the table once as: ${this.backend.dialect.compileCreateTable(MARKERS)}`,
        { connection: this.name, cause: error },
      );
    }
  }

  private async restoreIsolation(session: DriverSession): Promise<void> {
    if (this.serializable.delete(session)) await session.execute(RESET_ISOLATION);
  }

  private async driverCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.backend.translateError(error, what);
    }
  }
}

function oracleSessionOf(session: DriverSession, connection: string): OracleSession {
  if (session instanceof OracleSession) return session;
  throw new TransactionError(`Connection '${connection}' handed the Oracle two-phase participant a session that is not an Oracle session`, {
    connection,
  });
}

/** The driver's own first line (ORA-xxxxx: ...), not the library's wrapper around it. */
function driverMessage(error: unknown): string {
  const original = (error as { cause?: unknown } | null)?.cause ?? error;
  const message = original instanceof Error ? original.message : String(original);
  return message.split('\n', 1)[0]!.trim();
}
