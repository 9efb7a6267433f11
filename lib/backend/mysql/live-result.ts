import type { Row } from '../storage-backend';
import type { RawCommand, RawConnection } from './driver';
import { SpillFile } from './spill-file';

/** How an iteration ended: read to the end, failed, or left early by the caller. */
export type StreamOutcome = 'done' | 'failed' | 'left';

/** What the owner of the connection does with it when an iteration ends. */
export interface StreamHooks {
  translate(error: unknown): Error;
  /** `error` is the translated failure when the outcome is 'failed'. */
  settle(outcome: StreamOutcome, result: LiveResult, error?: Error): Promise<void> | void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * A result read from the server while the caller iterates, holding at most two batches in
 * memory: once `batchSize` rows wait unread, the connection's socket is paused and TCP flow
 * control holds the server back.
 *
 * A MySQL connection cannot run another statement until the result in flight has been read to
 * the end. When the connection is needed meanwhile (the loop body writes, inside the same
 * transaction), `detach()` reads the rest of the result at once into a private temporary file,
 * and iteration continues from there. That keeps memory bounded and the read exact: it is the
 * same statement, on the transaction's own snapshot, not a re-run or a copy made by a locking
 * `INSERT ... SELECT`.
 *
 * It is its own async iterator, written by hand rather than as an async generator: a generator
 * costs several promises per row, which shows at hundreds of thousands of rows.
 */
export class LiveResult implements AsyncIterator<Row, undefined> {
  /** The batch being iterated, and the rows that arrived since (at most `batchSize` each). */
  private rows: Row[] = [];
  private head = 0;
  private incoming: Row[] = [];
  private mode: 'memory' | 'spill' | 'discard' = 'memory';
  /** Rows received while spilling, not yet written. */
  private pending: Row[] = [];
  private file?: Promise<SpillFile>;
  private writes: Promise<void> = Promise.resolve();
  private ended = false;
  private failure: unknown;
  private paused = false;
  private closed = false;
  private wake?: () => void;
  private settle!: () => void;
  /** Resolves once the server has sent everything and every spilled row is on disk. */
  private readonly complete = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    private readonly connection: RawConnection,
    command: RawCommand,
    private readonly batchSize: number,
    private readonly hooks: StreamHooks,
  ) {
    command.on('result', (row: Row) => this.accept(row));
    command.on('error', (error: unknown) => {
      this.failure ??= error;
    });
    command.on('end', () => this.finish());
  }

  /** True once the server has sent the whole result (or the statement failed). */
  get received(): boolean {
    return this.ended;
  }

  next(): Promise<IteratorResult<Row, undefined>> {
    if (this.head < this.rows.length) return Promise.resolve({ value: this.rows[this.head++]!, done: false });
    return this.nextSlow();
  }

  /** The caller left the loop (break, return, or an exception in the loop body). */
  async return(): Promise<IteratorResult<Row, undefined>> {
    await this.close('left');
    return DONE;
  }

  /** The connection broke: nothing more will arrive. */
  fail(error: unknown): void {
    this.failure ??= error;
    this.finish();
  }

  /** Free the connection for another statement: the rest of the result goes to disk. */
  async detach(): Promise<void> {
    if (!this.ended && this.mode === 'memory') {
      this.mode = 'spill';
      this.resume();
    }
    await this.complete;
  }

  /** Stop early on a connection that stays in use: read and drop the rest of the result. */
  async discardRest(): Promise<void> {
    this.mode = 'discard';
    this.rows = [];
    this.head = 0;
    this.incoming = [];
    this.pending = [];
    this.resume();
    await this.complete;
  }

  private async nextSlow(): Promise<IteratorResult<Row, undefined>> {
    for (;;) {
      if (this.closed) return DONE;
      if (this.head < this.rows.length) return { value: this.rows[this.head++]!, done: false };
      if (this.incoming.length > 0) {
        // Swap batches, so rows already yielded are not kept alive by the array.
        this.rows = this.incoming;
        this.incoming = [];
        this.head = 0;
        if (this.mode === 'memory') this.resume();
        continue;
      }
      if (this.mode === 'spill') {
        await this.complete;
        const file = this.file ? await this.file : undefined;
        if (file?.hasMore) {
          this.rows = await file.read();
          this.head = 0;
          continue;
        }
      } else if (!this.ended) {
        this.resume();
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      // The end: everything read, or the statement failed.
      if (this.failure === undefined) {
        await this.close('done');
        return DONE;
      }
      const error = this.hooks.translate(this.failure);
      await this.close('failed', error);
      throw error;
    }
  }

  private async close(outcome: StreamOutcome, error?: Error): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rows = [];
    this.incoming = [];
    const file = this.file;
    this.file = undefined;
    try {
      await this.hooks.settle(outcome, this, error);
    } finally {
      if (file) await file.then((f) => f.dispose(), () => undefined);
    }
  }

  private accept(row: Row): void {
    switch (this.mode) {
      case 'discard':
        return;
      case 'memory':
        this.incoming.push(row);
        if (this.incoming.length >= this.batchSize) this.pause();
        this.notify();
        return;
      case 'spill':
        this.pending.push(row);
        if (this.pending.length >= this.batchSize) this.flush();
        return;
    }
  }

  /** Write the pending rows; the socket stays paused until they are on disk. */
  private flush(): void {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    if (!this.ended) this.pause();
    const file = (this.file ??= SpillFile.create());
    this.writes = this.writes
      .then(() => file)
      .then((f) => f.write(rows))
      .then(
        () => {
          if (!this.ended) this.resume();
        },
        (error: unknown) => {
          // The disk is full or unwritable: fail the iteration, keep the connection usable.
          this.failure ??= error;
          this.mode = 'discard';
          this.resume();
        },
      );
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.mode === 'spill') this.flush();
    // Never leave the connection paused: the next statement on it would wait forever.
    this.resume();
    void this.writes.then(() => this.settle());
    this.notify();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.connection.pause();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.connection.resume();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * A stream whose statement starts on the first `next()`: `stream()` must hand back an iterable
 * at once, but starting needs a connection (and, in a transaction, the previous result moved
 * out of the way).
 */
export class LazyStream implements AsyncIterable<Row>, AsyncIterator<Row, undefined> {
  private result?: LiveResult;
  private starting?: Promise<LiveResult>;

  constructor(private readonly start: () => Promise<LiveResult>) {}

  [Symbol.asyncIterator](): AsyncIterator<Row, undefined> {
    return this;
  }

  next(): Promise<IteratorResult<Row, undefined>> {
    return this.result !== undefined ? this.result.next() : this.first();
  }

  async return(): Promise<IteratorResult<Row, undefined>> {
    const result = this.result ?? (this.starting ? await this.starting.catch(() => undefined) : undefined);
    return result ? result.return() : DONE;
  }

  private async first(): Promise<IteratorResult<Row, undefined>> {
    this.result = await (this.starting ??= this.start());
    return this.result.next();
  }
}
