import { ConfigurationError, TransactionError } from '../errors';
import type { RowLockNode } from '../query/nodes';
import { currentTransaction } from '../transaction/transaction-api';
import type { ModelRuntime } from './model-runtime';

export interface RowLockOptions {
  /** Leave out rows another transaction has locked, instead of waiting (job queues). */
  skipLocked?: boolean;
  /** Fail at once (LockTimeoutError) if a row is locked, instead of waiting. */
  noWait?: boolean;
}

export function rowLock(mode: 'update' | 'share', options: RowLockOptions, model: string): Omit<RowLockNode, 'of'> {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(`${model}.for${mode === 'update' ? 'Update' : 'Share'}: options must be an object`, { model });
  }
  for (const key of Object.keys(options)) {
    if (key !== 'skipLocked' && key !== 'noWait') {
      throw new ConfigurationError(`${model}.for${mode === 'update' ? 'Update' : 'Share'}: unknown option '${key}' (options: skipLocked, noWait)`, {
        model,
        field: key,
      });
    }
  }
  if (options.skipLocked && options.noWait) {
    throw new ConfigurationError(`${model}: skipLocked and noWait exclude each other (skip locked rows, or fail on them)`, { model });
  }
  return { mode, wait: options.skipLocked ? 'skip locked' : options.noWait ? 'nowait' : 'wait' };
}

/**
 * A row lock lasts until its transaction ends; outside one it would be released as soon as the
 * statement finished, protecting nothing. That is always a mistake, so it is an error.
 */
export function assertInTransaction(runtime: ModelRuntime, lock: Omit<RowLockNode, 'of'>): void {
  if (currentTransaction(runtime.connection) !== undefined) return;
  const method = lock.mode === 'update' ? 'forUpdate' : 'forShare';
  throw new TransactionError(
    `${runtime.metadata.name}.${method}() locks rows until the transaction ends, and no transaction is open on ` +
      `connection '${runtime.connection.name}' here: run it inside @Transactional() or transactional()`,
    { model: runtime.metadata.name, connection: runtime.connection.name },
  );
}
