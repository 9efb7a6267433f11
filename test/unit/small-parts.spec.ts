import { AsyncMutex } from '../../lib/util/async-mutex';
import { pluralize, snakeCase, tableNameFor } from '../../lib/util/inflection';

describe('inflection', () => {
  it('derives table names from class names', () => {
    expect(tableNameFor('User')).toBe('users');
    expect(tableNameFor('InvoiceLine')).toBe('invoice_lines');
    expect(tableNameFor('Company')).toBe('companies');
    expect(tableNameFor('Address')).toBe('addresses');
    expect(tableNameFor('HTTPRequest')).toBe('http_requests');
    expect(snakeCase('createdAt')).toBe('created_at');
    expect(pluralize('day')).toBe('days');
  });
});

describe('AsyncMutex', () => {
  it('hands the lock out in arrival order, once per release', async () => {
    const mutex = new AsyncMutex();
    const order: number[] = [];
    const first = await mutex.acquire();
    const waiting = [1, 2, 3].map((n) =>
      mutex.acquire().then((release) => {
        order.push(n);
        release();
        release(); // a second release must not free the lock for two owners
      }),
    );
    expect(mutex.locked).toBe(true);
    first();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    expect(mutex.locked).toBe(false);
  });
});
