/**
 * A FIFO lock for one resource shared by async callers (SQLite's single connection, a unit's
 * savepoint levels). `acquire()` resolves with a release function; releasing twice is a no-op,
 * so a `finally` that runs after an explicit release cannot hand the lock to two owners. With a
 * timeout, a waiter that is not served in time leaves the queue and is rejected.
 */
export class AsyncMutex {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  get locked(): boolean {
    return this.held;
  }

  acquire(timeoutMs?: number, timeoutError?: () => Error): Promise<() => void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const serve = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(this.releaser());
      };
      this.waiters.push(serve);
      if (timeoutMs === undefined) return;
      timer = setTimeout(() => {
        const index = this.waiters.indexOf(serve);
        if (index < 0) return;
        this.waiters.splice(index, 1);
        reject(timeoutError ? timeoutError() : new Error(`Waited ${timeoutMs} ms for a lock`));
      }, timeoutMs);
    });
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
