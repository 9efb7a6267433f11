import type { CompiledQuery } from '../../query/nodes';
import { AsyncMutex } from '../../util/async-mutex';
import type { DriverSession, ExecuteResult, Row, StreamOptions } from '../storage-backend';
import type { IsolationLevel } from '../transaction-options';
import { MssqlTypedValue, type MssqlParamType } from './compiled';
import type { MssqlDriver, MssqlPool, MssqlRequest, MssqlTransaction, MssqlType } from './driver';
import { RowPump } from './row-pump';

/** What every session of one backend shares. */
export interface MssqlSessionContext {
  readonly driver: MssqlDriver;
  readonly pool: MssqlPool;
  readonly translate: (error: unknown, sql?: string) => Error;
}

const ISOLATION_KEYS: Record<IsolationLevel, 'READ_UNCOMMITTED' | 'READ_COMMITTED' | 'REPEATABLE_READ' | 'SERIALIZABLE'> = {
  'READ UNCOMMITTED': 'READ_UNCOMMITTED',
  'READ COMMITTED': 'READ_COMMITTED',
  'REPEATABLE READ': 'REPEATABLE_READ',
  SERIALIZABLE: 'SERIALIZABLE',
};

/** The driver type object for a tagged value. */
export function mssqlTypeOf(driver: MssqlDriver, type: MssqlParamType): MssqlType {
  switch (type) {
    case 'NVarChar':
      return driver.NVarChar(driver.MAX);
    case 'VarBinary':
      return driver.VarBinary(driver.MAX);
    case 'DateTimeOffset':
      return driver.DateTimeOffset(3);
    case 'Int':
      return driver.Int;
    case 'BigInt':
      return driver.BigInt;
    case 'Float':
      return driver.Float;
    case 'Bit':
      return driver.Bit;
    case 'UniqueIdentifier':
      return driver.UniqueIdentifier;
  }
}

/**
 * A SQL Server session. Outside a transaction it holds no connection: each statement takes one
 * from the mssql pool (autocommit). `begin` pins one through an mssql Transaction until commit
 * or rollback. tedious runs one request at a time per connection, so statements on a pinned
 * connection are queued here, and a stream still open on it is drained first (see RowPump).
 */
export class MssqlSession implements DriverSession {
  private transaction?: MssqlTransaction;
  private isolation: IsolationLevel = 'READ COMMITTED';
  /** The server rolled the transaction back by itself (deadlock victim, XACT_ABORT). */
  private aborted = false;
  private readonly queue = new AsyncMutex();
  private activeStream?: RowPump;
  /** The request running on the pinned connection, for cancel(). */
  private current?: MssqlRequest;
  private ended = false;

  constructor(private readonly context: MssqlSessionContext) {}

  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  async begin(isolation: IsolationLevel): Promise<void> {
    const { driver, pool } = this.context;
    const transaction = new driver.Transaction(pool);
    transaction.on('rollback', (aborted) => {
      if (aborted) this.aborted = true;
    });
    await this.call('BEGIN TRANSACTION', () => transaction.begin(driver.ISOLATION_LEVEL[ISOLATION_KEYS[isolation]]));
    this.transaction = transaction;
    this.isolation = isolation;
    this.aborted = false;
  }

  async commit(): Promise<void> {
    const transaction = this.requireTransaction('COMMIT TRANSACTION');
    try {
      await this.activeStream?.drain();
      await this.resetIsolation();
      await this.call('COMMIT TRANSACTION', () => transaction.commit());
    } finally {
      this.transaction = undefined;
    }
  }

  async rollback(): Promise<void> {
    const transaction = this.requireTransaction('ROLLBACK TRANSACTION');
    try {
      await this.activeStream?.cancel();
      if (this.aborted) return; // already rolled back by the server; mssql has released the connection
      await this.resetIsolation().catch(() => undefined);
      await this.call('ROLLBACK TRANSACTION', () => transaction.rollback());
    } finally {
      this.transaction = undefined;
    }
  }

  query(query: CompiledQuery): Promise<Row[]> {
    return this.exclusive(async () => (await this.run(query)).recordset ?? []);
  }

  execute(query: CompiledQuery): Promise<ExecuteResult> {
    return this.exclusive(async () => {
      const result = await this.run(query);
      const affected = result.rowsAffected.reduce((sum, n) => sum + n, 0);
      return { affectedRows: result.recordset && affected === 0 ? result.recordset.length : affected };
    });
  }

  /** Rows as the server sends them, at most about `batchSize` held here at once. */
  async *stream(query: CompiledQuery, options: StreamOptions): AsyncGenerator<Row> {
    const pinned = this.transaction !== undefined;
    if (pinned) await this.activeStream?.drain();
    const release = pinned ? await this.queue.acquire() : undefined;
    let pump: RowPump;
    try {
      const request = this.request(query);
      pump = new RowPump(request, options.batchSize);
      request.query(query.sql).catch(() => undefined); // failures arrive through the pump
    } catch (error) {
      release?.();
      throw this.context.translate(error, query.sql);
    }
    if (pinned) this.activeStream = pump;
    // The connection is free for the next statement once the request ends, read or not.
    void pump.finished.then(() => {
      release?.();
      if (this.activeStream === pump) this.activeStream = undefined;
    });
    let complete = false;
    try {
      for (;;) {
        let row: Row | undefined;
        try {
          row = await pump.next();
        } catch (error) {
          throw this.context.translate(error, query.sql);
        }
        if (row === undefined) break;
        yield row;
      }
      complete = true;
    } finally {
      if (!complete) await pump.cancel();
    }
  }

  /** Interrupt the running statement (a transaction timed out); tedious sends an attention. */
  async cancel(): Promise<void> {
    this.current?.cancel();
  }

  release(): void {
    this.end();
  }

  destroy(): void {
    this.end();
  }

  /** A session given back with its transaction still open rolls it back (never leaks it). */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.transaction) this.rollback().catch(() => undefined);
  }

  /** The level is a property of the pooled connection: leave it as tedious's default. */
  private async resetIsolation(): Promise<void> {
    if (this.isolation === 'READ COMMITTED' || this.aborted) return;
    await this.run({ sql: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED', params: [] });
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.transaction === undefined) return work();
    await this.activeStream?.drain();
    const release = await this.queue.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private async run(query: CompiledQuery) {
    const request = this.request(query);
    this.current = request;
    try {
      return await this.call(query.sql, () => request.query(query.sql));
    } finally {
      if (this.current === request) this.current = undefined;
    }
  }

  private request(query: CompiledQuery): MssqlRequest {
    const { driver, pool } = this.context;
    if (this.ended && !this.transaction) throw Object.assign(new Error('the session was released'), { code: 'ECONNCLOSED' });
    const request = new driver.Request(this.transaction ?? pool);
    query.params.forEach((value, index) => {
      const name = `p${index + 1}`;
      if (value instanceof MssqlTypedValue) request.input(name, mssqlTypeOf(driver, value.type), value.value);
      else request.input(name, value);
    });
    return request;
  }

  private requireTransaction(sql: string): MssqlTransaction {
    if (!this.transaction) throw this.context.translate(Object.assign(new Error('no transaction is open on this session'), { name: 'TransactionError', code: 'ENOTBEGUN' }), sql);
    return this.transaction;
  }

  private async call<T>(sql: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.context.translate(error, sql);
    }
  }
}
