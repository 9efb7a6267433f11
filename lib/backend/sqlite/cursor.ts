import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * An open result on a better-sqlite3 connection, read a batch at a time as a stream asks, so
 * the first rows arrive after one batch however big the result is.
 *
 * While a statement is being iterated, better-sqlite3 refuses every write on its connection
 * (reads are fine). A stream's loop body may write, and so may other code sharing SQLite's one
 * connection: before any write, the connection's open cursors are `detach()`ed: each reads the
 * rest of its result at once into a private temporary file (batches of value arrays, V8's
 * structured clone) and lets its statement go, and iteration continues from the file. So the
 * stream still sees exactly the result as it was when it started (the same statement, in the
 * same transaction), memory stays bounded by the batch, and the write goes ahead.
 */
export class SqliteCursor {
  private iterator?: IterableIterator<unknown[]>;
  private spill?: SpillFile;
  /** Set when the connection closed under the stream: reading on is an error, not an early end. */
  private closedBy?: Error;

  constructor(
    statement: BetterSqlite3.Statement,
    params: readonly unknown[],
    private readonly batchSize: number,
  ) {
    this.iterator = statement.iterate(params as unknown[]) as IterableIterator<unknown[]>;
  }

  /** The next batch of rows (value arrays): `batchSize` of them, fewer only at the end. */
  next(): unknown[][] {
    if (this.closedBy !== undefined) throw this.closedBy;
    if (this.spill !== undefined) return this.spill.read();
    const iterator = this.iterator;
    const rows: unknown[][] = [];
    if (iterator === undefined) return rows;
    try {
      while (rows.length < this.batchSize) {
        const step = iterator.next();
        if (step.done === true) {
          this.iterator = undefined;
          break;
        }
        rows.push(step.value);
      }
    } catch (error) {
      // The statement is finished after an error: asking again must fail again, not end early.
      this.closedBy = error as Error;
      this.close();
      throw error;
    }
    return rows;
  }

  /** Free the connection for writes: the rest of the result goes to disk now. */
  detach(): void {
    const iterator = this.iterator;
    if (iterator === undefined) return;
    this.iterator = undefined;
    const spill = SpillFile.create();
    this.spill = spill;
    try {
      let batch: unknown[][] = [];
      for (let step = iterator.next(); step.done !== true; step = iterator.next()) {
        batch.push(step.value);
        if (batch.length === this.batchSize) {
          spill.write(batch);
          batch = [];
        }
      }
      spill.write(batch);
    } finally {
      iterator.return?.();
    }
  }

  /** The connection is closing: let the statement go (SQLite will not close under it); `next()` throws `reason`. */
  abandon(reason: Error): void {
    this.closedBy = reason;
    this.close();
  }

  /** Release the statement and the file, however the stream ended. */
  close(): void {
    const iterator = this.iterator;
    this.iterator = undefined;
    iterator?.return?.();
    this.spill?.dispose();
    this.spill = undefined;
  }
}

/** Batches of rows in a file readable by this user only, written and read in order, synchronously. */
class SpillFile {
  private writeAt = 0;
  private readAt = 0;

  private constructor(
    private readonly path: string,
    private fd: number | undefined,
  ) {}

  static create(): SpillFile {
    const path = join(tmpdir(), `nestjs-activerecord-sqlite-stream-${process.pid}-${randomUUID()}.spill`);
    return new SpillFile(path, openSync(path, 'wx+', 0o600));
  }

  write(rows: readonly unknown[][]): void {
    const body = serialize(rows);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(body.length, 0);
    this.writeAll(header);
    this.writeAll(body);
  }

  /** The next batch written, or none at the end. */
  read(): unknown[][] {
    if (this.readAt >= this.writeAt) return [];
    const length = this.readExactly(4).readUInt32LE(0);
    return deserialize(this.readExactly(length)) as unknown[][];
  }

  dispose(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } finally {
      this.fd = undefined;
      rmSync(this.path, { force: true });
    }
  }

  private writeAll(buffer: Buffer): void {
    for (let done = 0; done < buffer.length; ) done += writeSync(this.fd!, buffer, done, buffer.length - done, this.writeAt + done);
    this.writeAt += buffer.length;
  }

  private readExactly(length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const read = readSync(this.fd!, buffer, done, length - done, this.readAt + done);
      if (read === 0) throw new Error('the SQLite stream spill file ended early');
      done += read;
    }
    this.readAt += length;
    return buffer;
  }
}
