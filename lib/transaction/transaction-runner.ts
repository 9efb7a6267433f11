import type { ExecuteResult, RunOptions } from '../backend/storage-backend';
import { ISOLATION_LEVELS } from '../backend/transaction-options';
import type { CompiledQuery } from '../query/nodes';
import type { Connection } from '../connection/connection';
import { ConnectionError, DeadlockError, SerializationError, TransactionError } from '../errors';
import { ActiveTransaction, TransactionFrame, type Transaction, type TransactionOutcome } from './active-transaction';
import { rollbackOnlyError, runHooks, shouldRollBack, startDeadline } from './transaction-rules';
import { boundFrame, runInScope } from './transaction-context';
import { noTransaction } from './no-transaction';
import { PROPAGATIONS, type TransactionOptions } from './transaction-options';

export type TransactionWork<T> = (transaction: Transaction) => Promise<T>;

/**
 * Run `work` on one connection with the given propagation (Spring's meanings), isolation,
 * read-only flag, timeout, retry and rollback rules. Every model and `query()` call inside uses
 * the transaction through the ambient context; the session goes back to the pool on every path.
 */
export async function runTransaction<T>(connection: Connection, work: TransactionWork<T>, options: TransactionOptions = {}): Promise<T> {
  checkOptions(connection, options);
  const bound = boundFrame(connection);
  const current = bound && bound.transaction.isActive ? bound : undefined;
  switch (options.propagation ?? 'REQUIRED') {
    case 'REQUIRED':
      return current ? join(current, work, options) : begin(connection, work, options);
    case 'SUPPORTS':
      return current ? join(current, work, options) : work(noTransaction(connection));
    case 'MANDATORY':
      if (!current) throw new TransactionError(`MANDATORY propagation needs an open transaction on connection '${connection.name}', and there is none`, { connection: connection.name });
      return join(current, work, options);
    case 'NEVER':
      if (current) throw new TransactionError(`NEVER propagation refuses to run inside the open transaction on connection '${connection.name}'`, { connection: connection.name });
      return work(noTransaction(connection));
    case 'NOT_SUPPORTED':
      if (!current) return work(noTransaction(connection));
      assertSecondSessionPossible(connection, 'NOT_SUPPORTED');
      return runInScope(connection, null, () => work(noTransaction(connection)));
    case 'REQUIRES_NEW':
      if (current) assertSecondSessionPossible(connection, 'REQUIRES_NEW');
      return begin(connection, work, options);
    case 'NESTED':
      return current ? nested(current, work, options) : begin(connection, work, options);
  }
}

/** Runs one statement of a private transaction (see runPrivateTransaction). */
export type StatementRunner = (query: CompiledQuery, options?: RunOptions) => ExecuteResult | Promise<ExecuteResult>;

/**
 * A transaction for library code that runs no user code inside it (insertAll's statements):
 * joined to the caller's transaction on this connection when one is open (REQUIRED), otherwise
 * begun, committed or rolled back, and its session given back exactly as `runTransaction` does,
 * but without entering an ambient scope, since nothing inside needs to find it. Entering one
 * would enable AsyncLocalStorage's hooks for the whole process, which then cost a little on every
 * promise and callback of every later statement.
 */
export async function runPrivateTransaction<T>(connection: Connection, work: (run: StatementRunner) => Promise<T>): Promise<T> {
  const bound = boundFrame(connection);
  if (bound && bound.transaction.isActive) {
    return join(bound, () => work((query, options) => connection.runExecuteNow(query, options)), {});
  }
  const backend = connection.backend;
  const session = await backend.acquire();
  const transaction = new ActiveTransaction(connection, session, undefined, false);
  try {
    await backend.begin(session, {});
  } catch (error) {
    transaction.status = 'rolled back';
    endSession(transaction, error);
    throw error;
  }
  let result: T;
  try {
    result = await work((query, options) => connection.runOnSession(session, query, options));
  } catch (error) {
    await finish(transaction, 'rolled back');
    throw error;
  }
  await finish(transaction, 'committed');
  return result;
}

// ---- joining ---------------------------------------------------------------------------------

/**
 * Run inside the open transaction. If the call fails, the frame is marked rollback-only: even if
 * an outer caller catches the error, the transaction will not commit half of a failed operation
 * (use NESTED to make a failure recoverable).
 */
async function join<T>(frame: TransactionFrame, work: TransactionWork<T>, options: TransactionOptions): Promise<T> {
  reportIgnoredOptions(frame, options);
  try {
    return await work(frame);
  } catch (error) {
    if (shouldRollBack(error, options) && frame.rollbackOnly === undefined) frame.rollbackOnly = error;
    throw error;
  }
}

function reportIgnoredOptions(frame: TransactionFrame, options: TransactionOptions): void {
  const transaction = frame.transaction;
  const ignored: string[] = [];
  if (options.isolation !== undefined && options.isolation !== transaction.isolation) ignored.push(`isolation '${options.isolation}'`);
  if (options.readOnly !== undefined && options.readOnly !== transaction.readOnly) ignored.push(`readOnly: ${options.readOnly}`);
  if (options.timeoutMs !== undefined) ignored.push('timeoutMs');
  if (options.retry !== undefined) ignored.push('retry (only the outermost call can re-run a transaction)');
  if (ignored.length === 0) return;
  transaction.connection.logger.warn(
    `A transactional call joined the open transaction on connection '${transaction.connection.name}' and cannot apply ` +
      `${ignored.join(', ')}; use REQUIRES_NEW for a transaction of its own`,
  );
}

// ---- a new physical transaction ------------------------------------------------------------------

async function begin<T>(connection: Connection, work: TransactionWork<T>, options: TransactionOptions): Promise<T> {
  const attempts = options.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await beginOnce(connection, work, options);
    } catch (error) {
      const retryable =
        error instanceof DeadlockError || error instanceof SerializationError || (options.retry?.on?.some((type) => error instanceof type) ?? false);
      if (attempt >= attempts || !retryable) throw error;
      const delay = backoff(options.retry?.backoffMs ?? 50, attempt);
      connection.logger.warn(
        `Transaction on connection '${connection.name}' failed with ${(error as Error).name} (attempt ${attempt} of ${attempts}); ` +
          `running it again in ${delay} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function beginOnce<T>(connection: Connection, work: TransactionWork<T>, options: TransactionOptions): Promise<T> {
  const backend = connection.backend;
  const session = await backend.acquire();
  const transaction = new ActiveTransaction(connection, session, options.isolation, options.readOnly ?? false);
  try {
    await backend.begin(session, { isolation: options.isolation, readOnly: options.readOnly });
  } catch (error) {
    transaction.status = 'rolled back';
    endSession(transaction, error);
    throw error;
  }

  const deadline =
    options.timeoutMs === undefined
      ? undefined
      : startDeadline([transaction], options.timeoutMs, `The transaction on connection '${connection.name}'`);
  let result: T;
  try {
    const running = runInScope(connection, transaction.root, () => work(transaction.root));
    result = await (deadline ? Promise.race([running, deadline.expired]) : running);
    if (transaction.root.rollbackOnly !== undefined) throw rollbackOnlyError(transaction.root);
  } catch (error) {
    deadline?.clear();
    if (transaction.status === 'timed out') {
      // The caller hears now; the rollback follows as soon as the session is free.
      void finish(transaction, 'rolled back').catch(() => undefined);
      throw deadline!.error;
    }
    if (shouldRollBack(error, options)) await finish(transaction, 'rolled back');
    else await finish(transaction, 'committed');
    throw error;
  }
  deadline?.clear();
  await finish(transaction, 'committed');
  return result;
}

/**
 * End the transaction the given way, give the session back, then run the hooks. A failed COMMIT
 * is a rolled-back transaction whose error the caller receives.
 */
async function finish(transaction: ActiveTransaction, intended: TransactionOutcome): Promise<void> {
  const backend = transaction.connection.backend;
  let failure: unknown;
  let outcome: TransactionOutcome = intended;
  try {
    if (intended === 'committed') await backend.commit(transaction.session);
    else await backend.rollback(transaction.session);
  } catch (error) {
    failure = error;
    outcome = 'rolled back';
    if (intended === 'committed') {
      try {
        await backend.rollback(transaction.session);
      } catch {
        // The session is discarded below; the database rolls back what a dead session held.
      }
    }
  }
  if (transaction.status === 'active') transaction.status = outcome;
  endSession(transaction, failure);
  await runHooks(transaction.root, outcome);
  if (failure !== undefined && intended === 'committed') throw failure;
}

/** A session whose rollback or connection failed is in an unknown state: never reuse it. */
function endSession(transaction: ActiveTransaction, failure?: unknown): void {
  if (failure === undefined) transaction.session.release();
  else if (failure instanceof ConnectionError || transaction.status !== 'committed') transaction.session.destroy();
  else transaction.session.release();
}

// ---- NESTED: a savepoint ------------------------------------------------------------------------

async function nested<T>(parent: TransactionFrame, work: TransactionWork<T>, options: TransactionOptions): Promise<T> {
  const transaction = parent.transaction;
  if (transaction.top !== parent) {
    throw new TransactionError(
      `A NESTED transaction was started on connection '${transaction.connection.name}' while a sibling NESTED ` +
        `transaction is still open (concurrent savepoints on one connection would undo each other's work); run them one after the other`,
      { connection: transaction.connection.name },
    );
  }
  reportIgnoredOptions(parent, { ...options, timeoutMs: undefined, retry: undefined });
  const name = await transaction.createSavepoint(undefined, 'nested');
  const frame = new TransactionFrame(transaction, parent, name);
  transaction.top = frame;
  let result: T;
  try {
    result = await runInScope(transaction.connection, frame, () => work(frame));
    if (frame.rollbackOnly !== undefined) throw rollbackOnlyError(frame);
  } catch (error) {
    transaction.top = parent;
    if (!transaction.isActive) throw error;
    if (shouldRollBack(error, options)) {
      await transaction.rollbackToSavepoint(name);
      await transaction.releaseSavepoint(name);
      await runHooks(frame, 'rolled back');
    } else {
      await transaction.releaseSavepoint(name);
      frame.handHooksToParent();
    }
    throw error;
  }
  transaction.top = parent;
  await transaction.releaseSavepoint(name);
  frame.handHooksToParent();
  return result;
}

// ---- shared rules ------------------------------------------------------------------------------

function assertSecondSessionPossible(connection: Connection, propagation: string): void {
  if (connection.backend.capabilities.concurrentSessions) return;
  throw new TransactionError(
    `${propagation} needs a second session on connection '${connection.name}', but its backend has a single ` +
      `connection (SQLite) held by the open transaction: it would wait for itself forever. Use REQUIRED or NESTED here`,
    { connection: connection.name },
  );
}

function backoff(baseMs: number, attempt: number): number {
  const exponential = baseMs * 2 ** (attempt - 1);
  return Math.round(exponential * (0.8 + Math.random() * 0.4));
}

function checkOptions(connection: Connection, options: TransactionOptions): void {
  const fail = (message: string) => {
    throw new TransactionError(`Transaction options for connection '${connection.name}': ${message}`, { connection: connection.name });
  };
  if (options.propagation !== undefined && !PROPAGATIONS.includes(options.propagation)) {
    fail(`unknown propagation '${String(options.propagation)}' (use ${PROPAGATIONS.join(', ')})`);
  }
  const provided = connection.dialect.isolationLevels;
  if (options.isolation !== undefined && !provided.includes(options.isolation)) {
    const stronger = ISOLATION_LEVELS.slice(ISOLATION_LEVELS.indexOf(options.isolation) + 1).find((level) => provided.includes(level));
    fail(
      `isolation ${String(options.isolation)} is not provided by ${connection.dialect.name} (it provides ${provided.join(', ')})` +
        (stronger ? `; ask for ${stronger}, the nearest stronger level` : ''),
    );
  }
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) fail('timeoutMs must be a positive integer');
  const retry = options.retry;
  if (retry !== undefined && !(Number.isInteger(retry.attempts) && retry.attempts >= 1)) fail('retry.attempts must be an integer of at least 1');
  if (retry?.backoffMs !== undefined && !(Number.isInteger(retry.backoffMs) && retry.backoffMs >= 0)) fail('retry.backoffMs must be a non-negative integer');
  if (retry?.on !== undefined && !(Array.isArray(retry.on) && retry.on.every((type) => typeof type === 'function'))) {
    fail('retry.on must be an array of error classes');
  }
}
