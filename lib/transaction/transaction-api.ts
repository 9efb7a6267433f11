import { currentScope } from '../connection/ambient-scope';
import { resolveNamedConnection } from '../connection/applications';
import type { Connection, Transaction } from '../connection/connection';
import type { TransactionOutcome } from '../connection/transaction-options';
import { ConfigurationError, TransactionError } from '../errors';
import { TransactionManager, type UnitSpec } from './transaction-manager';
import type { TransactionOptions } from './transaction-options';
import { UnitFrame } from './unit';

/** A connection as the transaction API accepts it: by name, by object, or the default one. */
export type ConnectionTarget = string | Connection | undefined;

/**
 * Run `work` transactionally, as `@Transactional(options)` does for a method: on the connection
 * named in `options` (default: the application's default connection), or across several with
 * `connections` (two-phase commit, or a saga with `mode: 'saga'`).
 */
export function transactional<T>(work: () => Promise<T> | T): Promise<T>;
export function transactional<T>(options: TransactionOptions, work: () => Promise<T> | T): Promise<T>;
export async function transactional<T>(
  optionsOrWork: TransactionOptions | (() => Promise<T> | T),
  maybeWork?: () => Promise<T> | T,
): Promise<T> {
  const [options, work] = typeof optionsOrWork === 'function' ? [{}, optionsOrWork] : [optionsOrWork, maybeWork!];
  const spec = unitSpec(options);
  return TransactionManager.of(spec.connections[0]!).runUnit(spec, async () => work());
}

/** What `options` ask for: the connections (resolved in the running application) and the mode. */
export function unitSpec(options: TransactionOptions, input?: unknown): UnitSpec {
  if (options.connections !== undefined && options.connection !== undefined) {
    throw new ConfigurationError('Transaction options name both `connection` and `connections`; use one', { field: 'connections' });
  }
  if (options.mode !== undefined && options.mode !== '2pc' && options.mode !== 'saga') {
    throw new ConfigurationError(`Unknown mode '${String(options.mode)}': use '2pc' or 'saga'`, { field: 'mode' });
  }
  const targets = options.connections ?? [options.connection];
  if (targets.length === 0) throw new ConfigurationError('A unit of work needs at least one connection', { field: 'connections' });
  const connections = [...new Set(targets.map((target) => resolveConnection(target)))];
  const mode = options.mode === 'saga' ? 'saga' : connections.length > 1 ? '2pc' : 'local';
  return { connections, options, mode, input };
}

/** Register a hook that runs after the surrounding transaction commits. */
export function onCommit(hook: () => unknown, connection?: ConnectionTarget): void {
  frameFor(connection, 'onCommit').onCommit(hook);
}

/** Register a hook that runs after the surrounding transaction (or NESTED level) rolls back. */
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
  if (connection !== undefined) return frameOn(resolveConnection(connection));
  const frames = openFrames();
  if (frames.length === 1) return frames[0];
  return frames.length > 0 && frames.every((frame) => frame.unit === frames[0]!.unit) ? frames[0] : undefined;
}

/** A connection by object, by name (in the running application), or the default one. */
export function resolveConnection(target: ConnectionTarget): Connection {
  return target !== undefined && typeof target !== 'string' ? target : resolveNamedConnection(target);
}

function call<T>(action: () => Promise<T>): Promise<T> {
  try {
    return action();
  } catch (error) {
    return Promise.reject(error);
  }
}

function frameOn(connection: Connection): UnitFrame | undefined {
  const binding = currentScope().binding(connection);
  return binding instanceof UnitFrame && binding.unit.isActive ? binding : undefined;
}

/** Frames of units open in the running code, innermost first, one per unit. */
function openFrames(): UnitFrame[] {
  const frames: UnitFrame[] = [];
  for (const binding of currentScope().allBindings()) {
    if (binding instanceof UnitFrame && binding.unit.isActive && !frames.some((frame) => frame.unit === binding.unit)) frames.push(binding);
  }
  return frames;
}

function frameFor(connection: ConnectionTarget, action: string): Transaction {
  if (connection !== undefined) {
    const target = resolveConnection(connection);
    const frame = frameOn(target);
    if (!frame) throw new TransactionError(`${action}() needs a transaction, and none is open on connection '${target.name}' here`, { connection: target.name });
    return frame;
  }
  const frames = openFrames();
  if (frames.length === 1) return frames[0]!;
  if (frames.length === 0) throw new TransactionError(`${action}() needs a transaction, and none is open here`);
  throw new TransactionError(
    `${action}() is ambiguous: separate transactions are open (${[...frames].reverse().map((frame) => frame.unit.describe()).join('; ')}); pass the connection`,
  );
}
