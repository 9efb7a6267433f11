import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable } from '../distributed/support';

/**
 * The sample shop (sample/), run as users run it (`npm run sample`, `npm run sample -- serve`),
 * on Nest 11 and Nest 12, in both of its modes: a saga over two SQLite files, and two-phase
 * commit once its URLs name PostgreSQL and MariaDB. Each run is a process of its own, since the
 * mode is chosen from the environment when the sample loads.
 */

const root = join(__dirname, '..', '..');
const { nestFolder } = require('../matrix/nest-major.js') as { nestFolder(major: number): string };
const PRELOAD = join(root, 'test', 'matrix', 'nest-resolution.js');
const MAIN = join(root, 'sample', 'main.ts');

jest.setTimeout(120_000);

const majors = [11, 12].filter((major) => {
  try {
    nestFolder(major);
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.warn(`SKIPPED the sample on Nest ${major}: ${(error as Error).message}`);
    return false;
  }
});
const servers = serversAvailable();

interface Mode {
  name: 'saga' | 'two-phase commit';
  env: () => Promise<Record<string, string>>;
  release?: () => Promise<void>;
}

const saga: Mode = { name: 'saga', env: async () => ({}) };
const twoPhase: Mode = {
  name: 'two-phase commit',
  env: async () => {
    const pg = (await postgres('sample_orders')) as { url: string; schema: string };
    const maria = (await mariadb('sample_billing')) as { host: string; port: number; user: string; database: string };
    const orders = new URL(pg.url);
    orders.searchParams.set('schema', pg.schema);
    return { ORDERS_DB: orders.toString(), BILLING_DB: `mariadb://${maria.user}@${maria.host}:${maria.port}/${maria.database}` };
  },
  release: async () => {
    await releasePostgres('sample_orders');
    await releaseMariadb('sample_billing');
  },
};
const modes = servers.ok ? [saga, twoPhase] : [saga];

/** Start the sample in a fresh directory (its SQLite files go to ./data there). */
function startSample(major: number, env: Record<string, string>, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--require', PRELOAD, MAIN, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'ar-sample-')),
    env: { ...process.env, ...env, AR_NEST_MAJOR: String(major), PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function output(child: ChildProcess): { text: () => string; exited: Promise<number | null> } {
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk));
  return { text: () => text, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

async function serve(major: number, env: Record<string, string>): Promise<{ base: string; stop: () => Promise<void>; log: () => string }> {
  const child = startSample(major, env, ['serve']);
  const { text, exited } = output(child);
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sample did not start within 60 s:\n${text()}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = / on (http:\/\/\S+)/.exec(text());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`the sample exited (${code}) before serving:\n${text()}`)));
  });
  return {
    base,
    log: text,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.each(majors)('the sample shop on Nest %i', (major) => {
  describe.each(modes)('as a $name', (mode) => {
    let env: Record<string, string>;
    beforeAll(async () => {
      env = await mode.env();
    });
    afterAll(async () => {
      await mode.release?.();
    });

    it('runs its demo: two orders placed, an unknown product and a declined payment refused with nothing half-written', async () => {
      const child = startSample(major, env, []);
      const { text, exited } = output(child);
      expect(await exited).toBe(0);
      const lines = text();
      expect(lines).toContain(mode.name === 'saga' ? 'commit together as a saga' : 'commit together as a two-phase commit');
      expect(lines).toContain("refused: Unknown product 'spaceship' (we sell: widget, gadget, gizmo); neither database kept anything");
      expect(lines).toContain("refused: Payment declined for customer 'mallory'; neither database kept anything");
      expect(lines).toMatch(/totals: \{ orders: 2, invoices: 2, billed: '149\.97' \}/);
    });

    describe('over HTTP', () => {
      let shop: Awaited<ReturnType<typeof serve>>;
      beforeAll(async () => {
        shop = await serve(major, env);
      });
      afterAll(() => shop?.stop());

      const post = async (body: unknown, raw?: string) => {
        const response = await fetch(`${shop.base}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: raw ?? JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const get = async (path: string) => {
        const response = await fetch(`${shop.base}${path}`);
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const summary = async () => (await get('/orders/summary')).body;

      it('places an order on one database and bills it on the other, in whole cents', async () => {
        const before = (await summary()) as { orders: number; invoices: number; billed: string };
        const placed = await post({ customer: 'ada', product: 'widget', quantity: 3 });
        expect(placed.status).toBe(201);
        const { order, invoice } = placed.body as { order: { id: number; quantity: number }; invoice: { orderId: number; amount: string } };
        expect(order.quantity).toBe(3);
        expect(invoice).toMatchObject({ orderId: order.id, amount: '29.97' });
        const shown = await get(`/orders/${order.id}`);
        expect(shown.status).toBe(200);
        expect(shown.body).toMatchObject({ id: order.id, customer: 'ada', product: 'widget', quantity: 3 });
        const cents = (amount: string) => Math.round(Number(amount) * 100);
        const after = (await summary()) as typeof before;
        expect(after).toEqual({ orders: before.orders + 1, invoices: before.invoices + 1, billed: expect.any(String) });
        expect(cents(after.billed) - cents(before.billed)).toBe(2997);
      });

      it('answers 400 listing every problem of a bad body, and writes nothing', async () => {
        const before = await summary();
        const empty = await post({});
        expect(empty.status).toBe(400);
        expect(empty.body.errors).toEqual([
          { field: 'customer', message: 'is required (a non-empty string)' },
          { field: 'product', message: 'is required (a non-empty string)' },
        ]);
        const negative = await post({ customer: 'eve', product: 'widget', quantity: -3 });
        expect(negative.status).toBe(400);
        expect(negative.body.message).toBe('Invalid order: quantity must be a whole number from 1 to 1000, got -3');
        for (const quantity of [2.5, '2', 0, 1001, null]) expect((await post({ customer: 'eve', product: 'widget', quantity })).status).toBe(400);
        expect((await post({ customer: 'eve', product: 'widget', price: '0.01' })).body.errors).toEqual([
          { field: 'price', message: 'is not a field of an order (expected: customer, product, quantity)' },
        ]);
        expect((await post(undefined, '[1, 2]')).body.errors).toEqual(expect.arrayContaining([{ field: 'body', message: 'must be a JSON object' }]));
        expect((await post(undefined, '{"customer": ')).status).toBe(400);
        expect(await summary()).toEqual(before);
      });

      it('refuses an unknown product with 422 and a declined payment with 402, saying why, with nothing left on either database', async () => {
        const before = await summary();
        const unknown = await post({ customer: 'linus', product: 'spaceship' });
        expect(unknown).toEqual({ status: 422, body: { statusCode: 422, error: 'Unprocessable Entity', message: "Unknown product 'spaceship' (we sell: widget, gadget, gizmo)" } });
        expect((await post({ customer: 'linus', product: 'constructor' })).status).toBe(422);
        const declined = await post({ customer: 'mallory', product: 'gizmo', quantity: 2 });
        expect(declined).toEqual({ status: 402, body: { statusCode: 402, error: 'Payment Required', message: "Payment declined for customer 'mallory'" } });
        expect(await summary()).toEqual(before);
      });

      it('parses ids: 400 for one that is not a number, 404 for one that does not exist', async () => {
        const notANumber = await get('/orders/abc');
        expect(notANumber.status).toBe(400);
        expect(notANumber.body.message).toMatch(/numeric string is expected/);
        const missing = await get('/orders/999999');
        expect(missing).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: expect.stringMatching(/^Order with id "?999999"? not found$/) } });
      });

      it('keeps both databases in agreement under concurrent orders', async () => {
        const before = (await summary()) as { orders: number; invoices: number };
        const customers = ['ann', 'bob', 'mallory', 'cy', 'dee', 'mallory', 'eli', 'fay'];
        const results = await Promise.all(customers.map((customer) => post({ customer, product: 'gadget', quantity: 1 })));
        expect(results.map((result) => result.status)).toEqual(customers.map((customer) => (customer === 'mallory' ? 402 : 201)));
        const after = (await summary()) as { orders: number; invoices: number };
        expect(after.orders).toBe(before.orders + 6);
        expect(after.invoices).toBe(after.orders);
        expect(shop.log()).not.toMatch(/ERROR/);
      });
    });
  });
});
