import type { Connection } from '../connection/connection';
import type { ConnectionTransactionOptions } from '../connection/transaction-options';

export { PROPAGATIONS } from '../connection/transaction-options';
export type { ErrorClass, Propagation, RetryOptions } from '../connection/transaction-options';

/**
 * Options of `@Transactional(options)` and `transactional(options, work)`: a transaction's options
 * plus which connections it spans. One connection makes a local transaction; several make a
 * cross-database unit, committed by two-phase commit or run as a saga.
 */
export interface TransactionOptions extends ConnectionTransactionOptions {
  /** The connection, by name or object; default: the application's default connection. */
  connection?: string | Connection;
  /** Several connections in one unit of work (coordinated: two-phase commit or saga). */
  connections?: readonly (string | Connection)[];
  /** For several connections: 'saga' runs compensations instead of two-phase commit. */
  mode?: '2pc' | 'saga';
}
