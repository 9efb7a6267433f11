import type { DriverSession } from './driver-session';
import type { BeginOptions } from './transaction-options';

/**
 * A branch of a distributed transaction, named the way XA names it: the global transaction id
 * (shared by every branch) and a branch qualifier. PostgreSQL joins them into one gid.
 * Both parts are short ASCII (see distributed/global-id.ts), so they fit every database's limits.
 */
export interface BranchId {
  /** `ar.<node>.<global id>`: the recognisable prefix, this node, and the global transaction. */
  readonly gtrid: string;
  /** Which participant of the transaction: `1`, `2`, ... */
  readonly bqual: string;
}

/** A prepared branch as a participant lists it for recovery. */
export interface PreparedBranch {
  readonly branch: BranchId;
  /** When the database prepared it, where the database records that (PostgreSQL). */
  readonly preparedAt?: Date;
}

/** What happened to a branch that is no longer prepared. */
export type BranchOutcome = 'committed' | 'rolled back' | 'unknown';

/**
 * What a backend provides to take part in two-phase commit. Exposed as `backend.twoPhase`;
 * backends without it (SQLite, SQL Server) can only be a unit's single last resource or a saga
 * step. Every method rejects with the library's error classes.
 */
export interface TwoPhaseParticipant {
  /**
   * Check that prepared transactions work here (PostgreSQL: max_prepared_transactions > 0;
   * MySQL: XA privileges); reject with a ConfigurationError that says exactly what to set.
   */
  checkReady(): Promise<void>;

  /**
   * Open the branch on a session. Returns evidence (e.g. PostgreSQL's transaction id) that later
   * tells `outcomeOf` whether the branch committed once it is no longer prepared.
   */
  beginBranch(session: DriverSession, branch: BranchId, options: BeginOptions): Promise<string | undefined>;

  /**
   * Optional: make the local transaction already open on `session` this branch (a transaction
   * on one connection widened into a cross-database unit). Returns evidence as `beginBranch`
   * does. Absent where the database cannot (MySQL/MariaDB and Oracle start a branch with XA
   * START): the engine then refuses to widen such a transaction, before any write.
   */
  adoptBranch?(session: DriverSession, branch: BranchId): Promise<string | undefined>;

  /** End the branch's work and prepare it; afterwards it outlives the session. */
  prepareBranch(session: DriverSession, branch: BranchId): Promise<void>;

  /** Abandon a branch that was never prepared. */
  abortBranch(session: DriverSession, branch: BranchId): Promise<void>;

  /**
   * Commit a prepared branch: on `session` (the one that prepared it, in the normal path) or, for
   * recovery, on a session of the participant's own. 'unknown' when no such branch is prepared.
   * After a MySQL XA PREPARE the preparing session can run nothing else until the branch ends, so
   * the coordinator hands the session back only after this.
   */
  commitPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'>;

  /** Roll back a prepared branch (same sessions as commitPrepared); 'unknown' when not prepared. */
  rollbackPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'>;

  /** The prepared branches whose gtrid starts with `prefix`. */
  listPrepared(prefix: string): Promise<PreparedBranch[]>;

  /** Whether a branch that is no longer prepared committed, judged from its evidence. */
  outcomeOf(branch: BranchId, evidence: string | undefined): Promise<BranchOutcome>;

  /** Optional: drop evidence kept for branches finished before `before` (recovery's purge). */
  purgeEvidence?(before: Date): Promise<void>;
}
