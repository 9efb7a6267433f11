import { TransactionError } from '../errors';
import type { ActiveTransaction, TransactionFrame, TransactionOutcome } from './active-transaction';
import type { TransactionOptions } from './transaction-options';

/**
 * Rules shared by the single-connection runner and the cross-database coordinator: which
 * errors roll back, what a rollback-only frame reports, deadlines, and how hooks run.
 */

export function shouldRollBack(error: unknown, options: TransactionOptions): boolean {
  if (options.noRollbackOn?.some((type) => error instanceof type)) return false;
  if (options.rollbackOn) return options.rollbackOn.some((type) => error instanceof type);
  return true;
}

export function rollbackOnlyError(frame: TransactionFrame): TransactionError {
  const cause = frame.rollbackOnly;
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new TransactionError(
    `The transaction on connection '${frame.connection.name}' was rolled back because a call that joined it failed ` +
      `(${reason}), even though the failure was caught; use propagation NESTED for a failure the caller can recover from`,
    { connection: frame.connection.name, cause },
  );
}

/**
 * A deadline over one or more transactions: when it passes, they are marked timed out (so any
 * statement still issued by the body is refused), running statements are cancelled where the
 * backend can, and `expired` rejects with a TransactionError naming `what`.
 */
export function startDeadline(transactions: readonly ActiveTransaction[], timeoutMs: number, what: string) {
  const first = transactions[0]!;
  const error = new TransactionError(`${what} ran longer than its timeout of ${timeoutMs} ms and was rolled back`, {
    connection: transactions.length === 1 ? first.connection.name : undefined,
  });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (!transactions.every((transaction) => transaction.isActive)) return;
      for (const transaction of transactions) {
        transaction.status = 'timed out';
        void transaction.connection.backend.cancel?.(transaction.session);
      }
      reject(error);
    }, timeoutMs);
  });
  expired.catch(() => undefined);
  return { expired, error, clear: () => clearTimeout(timer) };
}

/** Hooks run in order after the outcome is known; a failing hook is logged, never rethrown. */
export async function runHooks(frame: TransactionFrame, outcome: TransactionOutcome): Promise<void> {
  const hooks: Array<() => unknown> = [
    ...(outcome === 'committed' ? frame.hooks.commit : frame.hooks.rollback),
    ...frame.hooks.complete.map((hook) => () => hook(outcome)),
  ];
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      frame.connection.logger.error(
        `A transaction ${outcome === 'committed' ? 'onCommit' : 'onRollback'}/onComplete hook on connection ` +
          `'${frame.connection.name}' failed (the transaction ${outcome} regardless): ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
      );
    }
  }
}

