import type { MssqlConnectionOptions } from 'nestjs-activerecord';
import { mssqlPoolConfig } from '../../../lib/backend/mssql/config';
import type { MssqlDriver } from '../../../lib/backend/mssql/driver';
import type { BackendTarget } from '../../support/backend-targets';

/**
 * SQL Server runs only where MSSQL_URL names a server, as a login that may create databases:
 * `mssql://sa:Password%21@127.0.0.1:1433/master?encrypt=true&trustServerCertificate=true`
 * (see docs/backends/mssql.md). Each test file gets its own database, dropped afterwards.
 */
export const MSSQL_URL = process.env.MSSQL_URL;

async function withAdmin<T>(work: (run: (sql: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sql = require('mssql') as MssqlDriver;
  const pool = new sql.ConnectionPool({ ...mssqlPoolConfig({ backend: 'mssql', url: MSSQL_URL! }), database: 'master' });
  pool.on('error', () => undefined);
  await pool.connect();
  try {
    return await work(async (text) => (await new sql.Request(pool).query(text)).recordset ?? []);
  } finally {
    await pool.close().catch(() => undefined);
  }
}

/** `ar_<file>_<target>_<pid>`, bracket-quoted wherever it is used. */
function databaseFor(suite: string): string {
  const suffix = `_${process.pid}`;
  return `ar_${suite.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 120 - suffix.length) + suffix;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const drop = (name: string) =>
  `IF DB_ID(N'${name}') IS NOT NULL BEGIN ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${name}]; END`;

export const mssqlTarget: BackendTarget = {
  name: 'mssql',
  describe: `SQL Server (mssql/tedious) at ${(MSSQL_URL ?? '$MSSQL_URL').replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}`,
  requiredInCI: false,
  probe: async () => {
    if (!MSSQL_URL) return 'MSSQL_URL is not set';
    try {
      await withAdmin(async (run) => {
        await run('SELECT 1 AS ok');
        // Databases left by runs that crashed.
        for (const row of await run(`SELECT name FROM sys.databases WHERE name LIKE 'ar[_]%'`)) {
          const pid = Number(/_(\d+)$/.exec(String(row.name))?.[1]);
          if (pid && !isAlive(pid)) await run(drop(String(row.name))).catch(() => undefined);
        }
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
  isolate: async (suite): Promise<MssqlConnectionOptions> => {
    const database = databaseFor(suite);
    await withAdmin(async (run) => {
      await run(drop(database));
      await run(`CREATE DATABASE [${database}]`);
      // Row versioning for READ COMMITTED: a paused stream's locks cannot block the loop body.
      await run(`ALTER DATABASE [${database}] SET READ_COMMITTED_SNAPSHOT ON`);
    });
    return { backend: 'mssql', url: MSSQL_URL, database };
  },
  release: async (suite) => {
    await withAdmin((run) => run(drop(databaseFor(suite)))).catch(() => undefined);
  },
};
