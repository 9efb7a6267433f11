import type { Connection } from '../connection/connection';
import { TransactionError } from '../errors';
import type { TransactionOptions } from './transaction-options';
import { processWide } from '../util/process-wide';

/** Runs work across several connections; installed by the distributed coordinator. */
export type UnitOfWorkRunner = <T>(connections: readonly Connection[], options: TransactionOptions, work: () => Promise<T>) => Promise<T>;

const installed = processWide('unit-of-work-runner', () => ({ runner: undefined as UnitOfWorkRunner | undefined }));

export function installUnitOfWorkRunner(runner: UnitOfWorkRunner): void {
  installed.runner = runner;
}

export function runUnitOfWork<T>(connections: readonly Connection[], options: TransactionOptions, work: () => Promise<T>): Promise<T> {
  if (!installed.runner) {
    return Promise.reject(new TransactionError('Transactions across several connections need the TransactionCoordinator, which is not available'));
  }
  return installed.runner(connections, options, work);
}
