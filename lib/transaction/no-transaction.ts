import type { Connection, Transaction } from '../connection/connection';
import { TransactionError } from '../errors';

/**
 * The handle given to work that runs without a transaction (SUPPORTS with none open, NEVER,
 * NOT_SUPPORTED): hooks and savepoints need a transaction, so each says so.
 */
export function noTransaction(connection: Connection): Transaction {
  const refuse = (what: string) => () => {
    throw new TransactionError(`${what} needs a transaction, and this code runs without one on connection '${connection.name}'`, {
      connection: connection.name,
    });
  };
  return {
    connection,
    connections: [connection],
    status: 'committed',
    onCommit: refuse('onCommit'),
    onRollback: refuse('onRollback'),
    onComplete: refuse('onComplete'),
    savepoint: async () => refuse('savepoint')(),
    releaseSavepoint: async () => refuse('releaseSavepoint')(),
    rollbackTo: async () => refuse('rollbackTo')(),
  };
}
