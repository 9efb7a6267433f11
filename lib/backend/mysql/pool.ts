/** What the pool needs to know about the things it pools. */
export interface PoolHooks<R> {
  /** Open a new resource (a connection). */
  create(): Promise<R>;
  /** Close one for good; must not throw. */
  dispose(resource: R): Promise<void>;
  /** False once the resource broke while idle (socket closed, server killed it). */
  usable(resource: R): boolean;
  /** The error for a request that waited `waitedMs` without getting a resource. */
  timeoutError(waitedMs: number, stats: PoolStats): Error;
  /** The error for a request made after close(). */
  closedError(): Error;
  /** Failures nobody waits for (keeping `min` connections open). */
  backgroundError(error: unknown): void;
}

export interface PoolSettings {
  readonly min: number;
  readonly max: number;
  readonly idleTimeoutMs: number;
  readonly acquireTimeoutMs: number;
}

export interface PoolStats {
  readonly size: number;
  readonly idle: number;
  readonly borrowed: number;
  readonly waiting: number;
}

const BACKGROUND_RETRY_MS = 5000;

interface Waiter<R> {
  resolve(resource: R): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A small connection pool with the semantics the library promises for every backend (mysql2's
 * own pool has no acquire timeout and no minimum): at most `max` resources, `min` kept open,
 * idle ones closed after `idleTimeoutMs`, and a request that waits longer than
 * `acquireTimeoutMs` fails instead of hanging. Requests are served first come, first served.
 */
export class ResourcePool<R> {
  private readonly idle: Array<{ resource: R; since: number }> = [];
  private readonly waiters: Waiter<R>[] = [];
  /** Open or opening resources, borrowed or idle. */
  private total = 0;
  private creating = 0;
  private closed = false;
  /** After a background open fails, wait before trying again (the server may be down). */
  private fillAfter = 0;
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly hooks: PoolHooks<R>,
    private readonly settings: PoolSettings,
  ) {
    const period = Math.max(50, Math.min(1000, Math.floor(settings.idleTimeoutMs / 2)));
    this.reaper = setInterval(() => this.maintain(), period);
    this.reaper.unref();
  }

  get stats(): PoolStats {
    return { size: this.total, idle: this.idle.length, borrowed: this.total - this.idle.length - this.creating, waiting: this.waiters.length };
  }

  /** Take a resource opened elsewhere (the first connection, opened to check the server). */
  adopt(resource: R): void {
    this.total++;
    this.giveBack(resource);
  }

  /** A free resource now, without waiting (undefined: none free, someone waiting, or closed). */
  tryAcquire(): R | undefined {
    if (this.closed || this.waiters.length > 0) return undefined;
    return this.takeIdle();
  }

  acquire(): Promise<R> {
    if (this.closed) return Promise.reject(this.hooks.closedError());
    // Fast path: a free resource and nobody ahead in the queue.
    if (this.waiters.length === 0) {
      const resource = this.takeIdle();
      if (resource !== undefined) return Promise.resolve(resource);
    }
    return new Promise<R>((resolve, reject) => {
      const started = Date.now();
      const waiter: Waiter<R> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(this.hooks.timeoutError(Date.now() - started, this.stats));
        }, this.settings.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
      this.dispense();
    });
  }

  /** Return a healthy resource. */
  release(resource: R): void {
    if (this.closed || !this.hooks.usable(resource)) {
      this.discard(resource);
      return;
    }
    this.giveBack(resource);
  }

  /** Close a resource whose state is unknown; a replacement is opened when someone needs one. */
  discard(resource: R): void {
    this.total--;
    void this.hooks.dispose(resource);
    this.dispense();
    this.fillToMin();
  }

  /** Fail every waiting request, close idle resources now and borrowed ones when they come back. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reaper);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.hooks.closedError());
    }
    const idle = this.idle.splice(0);
    this.total -= idle.length;
    await Promise.all(idle.map(({ resource }) => this.hooks.dispose(resource)));
  }

  /** Open resources in the background until `min` are open. */
  fillToMin(): void {
    if (Date.now() < this.fillAfter) return;
    while (!this.closed && this.total < this.settings.min) this.create(false);
  }

  private giveBack(resource: R): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(resource);
      return;
    }
    this.idle.push({ resource, since: Date.now() });
  }

  /** The most recently used healthy idle resource (warm caches), closing broken ones on the way. */
  private takeIdle(): R | undefined {
    for (let entry = this.idle.pop(); entry !== undefined; entry = this.idle.pop()) {
      if (this.hooks.usable(entry.resource)) return entry.resource;
      this.total--;
      void this.hooks.dispose(entry.resource);
    }
    return undefined;
  }

  private dispense(): void {
    while (this.waiters.length > 0) {
      const resource = this.takeIdle();
      if (resource === undefined) break;
      this.giveBack(resource);
    }
    while (!this.closed && this.waiters.length > this.creating && this.total < this.settings.max) this.create(true);
  }

  private create(forWaiter: boolean): void {
    this.total++;
    this.creating++;
    this.hooks.create().then(
      (resource) => {
        this.creating--;
        if (this.closed) {
          this.total--;
          void this.hooks.dispose(resource);
          return;
        }
        this.giveBack(resource);
      },
      (error: unknown) => {
        this.creating--;
        this.total--;
        // The oldest waiter learns why it cannot have a connection (server down, bad password).
        const waiter = forWaiter ? this.waiters.shift() : undefined;
        if (waiter) {
          clearTimeout(waiter.timer);
          waiter.reject(error instanceof Error ? error : new Error(String(error)));
          // The others still waiting get their own attempt rather than waiting for the timeout.
          this.dispense();
        } else {
          this.fillAfter = Date.now() + BACKGROUND_RETRY_MS;
          this.hooks.backgroundError(error);
        }
      },
    );
  }

  /** Close resources idle too long (keeping `min`), and drop ones that broke while idle. */
  private maintain(): void {
    if (this.closed) return;
    const now = Date.now();
    for (let i = 0; i < this.idle.length; ) {
      const entry = this.idle[i]!;
      const expired = now - entry.since >= this.settings.idleTimeoutMs && this.total > this.settings.min;
      if (expired || !this.hooks.usable(entry.resource)) {
        this.idle.splice(i, 1);
        this.total--;
        void this.hooks.dispose(entry.resource);
      } else {
        i++;
      }
    }
    this.fillToMin();
  }
}
