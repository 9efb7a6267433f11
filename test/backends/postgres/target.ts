import { Client, type ClientConfig } from 'pg';
import type { PostgresConnectionOptions } from 'nestjs-activerecord';
import type { BackendTarget } from '../../support/backend-targets';

/** The test server: 127.0.0.1:5432, user postgres (trust), database test; PG_URL overrides. */
export const PG_URL = process.env.PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A plain pg client on the test database, for setup and for checking what the library did. */
export async function adminClient(extra: ClientConfig = {}): Promise<Client> {
  // Not `connectionString`: pg lets the URL's parts win over explicit fields such as `user`.
  const url = new URL(PG_URL);
  const client = new Client({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password) || undefined,
    database: decodeURIComponent(url.pathname.slice(1)),
    connectionTimeoutMillis: 3000,
    ...extra,
  });
  client.on('error', () => undefined); // a test that kills sessions must not crash on this one
  await client.connect();
  return client;
}

export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = await adminClient();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const quoteIdent = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/**
 * One schema per test file and process: `ar_<file>_<target>_<pid>`, at most 63 bytes. The pid
 * keeps two test runs on the same server (several engineers, or CI and a developer) apart.
 */
export function schemaFor(suite: string): string {
  const suffix = `_${process.pid}`;
  return `ar_${suite.toLowerCase()}`.slice(0, 63 - suffix.length) + suffix;
}

/** Drop schemas left by test runs whose process no longer exists (a crash, a killed run). */
async function dropStaleSchemas(client: Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname ~ '^ar_.*_[0-9]+$'");
  // A schema whose tables are locked (by a prepared transaction someone left) is skipped, not
  // waited for: every test run on the server would otherwise hang here behind it.
  await client.query("SET lock_timeout = '3s'");
  for (const { name } of rows) {
    const pid = Number(/_(\d+)$/.exec(name)![1]);
    if (isAlive(pid)) continue;
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const postgresTarget: BackendTarget = {
  name: 'postgres',
  describe: `PostgreSQL (pg) at ${PG_URL.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}`,
  requiredInCI: true,
  probe: async () => {
    try {
      await withAdmin(async (client) => {
        await client.query('SELECT 1');
        await dropStaleSchemas(client);
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error);
    }
  },
  isolate: async (suite): Promise<PostgresConnectionOptions> => {
    const schema = schemaFor(suite);
    await withAdmin(async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    });
    return { backend: 'postgres', url: PG_URL, schema };
  },
  release: async (suite) => {
    await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schemaFor(suite))} CASCADE`));
  },
};
