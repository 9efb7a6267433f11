import type { Connection } from '../connection/connection';
import { findOpenConnection, openConnectionNames } from '../connection/active-registries';
import { ConfigurationError, TransactionError } from '../errors';
import type { Transaction, TransactionOutcome } from './active-transaction';
import { currentScope } from './transaction-context';
import { runTransaction } from './transaction-runner';
import type { TransactionOptions } from './transaction-options';
import { runUnitOfWork } from './unit-of-work';

/** A connection as the transaction API accepts it: by name, by object, or the default one. */
export type ConnectionTarget = string | Connection | undefined;

/**
 * Run `work` transactionally, as `@Transactional(options)` does for a method: on the connection
 * named in `options` (default: the application's default connection), or across several with
 * `connections`.
 */
export function transactional<T>(work: () => Promise<T> | T): Promise<T>;
export function transactional<T>(options: TransactionOptions, work: () => Promise<T> | T): Promise<T>;
export async function transactional<T>(
  optionsOrWork: TransactionOptions | (() => Promise<T> | T),
  maybeWork?: () => Promise<T> | T,
): Promise<T> {
  const [options, work] = typeof optionsOrWork === 'function' ? [{}, optionsOrWork] : [optionsOrWork, maybeWork!];
  if (options.connections !== undefined) {
    if (options.connection !== undefined) {
      throw new ConfigurationError('Transaction options name both `connection` and `connections`; use one', { field: 'connections' });
    }
    return runUnitOfWork(options.connections.map((target) => resolveConnection(target)), options, async () => work());
  }
  return runTransaction(resolveConnection(options.connection), async () => work(), options);
}

/** Register a hook that runs after the surrounding transaction commits. */
export function onCommit(hook: () => unknown, connection?: ConnectionTarget): void {
  frameFor(connection, 'onCommit').onCommit(hook);
}

/** Register a hook that runs after the surrounding transaction (or NESTED savepoint) rolls back. */
export function onRollback(hook: () => unknown, connection?: ConnectionTarget): void {
  frameFor(connection, 'onRollback').onRollback(hook);
}

/** Register a hook that runs after the surrounding transaction ends, with its outcome. */
export function onComplete(hook: (outcome: TransactionOutcome) => unknown, connection?: ConnectionTarget): void {
  frameFor(connection, 'onComplete').onComplete(hook);
}

/** Create a savepoint in the surrounding transaction; returns its name. */
export function savepoint(name?: string, connection?: ConnectionTarget): Promise<string> {
  return call(() => frameFor(connection, 'savepoint').savepoint(name));
}

/** Forget a savepoint (and newer ones), keeping their writes. */
export function releaseSavepoint(name: string, connection?: ConnectionTarget): Promise<void> {
  return call(() => frameFor(connection, 'releaseSavepoint').releaseSavepoint(name));
}

/** Undo the writes made after a savepoint; it stays open, newer ones are dropped. */
export function rollbackTo(name: string, connection?: ConnectionTarget): Promise<void> {
  return call(() => frameFor(connection, 'rollbackTo').rollbackTo(name));
}

/** The transaction open on a connection for the running code (or the only one open), if any. */
export function currentTransaction(connection?: ConnectionTarget): Transaction | undefined {
  const frames = currentScope().activeFrames();
  if (connection === undefined) return frames.length === 1 ? frames[0] : undefined;
  const target = resolveConnection(connection);
  return frames.find((frame) => frame.connection === target);
}

function call<T>(action: () => Promise<T>): Promise<T> {
  try {
    return action();
  } catch (error) {
    return Promise.reject(error);
  }
}

function frameFor(connection: ConnectionTarget, action: string): Transaction {
  const frames = currentScope().activeFrames();
  if (connection !== undefined) {
    const target = resolveConnection(connection);
    const frame = frames.find((candidate) => candidate.connection === target);
    if (!frame) throw new TransactionError(`${action}() needs a transaction, and none is open on connection '${target.name}' here`, { connection: target.name });
    return frame;
  }
  if (frames.length === 1) return frames[0]!;
  if (frames.length === 0) throw new TransactionError(`${action}() needs a transaction, and none is open here`);
  // The branches of one cross-database unit share one outcome: any of them will do.
  const unit = frames[0]!.transaction.unit;
  if (unit !== undefined && frames.every((frame) => frame.transaction.unit === unit)) return frames[0]!;
  throw new TransactionError(
    `${action}() is ambiguous: transactions are open on ${frames.map((frame) => `'${frame.connection.name}'`).join(', ')}; pass the connection`,
  );
}

/** A connection by object, by name (newest open application first), or the default one. */
export function resolveConnection(target: ConnectionTarget): Connection {
  if (target !== undefined && typeof target !== 'string') return target;
  const connection = findOpenConnection(target);
  if (!connection) {
    throw new ConfigurationError(
      target === undefined
        ? 'No application is open, so there is no default connection for this transaction'
        : `No open application defines connection '${target}' (open connections: ${openConnectionNames().join(', ') || 'none'})`,
      { connection: target },
    );
  }
  return connection;
}
