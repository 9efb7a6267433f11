import { AsyncLocalStorage } from 'node:async_hooks';
import { TransactionError } from '../errors';
import { processWide } from '../util/process-wide';
import type { TransactionFrame } from './active-transaction';

/**
 * The ambient unit of work: for the code running now, which transaction frame (if any) each
 * connection is in. Keyed by the Connection object itself, never by a process-wide "current
 * connection": a model bound to `billing` never runs on `main`'s transaction, and two
 * applications in one process that both name a connection `main` never share one.
 *
 * A `null` entry means "explicitly outside any transaction" (an outer one is suspended).
 * Scopes are immutable: entering a transaction makes a new scope for the code inside it only.
 */
export class TransactionScope {
  static readonly EMPTY = new TransactionScope(new Map());

  private constructor(private readonly entries: ReadonlyMap<object, TransactionFrame | null>) {}

  get(connection: object): TransactionFrame | null | undefined {
    return this.entries.get(connection);
  }

  with(connection: object, frame: TransactionFrame | null): TransactionScope {
    const entries = new Map(this.entries);
    entries.set(connection, frame);
    return new TransactionScope(entries);
  }

  /** Frames of transactions still active in this scope. */
  activeFrames(): TransactionFrame[] {
    return [...this.entries.values()].filter((frame): frame is TransactionFrame => frame !== null && frame.transaction.isActive);
  }
}

const storage = processWide('transaction-context', () => new AsyncLocalStorage<TransactionScope>());

export function currentScope(): TransactionScope {
  return storage.getStore() ?? TransactionScope.EMPTY;
}

/** The frame bound to `connection` for the running code, whatever its state; undefined if none. */
export function boundFrame(connection: object): TransactionFrame | undefined {
  return storage.getStore()?.get(connection) ?? undefined;
}

/** The frame of the transaction open on `connection` for the running code, if it is active. */
export function activeFrame(connection: object): TransactionFrame | undefined {
  const frame = boundFrame(connection);
  return frame && frame.transaction.isActive ? frame : undefined;
}

/**
 * Where a statement on `connection` must run: the session of the active transaction in scope,
 * or the pool (undefined). A transaction that committed no longer claims its context (a timer
 * set inside it may run later, on its own); one that rolled back or timed out refuses, so that a
 * `Promise.all` sibling still running after its transaction failed cannot write outside it.
 */
export function frameForStatement(connection: object): TransactionFrame | undefined {
  const frame = boundFrame(connection);
  if (frame === undefined) return undefined;
  const transaction = frame.transaction;
  if (transaction.status === 'active') return frame;
  if (transaction.status === 'committed') return undefined;
  throw new TransactionError(
    `A statement on connection '${transaction.connection.name}' ran in a transaction that has already ` +
      `${transaction.status === 'timed out' ? 'timed out' : 'rolled back'}; it was refused rather than run outside it`,
    { connection: transaction.connection.name },
  );
}

/** Run `work` with several connections mapped to frames at once (a cross-database unit). */
export function runInScopes<T>(entries: ReadonlyArray<readonly [object, TransactionFrame | null]>, work: () => T): T {
  let scope = currentScope();
  for (const [connection, frame] of entries) scope = scope.with(connection, frame);
  return storage.run(scope, work);
}

/** Run `work` with `connection` mapped to `frame` (or to no transaction, when null). */
export function runInScope<T>(connection: object, frame: TransactionFrame | null, work: () => T): T {
  const scope = currentScope();
  // "No transaction" where the scope names none for this connection changes nothing: run as is.
  // Entering a scope enables AsyncLocalStorage's hooks for the whole process, which then cost a
  // little on every promise and callback; a process that never opens a transaction (startup
  // recovery runs its reads "outside" one) does not need them.
  if (frame === null && scope.get(connection) === undefined) return work();
  return storage.run(scope.with(connection, frame), work);
}
