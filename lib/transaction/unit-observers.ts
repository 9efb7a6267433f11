import { tracingChannel } from 'node:diagnostics_channel';
import type { IsolationLevel } from '../backend/transaction-options';
import { enteredScope } from '../connection/ambient-scope';
import type { Connection } from '../connection/connection';
import type { LogSink } from '../connection/logging-options';
import { formatMs } from '../connection/query-diagnostics';
import type { Unit } from './unit';

/** The diagnostics_channel tracing channel every transaction (unit of work) is published on. */
export const TRANSACTION_CHANNEL = 'nestjs-activerecord:transaction';

/**
 * One transaction, as published on `tracing:nestjs-activerecord:transaction:{start,end,asyncStart,asyncEnd,error}`:
 * `start` before its branches begin, `end` right after (the unit runs asynchronously), then
 * `asyncStart`/`asyncEnd` once it committed or rolled back (`error` before them when it did not
 * commit). One object travels through all of them. NESTED levels and savepoints are part of
 * their transaction, not transactions of their own.
 */
export interface TransactionMessage {
  /** `OrderService.place` for @Transactional, the `name` option, or `transaction on 'main'`. */
  readonly name: string;
  /** The connections it spans (a unit widened by a later call lists them all at the end). */
  connections: readonly string[];
  /** `local` (one connection), `2pc` (two-phase commit across several) or `saga`. */
  readonly mode: 'local' | '2pc' | 'saga';
  readonly isolation?: IsolationLevel;
  readonly readOnly: boolean;
  /** The global id, for a distributed unit (also in the coordinator's events and the decision log). */
  gid?: string;
  /** How it ended. */
  outcome?: 'committed' | 'rolled back';
  /** A distributed outcome the coordinator could not tell yet; recovery settles it. */
  inDoubt?: boolean;
  /** Milliseconds from start to end, once ended. */
  durationMs?: number;
  /** The error its work threw (it rolled back, unless `rollbackOn` said otherwise), or the commit's own failure. */
  error?: unknown;
}

const channel = tracingChannel<TransactionMessage, TransactionMessage>(TRANSACTION_CHANNEL);

interface Trace {
  readonly message: TransactionMessage | undefined;
  readonly started: number;
  readonly log: LogSink | undefined;
}

/** Only units someone observes have a trace: nothing is allocated for the others. */
const traces = new WeakMap<Unit, Trace>();

/** A unit is about to begin (before its branches open). */
export function unitStarted(unit: Unit, mode: TransactionMessage['mode']): void {
  const log = transactionLog(unit.declared);
  if (log === undefined && !channel.hasSubscribers) return;
  let message: TransactionMessage | undefined;
  if (channel.hasSubscribers) {
    message = {
      name: unit.name,
      connections: unit.declared.map((connection) => connection.name),
      mode,
      ...(unit.isolation === undefined ? {} : { isolation: unit.isolation }),
      readOnly: unit.readOnly,
    };
    channel.start.publish(message);
    channel.end.publish(message);
  }
  traces.set(unit, { message, started: performance.now(), log });
}

/**
 * A unit has ended (its sessions given back, its hooks not run yet). Besides its trace and log
 * line, a commit counts as a write of the running request on each connection with read
 * replicas, so the request's next reads there go to the primary (read-your-writes).
 */
export function unitEnded(unit: Unit, outcome: 'committed' | 'rolled back', error: unknown): void {
  if (outcome === 'committed' && !unit.readOnly) noteRequestWrites(unit.connections);
  const trace = traces.get(unit);
  if (trace === undefined) return;
  traces.delete(unit);
  const durationMs = performance.now() - trace.started;
  const message = trace.message;
  if (message !== undefined) {
    message.connections = unit.connections.map((connection) => connection.name);
    if (unit.gid !== undefined) message.gid = unit.gid;
    message.outcome = outcome;
    if (unit.inDoubt) message.inDoubt = true;
    message.durationMs = durationMs;
    if (error !== undefined) {
      message.error = error;
      channel.error.publish(message);
    }
    channel.asyncStart.publish(message);
    channel.asyncEnd.publish(message);
  }
  if (trace.log !== undefined) {
    const names = unit.connections.map((connection) => connection.name).join(',');
    const ended = unit.inDoubt ? 'is in doubt (recovery will settle it)' : outcome;
    const gid = unit.gid === undefined ? '' : ` (${unit.gid})`;
    const cause = error instanceof Error ? `: ${error.name}` : '';
    trace.log(`[${names}] transaction '${unit.name}'${gid} ${ended} after ${formatMs(durationMs)}${cause}`);
  }
}

/** The sink of the first connection that logs transactions. */
function transactionLog(connections: readonly Connection[]): LogSink | undefined {
  for (let i = 0; i < connections.length; i++) {
    const sink = connections[i]!.logPolicy?.transaction;
    if (sink !== undefined) return sink;
  }
  return undefined;
}

function noteRequestWrites(connections: readonly Connection[]): void {
  for (let i = 0; i < connections.length; i++) {
    if (connections[i]!.replicas === undefined) continue;
    const request = enteredScope()?.routing?.request;
    if (request === undefined) return;
    request.wrote(connections[i]!);
  }
}
