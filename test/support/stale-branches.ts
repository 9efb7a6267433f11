import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';

/**
 * Prepared transactions outlive the processes that made them, by design. A crash test that was
 * itself interrupted can leave some behind, holding locks that would block every later DROP of
 * its tables. Their node id is `crash-<pid>`: roll back those whose process no longer exists
 * (or, with `node`, those of one node). Best effort: an unreachable server is the probe's business.
 */
export async function rollBackStaleTestBranches(options: { node?: string } = {}): Promise<void> {
  const stale = (gtrid: string) => {
    const match = /^ar\.(crash-(\d+))\./.exec(gtrid);
    if (!match) return false;
    if (options.node) return match[1] === options.node;
    return !alive(Number(match[2]));
  };
  await postgres(stale).catch(() => undefined);
  await mariadb(stale).catch(() => undefined);
}

async function postgres(stale: (gtrid: string) => boolean): Promise<void> {
  const client = new Client({ connectionString: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test', connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ gid: string }>("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'ar.crash-%' AND database = current_database()");
    for (const { gid } of rows) {
      if (stale(gid.slice(0, gid.lastIndexOf(':'))) && /^[A-Za-z0-9.:-]+$/.test(gid)) await client.query(`ROLLBACK PREPARED '${gid}'`);
    }
  } finally {
    await client.end();
  }
}

async function mariadb(stale: (gtrid: string) => boolean): Promise<void> {
  const connection = await createConnection({ uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test', connectTimeout: 3000 });
  try {
    const [rows] = await connection.query('XA RECOVER');
    for (const row of rows as Array<{ gtrid_length: number; bqual_length: number; data: Buffer | string }>) {
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data, 'latin1');
      const gtrid = data.subarray(0, row.gtrid_length);
      const bqual = data.subarray(row.gtrid_length, row.gtrid_length + row.bqual_length);
      if (stale(gtrid.toString('latin1'))) await connection.query(`XA ROLLBACK X'${gtrid.toString('hex')}',X'${bqual.toString('hex')}'`);
    }
  } finally {
    await connection.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
