import type { ActiveTransaction, TransactionOutcome } from '../transaction/active-transaction';
import { rollbackOnlyError, runHooks, shouldRollBack, startDeadline } from '../transaction/transaction-rules';
import type { TransactionOptions } from '../transaction/transaction-options';

/** The single-connection rules, applied to every branch of a cross-database unit. */

export function shouldRollBackUnit(error: unknown, options: TransactionOptions): boolean {
  return shouldRollBack(error, options);
}

/** A branch whose joined call failed makes the whole unit roll back. */
export function unitRollbackOnly(transactions: readonly ActiveTransaction[]): Error | undefined {
  const marked = transactions.find((transaction) => transaction.root.rollbackOnly !== undefined);
  return marked ? rollbackOnlyError(marked.root) : undefined;
}

/** `what` is only built when a deadline is set: most units have none, and it runs per unit. */
export async function withDeadline<T>(running: Promise<T>, timeoutMs: number | undefined, transactions: readonly ActiveTransaction[], what: () => string): Promise<T> {
  if (timeoutMs === undefined) return running;
  const label = what();
  const deadline = startDeadline(transactions, timeoutMs, label.charAt(0).toUpperCase() + label.slice(1));
  try {
    return await Promise.race([running, deadline.expired]);
  } finally {
    deadline.clear();
  }
}

/** Hooks registered on any branch see the unit's global outcome. */
export async function runUnitHooks(transactions: readonly ActiveTransaction[], outcome: TransactionOutcome): Promise<void> {
  for (const transaction of transactions) await runHooks(transaction.root, outcome);
}
