import { randomBytes } from 'node:crypto';
import type { OracleConnectionOptions } from 'nestjs-activerecord';
import { resolveOracleSettings } from '../../../lib/backend/oracle/config';
import type { OracleConnection } from '../../../lib/backend/oracle/driver';
import type { BackendTarget } from '../../support/backend-targets';

/**
 * Oracle runs only where ORACLE_URL names a server, as a user that may create users:
 * `oracle://system:password@127.0.0.1:1521/FREEPDB1` (see docs/backends/oracle.md).
 * Each test file gets its own user (= schema), dropped afterwards.
 */
export const ORACLE_URL = process.env.ORACLE_URL;

interface OracleModule {
  getConnection(options: { user?: string; password?: string; connectString: string }): Promise<OracleConnection>;
}

async function withAdmin<T>(work: (run: (sql: string, binds?: unknown[]) => Promise<Array<Record<string, unknown>>>) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const oracledb = require('oracledb') as OracleModule & { OUT_FORMAT_OBJECT: number };
  const { connectString, user, password } = resolveOracleSettings({ backend: 'oracle', url: ORACLE_URL! });
  const connection = await oracledb.getConnection({ user, password, connectString });
  try {
    return await work(async (sql, binds = []) => (await connection.execute(sql, binds, { autoCommit: true, outFormat: oracledb.OUT_FORMAT_OBJECT })).rows ?? []);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** `AR_<FILE>_<TARGET>_<PID>`: an unquoted-safe, upper-case user name (Oracle folds login names). */
function userFor(suite: string): string {
  const suffix = `_${process.pid}`;
  return `AR_${suite.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`.slice(0, 120 - suffix.length) + suffix;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const oracleTarget: BackendTarget = {
  name: 'oracle',
  describe: `Oracle (oracledb Thin) at ${(ORACLE_URL ?? '$ORACLE_URL').replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}`,
  requiredInCI: false,
  probe: async () => {
    if (!ORACLE_URL) return 'ORACLE_URL is not set';
    try {
      await withAdmin(async (run) => {
        await run('SELECT 1 FROM DUAL');
        // Users left by runs that crashed.
        for (const row of await run(`SELECT username AS "name" FROM all_users WHERE username LIKE 'AR\\_%' ESCAPE '\\'`)) {
          const pid = Number(/_(\d+)$/.exec(String(row.name))?.[1]);
          if (pid && !isAlive(pid)) await run(`DROP USER "${String(row.name)}" CASCADE`).catch(() => undefined);
        }
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    }
  },
  isolate: async (suite): Promise<OracleConnectionOptions> => {
    const user = userFor(suite);
    const password = 'Ar' + randomBytes(12).toString('hex');
    await withAdmin(async (run) => {
      await run(`DROP USER "${user}" CASCADE`).catch(() => undefined);
      const [row] = await run(`SELECT property_value AS "ts" FROM database_properties WHERE property_name = 'DEFAULT_PERMANENT_TABLESPACE'`);
      const tablespace = String(row?.ts ?? 'USERS');
      await run(`CREATE USER "${user}" IDENTIFIED BY "${password}" DEFAULT TABLESPACE "${tablespace}" QUOTA UNLIMITED ON "${tablespace}"`);
      await run(`GRANT CREATE SESSION, CREATE TABLE, CREATE SEQUENCE TO "${user}"`);
    });
    return { backend: 'oracle', url: ORACLE_URL, user, password };
  },
  release: async (suite) => {
    await withAdmin((run) => run(`DROP USER "${userFor(suite)}" CASCADE`)).catch(() => undefined);
  },
};
