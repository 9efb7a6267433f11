import type { DecisionLog } from './decision-log';

/** How long a finished transaction's flip may wait for others to share its UPDATE. */
const FLUSH_DELAY_MS = 20;
/** Flip at once when this many are waiting (and keep IN lists well inside every dialect's limits). */
const MAX_BATCH = 200;
/** The most `close()` waits for the last flips. */
const CLOSE_WAIT_MS = 5_000;

/**
 * The `committing -> committed` flips of finished global transactions, batched into one UPDATE
 * of the decision log per short interval instead of one write (and one fsync) per transaction.
 * Only bookkeeping: recovery treats `committing` as commit, so a flip lost with the process
 * costs recovery a check, never an outcome. `close()` writes what is waiting.
 */
export class CommitMarks {
  private waiting: string[] = [];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly log: () => DecisionLog,
    private readonly warn: (message: string) => void,
  ) {}

  add(gid: string): void {
    this.waiting.push(gid);
    if (this.waiting.length >= MAX_BATCH) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
      // Never the reason a process stays up: a lost flip is recovery's to redo.
      this.timer.unref();
    }
  }

  /**
   * Write what is waiting and wait for the writes started so far, but not for long: a log that
   * does not answer must not hold the application's shutdown (recovery redoes lost flips).
   */
  async close(): Promise<void> {
    this.flush();
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([Promise.all([...this.inFlight]), giveUp]);
    clearTimeout(timer);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const gids = this.waiting;
    if (gids.length === 0) return;
    this.waiting = [];
    const write = this.log()
      .markCommitted(gids)
      .catch((error: unknown) => {
        this.warn(`Could not mark ${gids.length} finished transaction(s) committed in the decision log (recovery will): ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }
}
