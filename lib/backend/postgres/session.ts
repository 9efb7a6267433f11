import type { PoolClient, QueryConfig, QueryResult } from 'pg';
import { ActiveRecordError, ConnectionError } from '../../errors';
import type { CompiledQuery } from '../../query/nodes';
import type { DriverSession, ExecuteResult, Row, RunOptions, StreamOptions } from '../storage-backend';

/** What a session needs from its backend. */
export interface SessionHooks {
  translate(error: unknown, sql: string): Error;
  /** A checked-out connection reported an error between statements (it is then discarded). */
  onIdleError(error: Error): void;
  /** This session's connection broke: the server may have dropped the others too. */
  onConnectionLost(): void;
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

  async query(query: CompiledQuery, _options?: RunOptions): Promise<Row[]> {
    const result = await this.run(query);
    return result.rows as Row[];
  }

  async execute(query: CompiledQuery, _options?: RunOptions): Promise<ExecuteResult> {
    const result = await this.run(query);
    return { affectedRows: result.rowCount ?? 0 };
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
      for (;;) {
        const rows = (await this.run(fetch)).rows as Row[];
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

  private async run(query: CompiledQuery): Promise<QueryResult> {
    if (this.done) {
      throw new ConnectionError('This session was already given back to the pool; statements need a new one', {
        sql: query.sql,
      });
    }
    const config: QueryConfig = { text: query.sql, values: query.params as unknown[] };
    let result: QueryResult | QueryResult[];
    try {
      result = (await this.client.query(config)) as QueryResult | QueryResult[];
    } catch (error) {
      const translated = this.hooks.translate(error, query.sql);
      if (translated instanceof ConnectionError) {
        this.broken = true;
        this.hooks.onConnectionLost();
      }
      throw translated;
    }
    // Raw SQL without parameters goes through the simple protocol, which allows several
    // statements and then returns one result each: answer with the last, as psql shows it.
    return Array.isArray(result) ? result[result.length - 1]! : result;
  }
}
