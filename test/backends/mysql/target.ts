import { createConnection, type Connection, type ConnectionOptions as Mysql2Options } from 'mysql2/promise';
import type { MysqlConnectionOptions } from 'nestjs-activerecord';
import type { BackendTarget } from '../../support/backend-targets';

/** The test server: 127.0.0.1:3306, user root, empty password, database test; MYSQL_URL overrides. */
export const MYSQL_URL = process.env.MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

/** The test server's address and credentials, as mysql2 takes them. */
export function serverOptions(): { host: string; port: number; user: string; password?: string; database: string } {
  const url = new URL(MYSQL_URL);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password) || undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || 'test',
  };
}

/** A plain mysql2 connection, for setup and for checking what the library did. */
export async function adminConnection(extra: Mysql2Options = {}): Promise<Connection> {
  const connection = await createConnection({ ...serverOptions(), connectTimeout: 3000, supportBigNumbers: true, ...extra });
  connection.on('error', () => undefined); // a test that kills sessions must not crash on this one
  return connection;
}

export async function withAdmin<T>(work: (connection: Connection) => Promise<T>, extra: Mysql2Options = {}): Promise<T> {
  const connection = await adminConnection(extra);
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

const PREFIX = 'ar_my_';

export const quoteIdent = (name: string) => '`' + name.replace(/`/g, '``') + '`';

/**
 * One database per test file and process: `ar_my_<file>_<pid>`, at most 64 characters. The pid
 * keeps two test runs on the same server apart; the `ar_my_` prefix marks the databases these
 * tests own, so that cleaning up never touches another suite's.
 */
export function databaseFor(suite: string): string {
  const suffix = `_${process.pid}`;
  return `${PREFIX}${suite.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 64 - suffix.length) + suffix;
}

/** Options of the library's connection to `database` on the test server. */
export function optionsFor(database: string, extra: Partial<MysqlConnectionOptions> = {}): MysqlConnectionOptions {
  const { host, port, user, password } = serverOptions();
  return { backend: 'mariadb', host, port, user, password, database, ...extra };
}

/** Drop databases left by test runs whose process no longer exists (a crash, a killed run). */
async function dropStaleDatabases(connection: Connection): Promise<void> {
  const [rows] = await connection.query<Array<{ name: string } & import('mysql2').RowDataPacket>>(
    "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ar\\_my\\_%'",
  );
  for (const { name } of rows) {
    const pid = Number(/_(\d+)$/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await connection.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
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

export async function createDatabase(name: string): Promise<void> {
  await withAdmin(async (connection) => {
    await connection.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    await connection.query(`CREATE DATABASE ${quoteIdent(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((connection) => connection.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`));
}

export const mariadbTarget: BackendTarget = {
  name: 'mariadb',
  describe: `MariaDB (mysql2) at ${MYSQL_URL.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}`,
  requiredInCI: true,
  probe: async () => {
    try {
      await withAdmin(async (connection) => {
        await connection.query('SELECT 1');
        await dropStaleDatabases(connection);
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error);
    }
  },
  isolate: async (suite) => {
    const database = databaseFor(suite);
    await createDatabase(database);
    return optionsFor(database);
  },
  release: (suite) => dropDatabase(databaseFor(suite)),
};
