import { basename } from 'node:path';
import {
  ConnectionRegistry,
  type AnyModelClass,
  type BackendLogger,
  type Connection,
  type PostgresConnectionOptions,
} from 'nestjs-activerecord';
import { probedAvailability } from '../../support/availability';
import { adminClient, postgresTarget, withAdmin } from './target';

/**
 * `describe` for the PostgreSQL-only files: runs when the server is reachable, fails under
 * CI=true when it is not (CI must have PostgreSQL), and otherwise skips with a loud message.
 */
export function describePostgres(title: string, body: () => void): void {
  const availability = probedAvailability();
  const reason = 'postgres' in availability ? availability.postgres : 'not probed (run through jest with globalSetup)';
  if (!reason) return describe(`${title} [postgres]`, body);
  if (process.env.CI === 'true') {
    return describe(`${title} [postgres]`, () => {
      it('needs PostgreSQL, which CI must provide', () => {
        throw new Error(`PostgreSQL is unreachable under CI=true: ${reason}`);
      });
    });
  }
  console.warn(`SKIPPED ${title} [postgres]: PostgreSQL is unreachable (${reason})`);
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

let sequence = 0;

/** An application_name unique to this process and call, to find the pool's sessions on the server. */
export function uniqueAppName(): string {
  return `ar_test_${process.pid}_${++sequence}`;
}

export interface PostgresHarness {
  registry: ConnectionRegistry;
  connection: Connection;
  /** The isolated schema this file's tables live in. */
  schema: string;
  /** The options the registry was opened with (url + schema + extras). */
  options: PostgresConnectionOptions;
  logger: RecordingLogger;
}

/**
 * Per test file: an isolated schema, and a registry with one connection `main` on it (with the
 * given models' tables created). Registered with beforeAll/afterAll; read the fields in tests.
 */
export function usePostgres(
  extra: Partial<PostgresConnectionOptions> = {},
  models: readonly AnyModelClass[] = [],
): PostgresHarness {
  const harness = { logger: new RecordingLogger() } as PostgresHarness;
  const suite = `pg_${basename(expect.getState().testPath ?? 'suite').replace(/\W+/g, '_')}`;
  beforeAll(async () => {
    const base = (await postgresTarget.isolate(suite)) as PostgresConnectionOptions;
    harness.schema = base.schema!;
    harness.options = { ...base, applicationName: uniqueAppName(), ...extra };
    harness.registry = await ConnectionRegistry.open({ connections: { main: harness.options }, models, logger: harness.logger });
    harness.connection = harness.registry.get('main');
    if (models.length > 0) await harness.registry.schema.createTables();
  });
  afterAll(async () => {
    await harness.registry?.close();
    await postgresTarget.release?.(suite);
  });
  return harness;
}

export interface ServerSession {
  pid: number;
  state: string | null;
}

/** The server sessions opened with this application_name, seen from another connection. */
export function sessionsOf(applicationName: string): Promise<ServerSession[]> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<ServerSession>(
      'SELECT pid, state FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid',
      [applicationName],
    );
    return rows;
  });
}

/** End server sessions of an application, as an administrator (or a crash) would. */
export function terminateSessions(applicationName: string): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ done: boolean }>(
      'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows.filter((row) => row.done).length;
  });
}

export { adminClient, withAdmin };

/** Wait until `check` holds, polling; fails the test with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
