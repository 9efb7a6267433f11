import type { Row } from '../storage-backend';
import type { MssqlRequest } from './driver';

/**
 * Rows of a streaming mssql request, with back-pressure: the request is paused once
 * `highWater` rows wait unread and resumed when half of them are read, so memory stays bounded
 * by the batch size.
 *
 * tedious runs one request at a time per connection (no MARS). Inside a transaction, a loop
 * body that queries the same connection would wait for a paused stream forever; `drain()`
 * avoids that by reading the rest of the result into memory, so the connection is free again.
 */
export class RowPump {
  /** Settles when the request has finished (successfully or not). */
  readonly finished: Promise<void>;
  private rows: Row[] = [];
  private head = 0;
  private done = false;
  private failure: unknown;
  private paused = false;
  private draining = false;
  private wake?: () => void;

  constructor(
    private readonly request: MssqlRequest,
    private readonly highWater: number,
  ) {
    request.stream = true;
    this.finished = new Promise<void>((resolve) => {
      request.on('row', (row) => {
        this.rows.push(row);
        if (!this.draining && !this.paused && this.rows.length - this.head >= this.highWater) {
          this.paused = true;
          request.pause();
        }
        this.notify();
      });
      // In stream mode mssql emits 'error' (if any) and then 'done'.
      request.on('error', (error) => {
        this.failure ??= error;
        this.notify();
      });
      request.on('done', () => {
        this.done = true;
        this.notify();
        resolve();
      });
    });
  }

  /** The next row, or undefined at the end; rejects with the request's error. */
  async next(): Promise<Row | undefined> {
    for (;;) {
      if (this.head < this.rows.length) {
        const row = this.rows[this.head++]!;
        this.compact();
        if (this.paused && !this.done && this.rows.length - this.head <= this.highWater / 2) {
          this.paused = false;
          this.request.resume();
        }
        return row;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Read everything that is left into memory, freeing the connection. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.paused) {
      this.paused = false;
      this.request.resume();
    }
    return this.finished;
  }

  /** Stop early: the server stops sending and the connection is freed. */
  cancel(): Promise<void> {
    if (!this.done) {
      this.request.cancel();
      if (this.paused) {
        this.paused = false;
        this.request.resume();
      }
    }
    return this.finished;
  }

  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
