import { Client } from 'pg';
import type { PostgresConnectionOptions } from 'nestjs-activerecord';
import { quoteIdent, schemaFor } from '../backends/postgres/target';
import type { BackendTarget } from './backend-targets';

/**
 * A PostgreSQL primary and a streaming replica of it, two clusters of their own that
 * `.ci/prepare-replica.sh` makes (CI runs it from prepare-databases.sh): the shared server on
 * 5432 cannot stream to a replica without being reconfigured, which the tests never do.
 */
export const PG_REPLICA_PRIMARY_URL = process.env.PG_REPLICA_PRIMARY_URL || 'postgres://postgres@127.0.0.1:5442/test';
export const PG_REPLICA_URL = process.env.PG_REPLICA_URL || 'postgres://postgres@127.0.0.1:5443/test';

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const parsed = new URL(url);
  const client = new Client({
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresReplicaPair: BackendTarget = {
  name: 'postgres-replica',
  describe: `PostgreSQL primary ${PG_REPLICA_PRIMARY_URL} streaming to ${PG_REPLICA_URL} (bash .ci/prepare-replica.sh makes them)`,
  requiredInCI: true,
  probe: async () => {
    try {
      await withClient(PG_REPLICA_PRIMARY_URL, (client) => client.query('SELECT 1'));
      const recovering = await withClient(PG_REPLICA_URL, async (client) => (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r);
      if (!recovering) return `${PG_REPLICA_URL} is not a replica (pg_is_in_recovery() is false)`;
      // A paused replay left behind by an interrupted run would make every replica test wait.
      await withClient(PG_REPLICA_URL, (client) => client.query('SELECT pg_wal_replay_resume()'));
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error);
    }
  },
  isolate: async (suite): Promise<PostgresConnectionOptions> => {
    const schema = schemaFor(suite);
    await withClient(PG_REPLICA_PRIMARY_URL, async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    });
    await waitForReplay();
    return { backend: 'postgres', url: PG_REPLICA_PRIMARY_URL, schema };
  },
  release: async (suite) => {
    await withClient(PG_REPLICA_PRIMARY_URL, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schemaFor(suite))} CASCADE`));
  },
};

/** Servers some suites need beside the backend suite's targets; probed by global-setup.ts as well. */
export const EXTRA_TARGETS: readonly BackendTarget[] = [postgresReplicaPair];

/** Wait until the replica has replayed everything the primary has written so far. */
export async function waitForReplay(timeoutMs = 15_000): Promise<void> {
  const lsn = await withClient(PG_REPLICA_PRIMARY_URL, async (client) => (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn);
  await withClient(PG_REPLICA_URL, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]);
      if (rows[0]!.done) return;
      if (Date.now() > deadline) throw new Error(`the replica at ${PG_REPLICA_URL} did not replay up to ${lsn} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}

/**
 * Run `work` while the replica applies nothing the primary writes: what the primary commits
 * meanwhile is invisible on the replica, which tells a read served there from one served by the
 * primary. Replay resumes afterwards, whatever happens.
 */
export async function withReplayPaused<T>(work: () => Promise<T>): Promise<T> {
  await waitForReplay();
  await withClient(PG_REPLICA_URL, (client) => client.query('SELECT pg_wal_replay_pause()'));
  try {
    return await work();
  } finally {
    await withClient(PG_REPLICA_URL, (client) => client.query('SELECT pg_wal_replay_resume()'));
  }
}
