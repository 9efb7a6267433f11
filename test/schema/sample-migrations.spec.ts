import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionRegistry, type ConnectionOptions } from 'nestjs-activerecord';
import { Invoice } from '../../sample/billing/invoice.model';
import { Order } from '../../sample/orders/order.model';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable } from '../distributed/support';

/**
 * The sample ships its schema as migrations (sample/migrations/<connection>/): applied to empty
 * databases they must give exactly what the sample's models describe, on SQLite and on
 * PostgreSQL + MariaDB, and roll back to nothing. A model changed without its migration fails here.
 */
const DIRECTORY = join(__dirname, '..', '..', 'sample', 'migrations');

async function check(connections: Record<string, ConnectionOptions>): Promise<void> {
  const registry = await ConnectionRegistry.open({ connections, models: [Order, Invoice], migrations: { directory: DIRECTORY }, logger: quietLogger });
  try {
    const report = await registry.schema.migrations.migrate();
    expect(report.connections.map((c) => [c.connection, c.done.length])).toEqual([
      ['orders', 1],
      ['billing', 1],
    ]);
    for (const { connection, diff } of await registry.schema.migrations.diff()) expect({ connection, up: diff.up }).toEqual({ connection, up: [] });
    await registry.schema.migrations.rollback();
    for (const name of ['orders', 'billing']) {
      expect((await registry.schema.introspect(name)).tables.map((t) => t.name).filter((t) => !t.startsWith('ar_'))).toEqual([]);
    }
  } finally {
    await registry.close();
  }
}

describe("the sample's migrations", () => {
  it('match its models on two SQLite files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-sample-'));
    try {
      await check({ orders: { backend: 'sqlite', database: join(dir, 'orders.db') }, billing: { backend: 'sqlite', database: join(dir, 'billing.db') } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const servers = serversAvailable();
  (servers.ok ? it : it.skip)('match its models on PostgreSQL and MariaDB', async () => {
    try {
      await check({ orders: await postgres('sample_migrations'), billing: await mariadb('sample_migrations') });
    } finally {
      await releasePostgres('sample_migrations');
      await releaseMariadb('sample_migrations');
    }
  });
});
