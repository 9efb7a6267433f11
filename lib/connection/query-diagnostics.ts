import { tracingChannel } from 'node:diagnostics_channel';
import type { ExecuteResult, Row } from '../backend/storage-backend';
import type { CompiledQuery } from '../query/nodes';
import type { LogPolicy } from './logging-options';

/** The diagnostics_channel tracing channel every statement is published on. */
export const QUERY_CHANNEL = 'nestjs-activerecord:query';

/**
 * One statement, as published on `tracing:nestjs-activerecord:query:{start,end,asyncStart,asyncEnd,error}`.
 * The same object travels through every event of the statement (as with Node's
 * `TracingChannel.tracePromise`): `start` before it is sent; `end` when the call returns (with
 * `durationMs` set when it completed synchronously, as SQLite's statements do); otherwise
 * `asyncStart` and `asyncEnd` once it settled; `error` before those when it failed.
 */
export interface QueryMessage {
  /** The connection's name. */
  readonly connection: string;
  /** The dialect: 'sqlite', 'postgres', 'mysql', 'mariadb', 'oracle', 'mssql' or a custom one. */
  readonly backend: string;
  /** The SQL text as sent (string literals masked in a statement that mentions a password or secret). */
  readonly sql: string;
  /** How many values are bound. */
  readonly paramCount: number;
  /** The bound values, only where the connection opted in (`logging: { values: true }`). */
  readonly params?: readonly unknown[];
  /** The server that ran it: the primary, or one of the connection's read replicas. */
  readonly server: 'primary' | 'replica';
  /** The replica's position in the connection's `replicas` option. */
  readonly replica?: number;
  /** Whether it ran inside a transaction. */
  readonly inTransaction: boolean;
  /** Milliseconds from start to completion, once completed. */
  durationMs?: number;
  /** Rows returned (a query, a stream) or affected (a write), once completed. */
  rowCount?: number;
  /** The library's error, when it failed. */
  error?: unknown;
}

/** Where a statement runs, for the message and the log line. */
export interface Placement {
  readonly server: 'primary' | 'replica';
  readonly replica?: number;
  readonly inTransaction: boolean;
}

export const ON_PRIMARY: Placement = { server: 'primary', inTransaction: false };
export const IN_TRANSACTION: Placement = { server: 'primary', inTransaction: true };

/** What a statement's observer needs to know about its connection. */
export interface StatementSource {
  readonly name: string;
  readonly backendName: string;
  readonly logPolicy: LogPolicy | undefined;
}

const channel = tracingChannel<QueryMessage, QueryMessage>(QUERY_CHANNEL);

/** Whether anything observes statements now: a subscriber to the channel. Cheap: checked on every statement. */
export function statementsTraced(): boolean {
  return channel.hasSubscribers;
}

/**
 * Run one statement, publishing it on the channel and logging it as the connection's policy
 * says. Callers check `statementsTraced()` and their policy first: an unobserved statement
 * does not come here, so this path may allocate.
 */
export function observeStatement<T extends Row[] | ExecuteResult>(
  source: StatementSource,
  query: CompiledQuery,
  where: Placement,
  run: () => T | Promise<T>,
): T | Promise<T> {
  const observation = new Observation(source, query, where);
  let result: T | Promise<T>;
  try {
    result = run();
  } catch (error) {
    observation.failed(error, false);
    throw error;
  }
  if (!isPromise(result)) {
    observation.completed(countOf(result), false);
    return result;
  }
  observation.returned();
  return result.then(
    (value) => {
      observation.completed(countOf(value), true);
      return value;
    },
    (error: unknown) => {
      observation.failed(error, true);
      throw error;
    },
  );
}

/** A stream, observed from the call to the end of its iteration (however it ends). */
export async function* observeStream(source: StatementSource, query: CompiledQuery, where: Placement, rows: AsyncIterable<Row>): AsyncGenerator<Row> {
  const observation = new Observation(source, query, where);
  observation.returned();
  let count = 0;
  try {
    for await (const row of rows) {
      count++;
      yield row;
    }
  } catch (error) {
    observation.failed(error, true);
    throw error;
  }
  observation.completed(count, true);
}

class Observation {
  private readonly started = performance.now();
  private readonly message: QueryMessage | undefined;

  constructor(
    private readonly source: StatementSource,
    private readonly query: CompiledQuery,
    private readonly where: Placement,
  ) {
    if (channel.hasSubscribers) {
      const values = source.logPolicy?.values === true && !mentionsSecret(query.sql);
      this.message = {
        connection: source.name,
        backend: source.backendName,
        sql: shownSql(query.sql),
        paramCount: query.params.length,
        ...(values ? { params: query.params } : {}),
        server: where.server,
        ...(where.replica === undefined ? {} : { replica: where.replica }),
        inTransaction: where.inTransaction,
      };
      channel.start.publish(this.message);
    }
  }

  /** The call returned a promise: `end` now, the rest when it settles. */
  returned(): void {
    if (this.message) channel.end.publish(this.message);
  }

  completed(rowCount: number | undefined, async: boolean): void {
    const durationMs = performance.now() - this.started;
    const message = this.message;
    if (message) {
      message.durationMs = durationMs;
      message.rowCount = rowCount;
      if (async) {
        channel.asyncStart.publish(message);
        channel.asyncEnd.publish(message);
      } else {
        channel.end.publish(message);
      }
    }
    this.log(durationMs, rowCount === undefined ? '' : `, ${rowCount} row${rowCount === 1 ? '' : 's'}`);
  }

  failed(error: unknown, async: boolean): void {
    const durationMs = performance.now() - this.started;
    const message = this.message;
    if (message) {
      message.durationMs = durationMs;
      message.error = error;
      channel.error.publish(message);
      if (async) {
        channel.asyncStart.publish(message);
        channel.asyncEnd.publish(message);
      } else {
        channel.end.publish(message);
      }
    }
    this.log(durationMs, `, failed: ${error instanceof Error ? error.name : 'error'}`);
  }

  private log(durationMs: number, outcome: string): void {
    const policy = this.source.logPolicy;
    if (policy === undefined) return;
    const slow = policy.slow !== undefined && durationMs >= policy.slowQueryMs;
    const sink = slow ? policy.slow : policy.query;
    if (sink === undefined) return;
    const { query, where } = this;
    const server = where.server === 'replica' ? ` on replica ${where.replica}` : '';
    const details = `${formatMs(durationMs)}${server}${outcome}${describeParams(query, policy.values)}`;
    const sql = shownSql(query.sql);
    sink(
      slow
        ? `[${this.source.name}] slow statement (${formatMs(durationMs)}, slowQueryMs ${policy.slowQueryMs}): ${sql} -- ${details}`
        : `[${this.source.name}] ${sql} -- ${details}`,
    );
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

function countOf(result: Row[] | ExecuteResult): number | undefined {
  return Array.isArray(result) ? result.length : (result as ExecuteResult | undefined)?.affectedRows;
}

/** `0.42 ms`, `12.3 ms`. */
export function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

/**
 * Words that say a statement carries a credential (`ALTER ROLE ... PASSWORD '...'`, an insert
 * into `password_hash`, `api_key`, a token): its values stay redacted even where the connection
 * shows values, and its string literals are masked in the text.
 */
const SECRET = /passw(?:or)?d|secret|token|api_?key|credential|identified\s+by/i;

export function mentionsSecret(sql: string): boolean {
  return SECRET.test(sql);
}

/** The text shown in logs and channel messages: a statement that mentions a secret gets its literals masked. */
export function shownSql(sql: string): string {
  return SECRET.test(sql) ? sql.replace(/'(?:[^']|'')*'/g, "'***'") : sql;
}

function describeParams(query: CompiledQuery, values: boolean): string {
  const count = query.params.length;
  if (count === 0) return '';
  if (!values) return `, ${count} value${count === 1 ? '' : 's'} redacted`;
  if (mentionsSecret(query.sql)) return `, ${count} value${count === 1 ? '' : 's'} redacted (the statement mentions a secret)`;
  return `, values: [${query.params.map(describeValue).join(', ')}]`;
}

const MAX_SHOWN = 120;

/** One bound value for a log line: short, unambiguous, never a whole blob. */
export function describeValue(value: unknown): string {
  if (value === null) return 'NULL';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (typeof value === 'object') {
    let text: string;
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
  }
  return String(value);
}
