import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SchemaBuilder } from '../builder/schema-builder';
import { MigrationError } from './migration-error';
import { loadModule } from './module-loader';

/** What a migration file exports. */
export interface MigrationModule {
  up(schema: SchemaBuilder): Promise<void> | void;
  /** Absent: the migration cannot be rolled back (rollback stops there, saying so). */
  down?(schema: SchemaBuilder): Promise<void> | void;
}

export interface MigrationFile {
  /** The file's name without extension: `20250101120000_add_email`; ordered by it. */
  readonly id: string;
  readonly file: string;
}

/** `<timestamp>_<name>.ts|.js|.cjs|.mjs`; a `.d.ts` or source map beside it is not a migration. */
const MIGRATION_FILE = /^(\d{8,})_([A-Za-z0-9_.-]+?)\.(ts|js|cjs|mjs)$/;

/** The folder of one connection's migrations. */
export function migrationFolder(directory: string, connection: string): string {
  return join(resolve(directory), connection);
}

/**
 * The migrations of one connection, by id. Where a `.js` and a `.ts` of one id sit together (a
 * build that compiles in place), the `.js` is the one run.
 */
export function migrationFiles(directory: string, connection: string): MigrationFile[] {
  const folder = migrationFolder(directory, connection);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  const byId = new Map<string, MigrationFile>();
  for (const name of readdirSync(folder).sort()) {
    if (name.endsWith('.d.ts')) continue;
    const match = MIGRATION_FILE.exec(name);
    if (!match) continue;
    const id = `${match[1]}_${match[2]}`;
    const existing = byId.get(id);
    if (existing && !existing.file.endsWith('.ts')) continue;
    byId.set(id, { id, file: join(folder, name) });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Load a migration file and check its exports. */
export function loadMigration(file: MigrationFile, connection: string): MigrationModule {
  let exports: Record<string, unknown>;
  try {
    // A long-lived process (a watch-mode server, a test run) sees the file as it is now.
    delete require.cache[file.file];
    exports = loadModule(file.file);
  } catch (error) {
    throw new MigrationError(`Migration ${file.id} (${file.file}) of connection '${connection}' does not load: ${(error as Error).message}`, {
      connection,
      migration: file.id,
      cause: error,
    });
  }
  const module = (typeof exports.up === 'function' ? exports : (exports.default as Record<string, unknown> | undefined)) ?? {};
  if (typeof module.up !== 'function' || (module.down !== undefined && typeof module.down !== 'function')) {
    throw new MigrationError(
      `Migration ${file.id} (${file.file}) must export functions up(schema) and down(schema) (down may be left out for an irreversible migration)`,
      { connection, migration: file.id },
    );
  }
  return module as unknown as MigrationModule;
}

/** A timestamp id prefix in UTC: `20250101120000`. */
export function migrationTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The timestamp for a new migration: now, or one second after the newest migration of any
 * connection under `directory` when that is not earlier. Migrations written within one second
 * (or behind a clock that went back) would otherwise share a timestamp and run in the order of
 * their names, not the order they were written.
 */
export function nextMigrationTimestamp(directory: string, now = new Date()): string {
  const stamp = migrationTimestamp(now);
  const root = resolve(directory);
  let newest = '';
  if (existsSync(root) && statSync(root).isDirectory()) {
    for (const connection of readdirSync(root)) {
      for (const { id } of migrationFiles(root, connection)) {
        const prefix = id.slice(0, id.indexOf('_'));
        if (prefix.length === 14 && prefix > newest) newest = prefix;
      }
    }
  }
  if (newest < stamp) return stamp;
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(newest.slice(at, i === 0 ? 4 : at + 2)));
  return migrationTimestamp(new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second! + 1)));
}
