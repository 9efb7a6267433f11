import type { CompiledQuery } from '../../query/nodes';
import { LiveResult, type StreamHooks } from './live-result';

/** Column types the model layer reads as text (see `submit`). */
const MODEL_DATE_STRINGS: readonly string[] = ['DATE', 'DATETIME'];
import {
  SERVER_STATUS_IN_TRANS,
  type Mysql2Module,
  type RawCallback,
  type RawConnection,
  type RawError,
  type RawQueryOptions,
  type RawResultHeader,
} from './driver';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * One physical connection to the server, as the pool holds it. Statements with bound values go
 * through `execute()` (a server-side prepared statement, cached per connection up to
 * `maxPreparedStatements`, least recently used closed first); statements without values, which
 * include transaction control and DDL that some servers will not prepare, go through `query()`.
 */
export class MysqlLink {
  /** Set when the socket closed or failed: the pool throws the link away instead of reusing it. */
  broken = false;
  /** Closed instead of pooled when given back (a KILL QUERY may still be on its way to it). */
  retired = false;
  /** From the server's status flags after each statement: a transaction is open on this link. */
  inTransaction = false;
  private active?: LiveResult;

  constructor(
    readonly raw: RawConnection,
    private readonly driver: Mysql2Module,
  ) {
    // Without a listener, an error on an idle connection (KILL, server restart) would be thrown
    // from an EventEmitter and crash the process.
    raw.on('error', (error: unknown) => this.markBroken(error));
    raw.on('end', () => this.markBroken(connectionLost()));
  }

  get threadId(): number | null {
    return this.raw.threadId;
  }

  /**
   * Run one statement; resolves with rows (an array; value arrays with `rowsAsArray`) or the OK
   * packet's header.
   */
  run(query: CompiledQuery, rowsAsArray = false): Promise<unknown> {
    const active = this.active;
    if (active !== undefined) {
      this.active = undefined;
      if (!active.received) return active.detach().then(() => this.send(query, rowsAsArray));
    }
    return this.send(query, rowsAsArray);
  }

  /**
   * `run` with a callback, for the pooled path that makes no promise of its own. Calls back with
   * the driver's error (untranslated) or the result; never throws.
   */
  dispatch(query: CompiledQuery, rowsAsArray: boolean, callback: RawCallback): void {
    const active = this.active;
    if (active !== undefined) {
      this.run(query, rowsAsArray).then(
        (result) => callback(null, result),
        (error: RawError) => callback(error),
      );
      return;
    }
    this.submit(query, rowsAsArray, callback);
  }

  /** Start a statement whose rows are read as the caller iterates. */
  async stream(query: CompiledQuery, batchSize: number, hooks: StreamHooks): Promise<LiveResult> {
    const previous = this.active;
    if (previous !== undefined && !previous.received) await previous.detach();
    // On a closed connection mysql2 reports a command without a callback on the connection, not
    // on the command: the result would wait forever for rows.
    if (this.broken) throw connectionLost();
    const options = { sql: query.sql, values: this.bindable(query.params) };
    const command = query.params.length === 0 ? this.raw.query(options) : this.raw.execute(options);
    const result = new LiveResult(this.raw, command, batchSize, hooks);
    this.active = result;
    if (this.broken) result.fail(connectionLost());
    return result;
  }

  /** Close politely (COM_QUIT), or at once if that takes too long. */
  close(): Promise<void> {
    if (this.broken) {
      this.destroy();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.destroy();
        resolve();
      }, 1000);
      timer.unref();
      try {
        this.raw.end(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        this.destroy();
        resolve();
      }
    });
  }

  /** Drop the connection now, even mid-result (the socket is destroyed so the server stops sending). */
  destroy(): void {
    this.broken = true;
    try {
      this.raw.destroy();
      this.raw.stream?.destroy();
    } catch {
      // already closed
    }
  }

  private send(query: CompiledQuery, rowsAsArray: boolean): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.submit(query, rowsAsArray, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }

  private submit(query: CompiledQuery, rowsAsArray: boolean, done: RawCallback): void {
    const callback: RawCallback = (error, result) => {
      if (error) {
        if (error.fatal) this.broken = true;
        done(error);
        return;
      }
      const status = (result as RawResultHeader | undefined)?.serverStatus;
      if (typeof status === 'number') this.inTransaction = (status & SERVER_STATUS_IN_TRANS) !== 0;
      done(null, result);
    };
    try {
      const options: RawQueryOptions = { sql: query.sql };
      // Only asked for when wanted: mysql2 keys its prepared statements and parsers by it too.
      if (rowsAsArray) {
        options.rowsAsArray = true;
        // Value-array rows are the model layer's, whose readers parse DATETIME text themselves:
        // exactly (mysql2's Dates get the years 0-99 wrong unless it builds them from text, the
        // slowest way) and faster. Raw queries keep mysql2's Dates.
        options.dateStrings = MODEL_DATE_STRINGS;
      }
      if (query.params.length === 0) this.raw.query(options, callback);
      else {
        options.values = this.bindable(query.params);
        this.raw.execute(options, callback);
      }
    } catch (error) {
      done(error as RawError);
    }
  }

  /** BigInts bind as 64-bit integers: as strings, MySQL would compare them to numbers as doubles. */
  private bindable(params: readonly unknown[]): unknown[] {
    let values: unknown[] | undefined;
    for (let i = 0; i < params.length; i++) {
      const value = params[i];
      if (typeof value !== 'bigint') continue;
      values ??= params.slice();
      const typed = this.driver.TypedParameter;
      values[i] = typed && value >= INT64_MIN && value <= INT64_MAX ? typed.LONGLONG(value) : value.toString();
    }
    return values ?? (params as unknown[]);
  }

  private markBroken(error: unknown): void {
    this.broken = true;
    const active = this.active;
    this.active = undefined;
    active?.fail(error);
  }
}

/** What a result in flight fails with when the server closes the socket without an error packet. */
function connectionLost(): Error {
  return Object.assign(new Error('Connection lost: the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
}
