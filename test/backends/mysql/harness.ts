import { basename } from 'node:path';
import type { RowDataPacket } from 'mysql2';
import {
  ConnectionRegistry,
  type AnyModelClass,
  type BackendLogger,
  type Connection,
  type MysqlConnectionOptions,
} from 'nestjs-activerecord';
import { probedAvailability } from '../../support/availability';
import { adminConnection, createDatabase, databaseFor, dropDatabase, optionsFor, withAdmin } from './target';

/**
 * `describe` for the MariaDB-only files: runs when the server is reachable, fails under CI=true
 * when it is not (CI must have MariaDB), and otherwise skips with a loud message.
 */
export function describeMariadb(title: string, body: () => void): void {
  const availability = probedAvailability();
  const reason = 'mariadb' in availability ? availability.mariadb : 'not probed (run through jest with globalSetup)';
  if (!reason) return describe(`${title} [mariadb]`, body);
  if (process.env.CI === 'true') {
    return describe(`${title} [mariadb]`, () => {
      it('needs MariaDB, which CI must provide', () => {
        throw new Error(`MariaDB is unreachable under CI=true: ${reason}`);
      });
    });
  }
  console.warn(`SKIPPED ${title} [mariadb]: MariaDB is unreachable (${reason})`);
  describe.skip(title, () => it('skipped', () => undefined));
}

/** A logger that keeps every line, to assert on what was (and was not) logged. */
export class RecordingLogger implements BackendLogger {
  readonly lines: string[] = [];
  log = (message: string) => void this.lines.push(`log: ${message}`);
  warn = (message: string) => void this.lines.push(`warn: ${message}`);
  error = (message: string) => void this.lines.push(`error: ${message}`);
  debug = (message: string) => void this.lines.push(`debug: ${message}`);
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface MariadbHarness {
  registry: ConnectionRegistry;
  connection: Connection;
  /** The isolated database this file's tables live in (its sessions are found by it). */
  database: string;
  options: MysqlConnectionOptions;
  logger: RecordingLogger;
}

/**
 * Per test file: an isolated database, and a registry with one connection `main` on it (with the
 * given models' tables created). Registered with beforeAll/afterAll; read the fields in tests.
 */
export function useMariadb(extra: Partial<MysqlConnectionOptions> = {}, models: readonly AnyModelClass[] = []): MariadbHarness {
  const harness = { logger: new RecordingLogger() } as MariadbHarness;
  const suite = basename(expect.getState().testPath ?? 'suite').replace(/\W+/g, '_');
  beforeAll(async () => {
    harness.database = databaseFor(suite);
    await createDatabase(harness.database);
    harness.options = optionsFor(harness.database, extra);
    harness.registry = await ConnectionRegistry.open({ connections: { main: harness.options }, models, logger: harness.logger });
    harness.connection = harness.registry.get('main');
    if (models.length > 0) await harness.registry.schema.createTables();
  });
  afterAll(async () => {
    await harness.registry?.close();
    await dropDatabase(harness.database);
  });
  return harness;
}

export interface ServerSession extends RowDataPacket {
  id: number;
  command: string;
  info: string | null;
}

/** Server sessions whose current database is `database` (each test file has its own). */
export function sessionsOn(database: string): Promise<ServerSession[]> {
  return withAdmin(async (admin) => {
    const [rows] = await admin.query<ServerSession[]>(
      'SELECT ID AS id, COMMAND AS command, INFO AS info FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() ORDER BY ID',
      [database],
    );
    return rows;
  });
}

/** `KILL CONNECTION`, as an administrator (or a crashed server thread) would. */
export function killConnection(id: number): Promise<void> {
  return withAdmin(async (admin) => {
    await admin.query('KILL CONNECTION ?', [id]);
  });
}

export { adminConnection, withAdmin };

/** Wait until `check` holds, polling; fails the test with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Run raw SQL written with `?` and "double-quoted" names, in the connection's own dialect. */
export function sqlFor(connection: Connection): (text: string) => string {
  return (text) => text.replace(/"((?:[^"]|"")+)"/g, (_, name: string) => connection.dialect.quoteIdentifier(name.replace(/""/g, '"')));
}
