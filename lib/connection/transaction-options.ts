import type { IsolationLevel } from '../backend/transaction-options';

import type { SqliteBeginMode } from '../backend/transaction-options';

/** The options and states of transactions, as a Connection's `transaction()` takes them. */

export type TransactionStatus = 'active' | 'committed' | 'rolled back' | 'timed out';
export type TransactionOutcome = 'committed' | 'rolled back';

/** What happens when a transactional call meets (or does not meet) an open transaction. Spring's meanings. */
export type Propagation =
  /** Join the open transaction, or begin one. The default. */
  | 'REQUIRED'
  /** Always begin a new transaction on a separate session; the open one is suspended, untouched. */
  | 'REQUIRES_NEW'
  /** Inside an open transaction, a savepoint: failing rolls back to it and keeps the outer transaction. */
  | 'NESTED'
  /** Join the open transaction if there is one, else run without. */
  | 'SUPPORTS'
  /** Join the open transaction; without one, a TransactionError. */
  | 'MANDATORY'
  /** Run without a transaction; inside one, a TransactionError. */
  | 'NEVER'
  /** Run outside any transaction, suspending the open one. */
  | 'NOT_SUPPORTED';

export const PROPAGATIONS: readonly Propagation[] = ['REQUIRED', 'REQUIRES_NEW', 'NESTED', 'SUPPORTS', 'MANDATORY', 'NEVER', 'NOT_SUPPORTED'];

/** An error class, for rollbackOn / noRollbackOn. */
export type ErrorClass = abstract new (...args: never[]) => Error;

export interface RetryOptions {
  /** Total tries, the first included (3 = up to two retries). */
  attempts: number;
  /** Wait before the first retry; doubled for each further one, with a little jitter. Default 50. */
  backoffMs?: number;
  /**
   * More errors worth a re-run besides deadlocks and serialization failures, e.g.
   * `[StaleRecordError]` for a function that reads its records afresh each time (optimistic
   * locking lost a race; not retried by default, since re-running code that holds a stale record
   * would only fail again, or overwrite the other writer's change).
   */
  on?: readonly ErrorClass[];
}

/** Options of a transaction on one connection (`connection.transaction(work, options)`). */
export interface ConnectionTransactionOptions {
  /** Default 'REQUIRED'. */
  propagation?: Propagation;
  /** Mapped per dialect; a level the database cannot give is a TransactionError, never a downgrade. */
  isolation?: IsolationLevel;
  /** A read-only transaction where the database has them. */
  readOnly?: boolean;
  /**
   * SQLite only (ignored elsewhere): how BEGIN takes the database's lock. `'immediate'` (the
   * default for read-write transactions) takes the write lock at once, so a transaction that
   * reads and then writes cannot lose its write to another connection in between (SQLite's
   * stand-in for SELECT ... FOR UPDATE); `'deferred'` (the default for readOnly) waits until the
   * first write; `'exclusive'` also keeps readers out where the journal mode allows it.
   */
  sqliteBegin?: SqliteBeginMode;
  /** Roll back and fail with a TransactionError if the transaction runs longer than this. */
  timeoutMs?: number;
  /** Re-run the whole function on a deadlock or serialization failure. */
  retry?: RetryOptions;
  /** Roll back only for these errors (others commit, and are still thrown). */
  rollbackOn?: readonly ErrorClass[];
  /** Commit despite these errors (they are still thrown). Wins over rollbackOn. */
  noRollbackOn?: readonly ErrorClass[];
  /** A name for logs, lock-wait messages and, in saga mode, the saga's name; @Transactional uses `Class.method`. */
  name?: string;
}
