import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../../connection/connection';
import { ConfigurationError } from '../../errors';
import type { TableSchema } from '../database-schema';
import { migrationFolder, migrationTimestamp, nextMigrationTimestamp } from '../migrations/migration-files';
import type { Migrator } from '../migrations/migrator';
import { MigrationError } from '../migrations/migration-error';
import { requireSchemaSupport } from '../schema-support-of';
import type { TableDefinition } from '../table-definition';
import { writeMigration } from './migration-writer';
import { diffSchema, LIBRARY_TABLES, type SchemaDiff } from './schema-diff';

export interface GenerateOptions {
  /** Only these connections; default every connection with models. */
  connection?: string | readonly string[];
  /** Write renameColumn for these instead of add + drop: `{ 'users.name': 'full_name' }`. */
  renames?: Readonly<Record<string, string>>;
  /** `ts` (default) or `js` (CommonJS). */
  language?: 'ts' | 'js';
  /** The timestamp of the file name; default now, or a second after the newest migration if that is later. */
  now?: Date;
}

export interface GeneratedMigration {
  readonly connection: string;
  readonly id: string;
  /** Where it was written; undefined when the models and the database already agree. */
  readonly file?: string;
  readonly source?: string;
  readonly diff: SchemaDiff;
}

/** What the generator needs from the schema manager. */
export interface GeneratorSource {
  connectionNames(): readonly string[];
  get(name: string): Connection;
  /** Desired tables of a connection's models, referenced tables first. */
  desiredTables(connection: string): TableDefinition[];
  readonly migrations: Migrator;
  readonly directory: string;
}

const NAME = /^[A-Za-z0-9_]+$/;

/** `add email-to users` -> `add_email_to_users`; anything else is refused with an example. */
function migrationSlug(name: unknown): string {
  const slug = typeof name === 'string' ? name.trim().replace(/[\s-]+/g, '_') : '';
  if (!NAME.test(slug)) {
    throw new ConfigurationError(`A migration name is letters, digits and underscores (e.g. add_email_to_users), got ${JSON.stringify(name)}`, { field: 'name' });
  }
  return slug;
}

/** `<timestamp>_<slug>`: at the time asked for, else after every migration already written. */
function migrationId(directory: string, slug: string, now: Date | undefined): string {
  return `${now ? migrationTimestamp(now) : nextMigrationTimestamp(directory)}_${slug}`;
}

/** `migration:create`: an empty migration for one connection, to write by hand. Returns its path. */
export function createEmptyMigration(directory: string, connection: string, name: string, options: { language?: 'ts' | 'js'; now?: Date } = {}): string {
  const language = options.language ?? 'ts';
  const id = migrationId(directory, migrationSlug(name), options.now);
  const folder = migrationFolder(directory, connection);
  const file = join(folder, `${id}.${language}`);
  if (existsSync(file)) throw new ConfigurationError(`${file} already exists`, { field: 'name' });
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, writeMigration({ up: [], down: [], notes: [], reviews: 0 }, { language, header: [`${id}: a migration of connection '${connection}'.`] }));
  return file;
}

/**
 * `migration:generate`: diff each connection's models against its live database and write the
 * migration that brings the database to the models (up) and back (down). Refuses while
 * migrations are pending: their changes would be generated a second time.
 */
export async function generateMigrations(source: GeneratorSource, name: string, options: GenerateOptions = {}): Promise<GeneratedMigration[]> {
  const slug = migrationSlug(name);
  const language = options.language ?? 'ts';
  const selected = selectConnections(source, options.connection);
  const status = await source.migrations.status({ connection: selected });
  for (const entry of status) {
    if (entry.pending.length > 0 || entry.failed.length > 0) {
      throw new MigrationError(
        `Connection '${entry.connection}' has ${entry.failed.length > 0 ? `a failed migration (${entry.failed[0]!.id})` : `pending migrations (${entry.pending.join(', ')})`}: ` +
          `run migrate first, then generate (the generator diffs the models against the database as it is)`,
        { connection: entry.connection },
      );
    }
  }
  const id = migrationId(source.directory, slug, options.now);
  const results: GeneratedMigration[] = [];
  for (const { connection: connectionName, diff } of await diffConnections(source, { ...options, connection: selected })) {
    const connection = source.get(connectionName);
    if (diff.up.length === 0) {
      results.push({ connection: connectionName, id, diff });
      continue;
    }
    const code = writeMigration(diff, {
      language,
      header: [
        `${id}: generated by \`nestjs-activerecord migration:generate\` on ${new Date().toISOString()}`,
        // Not the database's address: the file goes into source control.
        `from the models of connection '${connectionName}' and its ${connection.dialect.name} database.`,
        diff.reviews > 0 ? `${diff.reviews} step(s) are marked REVIEW: read them before running migrate.` : 'Read it before running migrate.',
      ],
    });
    const folder = migrationFolder(source.directory, connectionName);
    const file = join(folder, `${id}.${language}`);
    if (existsSync(file)) throw new ConfigurationError(`${file} already exists; pick another name or wait a second`, { field: 'name' });
    mkdirSync(folder, { recursive: true });
    writeFileSync(file, code);
    results.push({ connection: connectionName, id, file, source: code, diff });
  }
  return results;
}

/** What generate would write for each connection, without writing (and without looking at pending migrations). */
export async function diffConnections(
  source: GeneratorSource,
  options: Pick<GenerateOptions, 'connection' | 'renames'> = {},
): Promise<Array<{ connection: string; diff: SchemaDiff }>> {
  const selected = selectConnections(source, options.connection);
  const results: Array<{ connection: string; diff: SchemaDiff }> = [];
  for (const connectionName of selected) {
    const connection = source.get(connectionName);
    const support = requireSchemaSupport(connection);
    const run = (query: Parameters<Connection['runQuery']>[0]) => connection.runQuery(query);
    const tables: TableSchema[] = [];
    for (const table of await support.introspector.tableNames(run)) {
      if (LIBRARY_TABLES.has(table)) continue;
      const schema = await support.introspector.table(run, table);
      if (schema) tables.push(schema);
    }
    const diff = diffSchema(source.desiredTables(connectionName), tables, {
      dialect: connection.dialect,
      partialIndexes: support.ddl.partialIndexes,
      exactTypes: support.introspector.exactTypes ?? true,
      renames: options.renames,
    });
    results.push({ connection: connectionName, diff });
  }
  return results;
}

function selectConnections(source: GeneratorSource, connection: string | readonly string[] | undefined): string[] {
  const selected =
    connection === undefined
      ? source.connectionNames().filter((name) => source.desiredTables(name).length > 0)
      : typeof connection === 'string'
        ? [connection]
        : [...connection];
  if (selected.length === 0) throw new ConfigurationError('No connection has models to compare with its database: register models (models: [...] or forFeature)');
  for (const name of selected) source.get(name);
  return selected;
}
