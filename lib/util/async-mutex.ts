/**
 * A FIFO lock for one resource shared by async callers (SQLite's single connection).
 * `acquire()` resolves with a release function; releasing twice is a no-op, so a `finally`
 * that runs after an explicit release cannot hand the lock to two owners.
 */
export class AsyncMutex {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  get locked(): boolean {
    return this.held;
  }

  acquire(): Promise<() => void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => this.waiters.push(() => resolve(this.releaser())));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.held = false;
    };
  }
}
