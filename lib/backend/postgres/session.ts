import type { ClientBase, PoolClient, QueryConfig, QueryResult } from 'pg';
import { ActiveRecordError, ConnectionError } from '../../errors';
import type { CompiledQuery } from '../../query/nodes';
import type { DriverSession, ExecuteResult, Row, RunOptions, StreamOptions } from '../storage-backend';
import { TooManyParametersError } from '../statement-limits';
import { forgetStalePlan, pendingDeallocation, queryConfig } from './prepared-statements';

/** The Bind message counts parameters in 16 bits: past this, pg would send a malformed message. */
const MAX_BIND_PARAMETERS = 65535;

/** What a session needs from its backend. */
export interface SessionHooks {
  translate(error: unknown, sql: string): Error;
  /** A checked-out connection reported an error between statements (it is then discarded). */
  onIdleError(error: Error): void;
  /** This session's connection broke: the server may have dropped the others too. */
  onConnectionLost(): void;
  /** Model statements run as named prepared statements (the `preparedStatements` option). */
  readonly namedStatements: boolean;
}

let cursorSequence = 0;

/**
 * One pooled `pg` client, checked out for a transaction, a stream, or a single statement.
 *
 * Errors leave already translated. A ConnectionError marks the session broken, so that even a
 * caller who then calls `release()` hands the pool a client to discard, not to reuse.
 */
export class PostgresSession implements DriverSession {
  private done = false;
  private broken = false;
  /**
   * One statement in flight per client: statements issued together (`Promise.all` of creates in
   * one transaction) wait their turn here instead of reaching `client.query()` while it is busy,
   * which pg deprecates (and pg 9 refuses).
   */
  private busy = false;
  private readonly waiting: Array<() => void> = [];
  private readonly onError = (error: Error) => {
    // pg-pool listens for errors only while a client is idle; while it is checked out an
    // unhandled 'error' event (the server closing the socket between statements) would crash
    // the process. Note it, and let the next statement fail with a ConnectionError.
    this.broken = true;
    this.hooks.onIdleError(error);
    this.hooks.onConnectionLost();
  };

  constructor(
    private readonly client: PoolClient,
    private readonly hooks: SessionHooks,
  ) {
    client.on('error', this.onError);
  }

  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.run(query, options, toRows);
  }

  execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    return this.run(query, options, toExecuteResult);
  }

  /**
   * A server-side cursor, read `batchSize` rows per FETCH, so memory stays bounded by the batch
   * on both sides. Each FETCH is a complete statement, so between batches the loop body may run
   * other statements on this same session (PostgreSQL interleaves them with the open cursor).
   *
   * A cursor lives in a transaction. Inside the caller's transaction it uses that one (and so
   * sees its uncommitted writes); on a session with no transaction open, it opens one for the
   * cursor and ends it when the loop ends, however it ends (completion, `break`, error).
   */
  async *stream(query: CompiledQuery, options: StreamOptions): AsyncGenerator<Row> {
    const batchSize = options.batchSize;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ActiveRecordError(`stream batchSize must be a positive integer, got ${String(batchSize)}`);
    }
    const ownTransaction = this.client.getTransactionStatus() === 'I';
    if (ownTransaction) await this.run({ sql: 'BEGIN', params: [] });
    const cursor = `"ar_cursor_${++cursorSequence}"`;
    let declared = false;
    let failed = false;
    try {
      await this.run({ sql: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${query.sql}`, params: query.params });
      declared = true;
      // batchSize is a checked integer: FETCH takes no bind parameter for its count.
      const fetch: CompiledQuery = { sql: `FETCH FORWARD ${batchSize} FROM ${cursor}`, params: [] };
      // Value arrays where the caller asked (RunOptions.rowMode): no object per row to build.
      const fetchOptions: RunOptions | undefined = options.rowMode === 'array' ? { rowMode: 'array' } : undefined;
      for (;;) {
        const rows = (await this.run(fetch, fetchOptions)).rows as Row[];
        for (const row of rows) yield row;
        if (rows.length < batchSize) return;
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      await this.endCursor(cursor, declared, ownTransaction, failed);
    }
  }

  /**
   * Close the cursor and, if the stream opened the transaction, end it. Skipped when the
   * connection broke; after an error in the caller's transaction the cursor goes with it. An
   * error here surfaces only if nothing else is already being thrown.
   */
  private async endCursor(cursor: string, declared: boolean, ownTransaction: boolean, failed: boolean): Promise<void> {
    if (this.broken) return;
    try {
      const status = this.client.getTransactionStatus();
      if (ownTransaction) {
        await this.run({ sql: status === 'T' ? 'COMMIT' : 'ROLLBACK', params: [] });
      } else if (declared && status === 'T') {
        await this.run({ sql: `CLOSE ${cursor}`, params: [] });
      }
    } catch (error) {
      if (!failed) throw error;
    }
  }

  /** The server process behind this session, for a cancel request from another connection. */
  get processId(): number | undefined {
    return (this.client as PoolClient & { processID?: number }).processID ?? undefined;
  }

  /**
   * A cancel was requested for this session. It arrives asynchronously and targets the server
   * process, not a statement: reused by someone else, the connection could have their statement
   * cancelled. So it is discarded instead of going back to the pool.
   */
  retire(): void {
    this.broken = true;
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.client.removeListener('error', this.onError);
    // Never hand the pool a connection in an unknown state, or one still inside a transaction
    // (raw `BEGIN` outside connection.transaction()): the next user would run inside it.
    const status = this.client.getTransactionStatus();
    const reusable = !this.broken && (status === 'I' || status === null);
    this.client.release(reusable ? undefined : true);
  }

  destroy(): void {
    this.broken = true;
    this.release();
  }

  private run(query: CompiledQuery, options?: RunOptions): Promise<QueryResult>;
  private run<T>(query: CompiledQuery, options: RunOptions | undefined, map: (result: QueryResult) => T): Promise<T>;
  private run<T>(query: CompiledQuery, options?: RunOptions, map?: (result: QueryResult) => T): Promise<T | QueryResult> {
    if (this.done) {
      return Promise.reject(
        new ConnectionError('This session was already given back to the pool; statements need a new one', { sql: query.sql }),
      );
    }
    return new Promise<T | QueryResult>((resolve, reject) => {
      const send = () =>
        runOnClient(this.client, query, options, this.hooks.namedStatements, (error, result) => {
          this.next();
          if (error === undefined) {
            resolve(map ? map(result!) : result!);
            return;
          }
          const translated = this.hooks.translate(error, query.sql);
          if (translated instanceof ConnectionError) {
            this.broken = true;
            this.hooks.onConnectionLost();
          }
          reject(translated);
        });
      if (this.busy) this.waiting.push(send);
      else {
        this.busy = true;
        send();
      }
    });
  }

  /** The statement in flight finished: send the next one waiting, if any. */
  private next(): void {
    const send = this.waiting.shift();
    if (send) send();
    else this.busy = false;
  }
}

export function toRows(result: QueryResult): Row[] {
  return result.rows as Row[];
}

export function toExecuteResult(result: QueryResult): ExecuteResult {
  return { affectedRows: result.rowCount ?? 0 };
}

/**
 * Run one statement on a client with pg's callback API (no promise of pg's own), named where
 * `options` say it is worth preparing (see prepared-statements.ts). A named statement whose
 * prepared form went stale runs once more, freshly prepared, where that is safe: outside a
 * transaction (inside one, the failure has already aborted it). The callback gets the untranslated
 * driver error, or the result: for raw SQL without parameters, which goes through the simple
 * protocol and may hold several statements, the last statement's result, as psql shows it.
 */
export function runOnClient(
  client: ClientBase,
  query: CompiledQuery,
  options: RunOptions | undefined,
  named: boolean,
  done: (error: unknown, result?: QueryResult) => void,
  retried = false,
): void {
  let config: QueryConfig;
  try {
    if (query.params.length > MAX_BIND_PARAMETERS) throw new TooManyParametersError(query.params.length, MAX_BIND_PARAMETERS);
    config = queryConfig(client, query, options, named);
  } catch (error) {
    done(error);
    return;
  }
  const deallocate = pendingDeallocation(client);
  if (deallocate !== undefined) {
    // Statements dropped from the connection's set leave the server first; a failure here means
    // the session broke, which the statement itself will then report.
    client.query(deallocate, () => send(client, query, options, named, config, done, retried));
    return;
  }
  send(client, query, options, named, config, done, retried);
}

function send(
  client: ClientBase,
  query: CompiledQuery,
  options: RunOptions | undefined,
  named: boolean,
  config: QueryConfig,
  done: (error: unknown, result?: QueryResult) => void,
  retried: boolean,
): void {
  client.query(config, (error: Error | null, result: QueryResult | QueryResult[]) => {
    if (error) {
      if (!retried && forgetStalePlan(client, config, error) && client.getTransactionStatus() === 'I') {
        runOnClient(client, query, options, named, done, true);
        return;
      }
      done(error);
      return;
    }
    done(undefined, Array.isArray(result) ? result[result.length - 1]! : result);
  });
}
