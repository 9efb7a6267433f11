import { ResourcePool, type PoolSettings } from '../../lib/backend/mysql/pool';

interface Resource {
  id: number;
  healthy: boolean;
  closed: boolean;
}

/** A pool of plain objects, with hooks that record what the pool did. */
function makePool(settings: Partial<PoolSettings> = {}, create?: () => Promise<Resource>) {
  let next = 0;
  const made: Resource[] = [];
  const background: unknown[] = [];
  const pool = new ResourcePool<Resource>(
    {
      create:
        create ??
        (async () => {
          const resource = { id: ++next, healthy: true, closed: false };
          made.push(resource);
          return resource;
        }),
      dispose: async (resource) => {
        resource.closed = true;
      },
      usable: (resource) => resource.healthy,
      timeoutError: (waited, stats) => new Error(`timeout after ${waited} ms with ${stats.borrowed} in use`),
      closedError: () => new Error('closed'),
      backgroundError: (error) => background.push(error),
    },
    { min: 0, max: 2, idleTimeoutMs: 60_000, acquireTimeoutMs: 1000, ...settings },
  );
  return { pool, made, background };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ResourcePool (the MySQL backend pool)', () => {
  const pools: Array<ResourcePool<Resource>> = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });
  const track = <T extends { pool: ResourcePool<Resource> }>(value: T): T => {
    pools.push(value.pool);
    return value;
  };

  it('opens at most max resources and serves waiters first come, first served', async () => {
    const { pool, made } = track(makePool({ max: 2 }));
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: number[] = [];
    const third = pool.acquire().then((r) => (order.push(3), r));
    const fourth = pool.acquire().then((r) => (order.push(4), r));
    await tick();
    expect(made).toHaveLength(2);
    expect(pool.stats).toMatchObject({ size: 2, borrowed: 2, waiting: 2 });
    pool.release(b);
    expect(await third).toBe(b);
    pool.release(a);
    expect(await fourth).toBe(a);
    expect(order).toEqual([3, 4]);
  });

  it('reuses the most recently released resource', async () => {
    const { pool } = track(makePool({ max: 3 }));
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    pool.release(a!);
    pool.release(b!);
    expect(await pool.acquire()).toBe(b);
  });

  it('fails a waiter after acquireTimeoutMs, and serves the next one normally', async () => {
    const { pool } = track(makePool({ max: 1, acquireTimeoutMs: 50 }));
    const held = await pool.acquire();
    const started = Date.now();
    await expect(pool.acquire()).rejects.toThrow(/timeout after \d+ ms with 1 in use/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(pool.stats.waiting).toBe(0);
    const later = pool.acquire();
    pool.release(held);
    expect(await later).toBe(held);
  });

  it('throws away broken resources, idle or returned, and opens replacements', async () => {
    const { pool, made } = track(makePool({ max: 1 }));
    const first = await pool.acquire();
    pool.release(first);
    first.healthy = false; // broke while idle
    const second = await pool.acquire();
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    second.healthy = false; // broke while borrowed
    pool.release(second);
    expect(second.closed).toBe(true);
    const third = await pool.acquire();
    expect(made).toHaveLength(3);
    pool.discard(third);
    expect(pool.stats.size).toBe(0);
  });

  it('gives a waiter the reason when opening fails, and lets the others try', async () => {
    let attempts = 0;
    const { pool } = track(
      makePool({ max: 1 }, async () => {
        attempts++;
        throw new Error('server down');
      }),
    );
    const results = await Promise.allSettled([pool.acquire(), pool.acquire()]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.message)).toEqual(['server down', 'server down']);
    expect(attempts).toBe(2);
    expect(pool.stats.size).toBe(0);
  });

  it('keeps min resources open and closes idle ones above min after idleTimeoutMs', async () => {
    const { pool, made } = track(makePool({ min: 1, max: 3, idleTimeoutMs: 60 }));
    pool.fillToMin();
    await tick();
    expect(pool.stats).toMatchObject({ size: 1, idle: 1 });
    const resources = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    resources.forEach((r) => pool.release(r));
    expect(pool.stats.idle).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(pool.stats).toMatchObject({ size: 1, idle: 1 });
    expect(made.filter((r) => r.closed)).toHaveLength(2);
  });

  it('after close: waiters fail, idle resources close, returned ones close, new requests fail', async () => {
    const { pool } = track(makePool({ max: 1 }));
    const held = await pool.acquire();
    const waiting = pool.acquire();
    const idleLater = pool.close();
    await expect(waiting).rejects.toThrow('closed');
    await idleLater;
    pool.release(held);
    expect(held.closed).toBe(true);
    await expect(pool.acquire()).rejects.toThrow('closed');
  });
});
