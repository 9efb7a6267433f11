import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'nestjs-activerecord';
import { probedAvailability } from '../support/availability';
import { mariadbTarget } from '../backends/mysql/target';
import { postgresTarget } from '../backends/postgres/target';

/**
 * Databases for the distributed suites: isolated PostgreSQL schemas and MariaDB databases (the
 * backend suite's own isolation), and SQLite files. Under CI=true an unreachable PostgreSQL or
 * MariaDB fails the suite; elsewhere it is skipped loudly.
 */
export function serversAvailable(): { ok: boolean; reason?: string } {
  const availability = probedAvailability();
  const missing = ['postgres', 'mariadb'].filter((name) => availability[name] !== null);
  if (missing.length === 0) return { ok: true };
  const reason = missing.map((name) => `${name}: ${availability[name] ?? 'not probed'}`).join('; ');
  if (process.env.CI === 'true') throw new Error(`The distributed suites need PostgreSQL and MariaDB under CI=true (${reason})`);
  console.warn(`SKIPPED distributed suite: ${reason}`);
  return { ok: false, reason };
}

export const postgres = (suite: string) => postgresTarget.isolate(suite);
export const mariadb = (suite: string) => mariadbTarget.isolate(suite);
export const releasePostgres = (suite: string) => postgresTarget.release?.(suite);
export const releaseMariadb = (suite: string) => mariadbTarget.release?.(suite);

export function sqliteFile(name: string, dir = mkdtempSync(join(tmpdir(), 'ar-dist-'))): ConnectionOptions {
  return { backend: 'sqlite', database: join(dir, `${name}.db`) };
}

export const quietLogger = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m), debug: () => undefined };
