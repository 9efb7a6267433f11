import type { CompiledQuery } from '../../query/nodes';
import type { DriverSession, ExecuteResult, Row, RunOptions, StreamOptions } from '../storage-backend';
import type { RawResultHeader } from './driver';
import type { MysqlLink } from './link';
import { LazyStream } from './live-result';

/** What a session needs from its backend: error translation and the way back to the pool. */
export interface SessionOwner {
  translateError(error: unknown, sql?: string): Error;
  releaseLink(link: MysqlLink): void;
  discardLink(link: MysqlLink): void;
}

/**
 * One pooled connection lent out for exclusive use: to a transaction (everything it runs), or to
 * one statement outside any transaction. Errors leave already translated, so the caller can tell
 * a broken connection (ConnectionError: destroy) from a failed statement (release).
 */
export class MysqlSession implements DriverSession {
  private returned = false;

  constructor(
    readonly link: MysqlLink,
    private readonly owner: SessionOwner,
  ) {}

  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.run(query, options?.rowMode === 'array', toRows);
  }

  execute(query: CompiledQuery): Promise<ExecuteResult> {
    return this.run(query, false, toExecuteResult);
  }

  private run<T>(query: CompiledQuery, rowsAsArray: boolean, map: (result: unknown) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.link.dispatch(query, rowsAsArray, (error, result) => {
        if (error) reject(this.owner.translateError(error, query.sql));
        else resolve(map(result));
      });
    });
  }

  /**
   * Rows of a statement inside this session's transaction, read as the caller iterates (see
   * LiveResult: the loop body may use the session; the rest of the result then waits on disk).
   * Leaving the loop early reads and drops the rest, since the transaction keeps the connection.
   */
  stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    const translate = (error: unknown) => this.owner.translateError(error, query.sql);
    return new LazyStream(async () => {
      try {
        return await this.link.stream(query, options.batchSize, {
          translate,
          settle: (outcome, result) => (outcome === 'left' && !this.link.broken ? result.discardRest() : undefined),
        });
      } catch (error) {
        throw translate(error);
      }
    });
  }

  release(): void {
    if (this.returned) return;
    this.returned = true;
    this.owner.releaseLink(this.link);
  }

  destroy(): void {
    if (this.returned) return;
    this.returned = true;
    this.owner.discardLink(this.link);
  }
}

/** A statement's result as rows: none for statements that return an OK packet. */
export function toRows(result: unknown): Row[] {
  return Array.isArray(result) ? (result as Row[]) : [];
}

/** A statement's result as counts; `insertId` only when the statement generated a key (else it is 0). */
export function toExecuteResult(result: unknown): ExecuteResult {
  if (Array.isArray(result)) return { affectedRows: result.length };
  const { affectedRows, insertId } = result as RawResultHeader;
  return insertId && insertId !== '0' ? { affectedRows, insertId } : { affectedRows };
}
