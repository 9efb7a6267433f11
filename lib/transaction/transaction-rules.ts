import type { TransactionOutcome } from '../connection/transaction-options';
import { TransactionError } from '../errors';
import type { Unit, UnitFrame } from './unit';
import type { TransactionOptions } from './transaction-options';

/** Rules every unit follows, whatever its commit strategy: which errors roll back, deadlines, hooks. */

export function shouldRollBack(error: unknown, options: TransactionOptions): boolean {
  if (options.noRollbackOn?.some((type) => error instanceof type)) return false;
  if (options.rollbackOn) return options.rollbackOn.some((type) => error instanceof type);
  return true;
}

export function rollbackOnlyError(frame: UnitFrame): TransactionError {
  const cause = frame.rollbackOnly;
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new TransactionError(
    `The transaction ${frame.unit.describe()} was rolled back because a call that joined it failed ` +
      `(${reason}), even though the failure was caught; use propagation NESTED for a failure the caller can recover from`,
    { connection: frame.connection.name, cause },
  );
}

/**
 * A deadline over a unit: when it passes, the unit is marked timed out (so any statement still
 * issued by its body is refused), running statements are cancelled where the backend can, and
 * `expired` rejects with a TransactionError.
 */
export function startDeadline(unit: Unit, timeoutMs: number) {
  const error = new TransactionError(`The transaction ${unit.describe()} ran longer than its timeout of ${timeoutMs} ms and was rolled back`, {
    connection: unit.connections.length === 1 ? unit.connections[0]!.name : undefined,
  });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (!unit.isActive) return;
      unit.status = 'timed out';
      for (const branch of unit.branches) void branch.connection.backend.cancel?.(branch.session);
      reject(error);
    }, timeoutMs);
  });
  expired.catch(() => undefined);
  return { expired, error, clear: () => clearTimeout(timer) };
}

/** Hooks run in order after the outcome is known; a failing hook is logged, never rethrown. */
export async function runHooks(frame: UnitFrame, outcome: TransactionOutcome): Promise<void> {
  const hooks: Array<() => unknown> = [
    ...(outcome === 'committed' ? frame.hooks.commit : frame.hooks.rollback),
    ...frame.hooks.complete.map((hook) => () => hook(outcome)),
  ];
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      frame.connection.logger.error(
        `A transaction ${outcome === 'committed' ? 'onCommit' : 'onRollback'}/onComplete hook ${frame.unit.describe()} ` +
          `failed (the transaction ${outcome} regardless): ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
      );
    }
  }
}

export function backoff(baseMs: number, attempt: number): number {
  const exponential = baseMs * 2 ** (attempt - 1);
  return Math.round(exponential * (0.8 + Math.random() * 0.4));
}
