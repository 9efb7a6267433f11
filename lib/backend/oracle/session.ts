import type { CompiledQuery } from '../../query/nodes';
import type { DriverSession, ExecuteResult, Row, StreamOptions } from '../storage-backend';
import { toOracleBatch, toOracleBinds } from './binding';
import { isOracleBatch, readBackOf } from './compiled';
import type { OracleConnection, OracleDriver, OracleExecuteOptions, OracleFetchTypeHandler, OracleResult } from './driver';

/** What every session of one backend shares. */
export interface OracleSessionContext {
  readonly driver: OracleDriver;
  readonly fetchTypeHandler: OracleFetchTypeHandler;
  readonly translate: (error: unknown, sql?: string) => Error;
}

/**
 * One pooled node-oracledb connection. Outside a transaction every statement commits on its own
 * (`autoCommit`); the backend's `begin` switches that off until commit or rollback, since Oracle
 * opens transactions implicitly. node-oracledb queues calls on one connection, so a stream's
 * next batch and a write from the loop body can interleave on the same session.
 */
export class OracleSession implements DriverSession {
  inTransaction = false;
  private ended = false;

  constructor(
    readonly connection: OracleConnection,
    private readonly context: OracleSessionContext,
  ) {}

  async query(query: CompiledQuery): Promise<Row[]> {
    const result = await this.run(query);
    const readBack = readBackOf(query);
    if (readBack === undefined) return result.rows ?? [];
    // The inserted (or merged) row, read by its ROWID in the same session and transaction.
    if (!result.lastRowid) return [];
    const back = await this.call(readBack, () => this.connection.execute(readBack, [result.lastRowid], this.options()));
    return back.rows ?? [];
  }

  async execute(query: CompiledQuery): Promise<ExecuteResult> {
    const result = await this.run(query);
    return { affectedRows: result.rowsAffected ?? result.rows?.length ?? 0 };
  }

  /** A result set read `batchSize` rows per round trip; at most one batch is held here. */
  async *stream(query: CompiledQuery, options: StreamOptions): AsyncGenerator<Row> {
    const batchSize = options.batchSize;
    const result = await this.call(query.sql, () =>
      this.connection.execute(query.sql, toOracleBinds(this.context.driver, query.params), {
        ...this.options(),
        resultSet: true,
        fetchArraySize: batchSize,
        prefetchRows: batchSize,
      }),
    );
    const resultSet = result.resultSet;
    if (!resultSet) {
      yield* result.rows ?? [];
      return;
    }
    try {
      for (;;) {
        const rows = await this.call(query.sql, () => resultSet.getRows(batchSize));
        yield* rows;
        if (rows.length < batchSize) return;
      }
    } finally {
      await resultSet.close().catch(() => undefined);
    }
  }

  async commit(): Promise<void> {
    try {
      await this.call('COMMIT', () => this.connection.commit());
    } finally {
      this.inTransaction = false;
    }
  }

  async rollback(): Promise<void> {
    try {
      await this.call('ROLLBACK', () => this.connection.rollback());
    } finally {
      this.inTransaction = false;
    }
  }

  /** Interrupt the running statement (a transaction timed out); it fails with ORA-01013. */
  async cancel(): Promise<void> {
    if (!this.ended) await this.connection.breakExecution().catch(() => undefined);
  }

  /** Back to the pool; node-oracledb rolls back whatever is still open. */
  release(): void {
    if (this.ended) return;
    this.ended = true;
    this.connection.close().catch(() => undefined);
  }

  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    this.connection.close({ drop: true }).catch(() => undefined);
  }

  private run(query: CompiledQuery): Promise<OracleResult> {
    const { driver } = this.context;
    if (isOracleBatch(query)) {
      const { rows, bindDefs } = toOracleBatch(driver, query.batch);
      return this.call(query.sql, () =>
        this.connection.executeMany(query.sql, bindDefs.length === 0 ? rows.length : rows, { ...this.options(), bindDefs }),
      );
    }
    return this.call(query.sql, () => this.connection.execute(query.sql, toOracleBinds(driver, query.params), this.options()));
  }

  private options(): OracleExecuteOptions {
    return {
      autoCommit: !this.inTransaction,
      outFormat: this.context.driver.OUT_FORMAT_OBJECT,
      fetchTypeHandler: this.context.fetchTypeHandler,
    };
  }

  private async call<T>(sql: string, work: () => Promise<T>): Promise<T> {
    if (this.ended) throw this.context.translate(Object.assign(new Error('NJS-003: invalid or closed connection'), { code: 'NJS-003' }), sql);
    try {
      return await work();
    } catch (error) {
      throw this.context.translate(error, sql);
    }
  }
}
