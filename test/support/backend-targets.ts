import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'nestjs-activerecord';
import { postgresTarget } from '../backends/postgres/target';
import { mariadbTarget } from '../backends/mysql/target';
import { oracleTarget } from '../backends/oracle/target';
import { mssqlTarget } from '../backends/mssql/target';

/**
 * The databases the backend suite runs against. A backend joins the suite by adding one entry
 * here (a custom backend would do the same): how to probe it, how to give one test file an
 * isolated database, and how to clean up.
 */
export interface BackendTarget {
  /** Short id used in test names: `sqlite-file`, `postgres`, ... */
  readonly name: string;
  /** Where it is, for the skip/fail message. */
  readonly describe: string;
  /** Under CI=true an unreachable target fails the run instead of being skipped. */
  readonly requiredInCI: boolean;
  /** Resolves to undefined when reachable, else to the reason it is not. */
  probe(): Promise<string | undefined>;
  /** Options of a fresh, isolated database for one test file (created here). */
  isolate(suite: string): Promise<ConnectionOptions>;
  /** Remove what `isolate` made. */
  release?(suite: string): Promise<void>;
}

const scratch = join(tmpdir(), `nestjs-activerecord-tests-${process.pid}`);

export const sqliteFile: BackendTarget = {
  name: 'sqlite-file',
  describe: 'SQLite file (better-sqlite3)',
  requiredInCI: true,
  probe: async () => undefined,
  isolate: async (suite) => {
    const dir = join(scratch, suite);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return { backend: 'sqlite', database: join(dir, 'test.db') };
  },
  release: async (suite) => rmSync(join(scratch, suite), { recursive: true, force: true }),
};

export const sqliteMemory: BackendTarget = {
  name: 'sqlite-memory',
  describe: 'SQLite :memory: (better-sqlite3)',
  requiredInCI: true,
  probe: async () => undefined,
  isolate: async () => ({ backend: 'sqlite', database: ':memory:' }),
};

/** Every target of the backend suite, in the order they run. */
export const BACKEND_TARGETS: readonly BackendTarget[] = [sqliteFile, sqliteMemory, postgresTarget, mariadbTarget, oracleTarget, mssqlTarget];
