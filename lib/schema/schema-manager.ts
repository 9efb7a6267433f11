import type { BackendLogger } from '../backend/storage-backend';
import type { ConnectionSetOptions } from '../connection/connection-options';
import { ConfigurationError } from '../errors';
import { modelMetadata, type ModelMetadata } from '../model/metadata';
import type { DatabaseSchema, TableSchema } from './database-schema';
import { MigrationHistory } from './migrations/migration-history';
import { resolveMigrationsOptions, MIGRATION_DEFAULTS, type MigrationsOptions, type ResolvedMigrationsOptions } from './migrations/migration-options';
import { Migrator } from './migrations/migrator';
import type { SchemaSource } from './schema-source';
import { requireSchemaSupport } from './schema-support-of';
import { logMigrationEvent, startupWorkSuppressed } from './startup';
import { referencedModels, tableFromModel } from './table-from-model';

export type { SchemaSource } from './schema-source';

/** What the schema manager reads from an application's options. */
export type SchemaStartupOptions = Pick<ConnectionSetOptions, 'connections' | 'synchronize' | 'migrationsRun'> & { migrations?: MigrationsOptions };

export interface SchemaTarget {
  /** Only this connection; default: every connection. */
  connection?: string;
}

/**
 * The schema side of an application: creates and drops the models' tables (`synchronize`, for
 * development and tests), reads each database's schema (introspection), and runs each
 * connection's migrations (`migrations`, also at startup with `migrationsRun: true`).
 */
export class SchemaManager {
  private migrationsOptions?: { readonly given: MigrationsOptions | undefined; readonly resolved: ResolvedMigrationsOptions };
  private readonly migratedAtStartup = new Set<string>();
  private logger: BackendLogger = console;
  private migrator?: Migrator;

  constructor(private readonly source: SchemaSource) {}

  /** The migration runner of this application's connections. */
  get migrations(): Migrator {
    this.migrator ??= new Migrator(
      this.source,
      () => this.migrationsOptions?.resolved ?? MIGRATION_DEFAULTS,
      () => this.logger,
      (connection) => this.inDependencyOrder(connection).map(tableFromModel),
    );
    return this.migrator;
  }

  /**
   * @internal Called by the registry with each set of connections it adds: remembers where
   * migrations live and which connections migrate at startup. Checked before anything opens.
   */
  configure(options: SchemaStartupOptions, connections: readonly string[], logger: BackendLogger): void {
    const resolved = resolveMigrationsOptions(options.migrations);
    if (options.migrations !== undefined) {
      if (this.migrationsOptions?.given !== undefined && JSON.stringify(this.migrationsOptions.resolved) !== JSON.stringify(resolved)) {
        throw new ConfigurationError('Two ActiveRecordModule.forRoot calls configure `migrations` differently; configure it once', { field: 'migrations' });
      }
      this.migrationsOptions = { given: options.migrations, resolved };
    }
    this.logger = logger;
    if (options.migrationsRun !== undefined && typeof options.migrationsRun !== 'boolean') {
      throw new ConfigurationError('migrationsRun must be true or false', { field: 'migrationsRun' });
    }
    const entries: Array<[string, Record<string, unknown>]> = Array.isArray(options.connections)
      ? options.connections.map((entry) => [entry.name, entry as unknown as Record<string, unknown>])
      : Object.entries(options.connections as Record<string, Record<string, unknown>>);
    for (const [name, connection] of entries) {
      if (!connections.includes(name)) continue;
      const run = connection.migrationsRun;
      if (run !== undefined && typeof run !== 'boolean') {
        throw new ConfigurationError(`connections.${name}.migrationsRun must be true or false`, { connection: name, field: `connections.${name}.migrationsRun` });
      }
      const migrating = (run as boolean | undefined) ?? options.migrationsRun ?? false;
      const synchronizing = (connection.synchronize as boolean | undefined) ?? options.synchronize ?? false;
      if (migrating && synchronizing) {
        throw new ConfigurationError(
          `Connection '${name}' has both synchronize and migrationsRun: synchronize creates tables from the models, bypassing the ` +
            `migrations; use migrationsRun (and migrations) in production, synchronize only in development and tests`,
          { connection: name, field: `connections.${name}.synchronize` },
        );
      }
      if (migrating) this.migratedAtStartup.add(name);
    }
  }

  /** @internal The CLI's --dir: read migrations from another folder than the application's option says. */
  useMigrationsDirectory(directory: string): void {
    const current = this.migrationsOptions?.resolved ?? MIGRATION_DEFAULTS;
    this.migrationsOptions = { given: this.migrationsOptions?.given, resolved: resolveMigrationsOptions({ ...current, directory }) };
  }

  /**
   * @internal At startup, before the application serves: apply the pending migrations of every
   * connection with `migrationsRun`, then create missing tables on those with `synchronize`
   * (which refuses a connection that has a migration history).
   */
  async startup(synchronized: readonly string[]): Promise<void> {
    if (startupWorkSuppressed()) return;
    const migrating = this.source.connectionNames().filter((name) => this.migratedAtStartup.has(name));
    if (migrating.length > 0) {
      const logger = this.logger;
      await this.migrations.migrate({ connection: migrating, onEvent: (event) => logMigrationEvent(logger, event) });
    }
    for (const name of synchronized) {
      const applied = await new MigrationHistory(this.source.get(name)).entries();
      if (applied.length > 0) {
        throw new ConfigurationError(
          `Connection '${name}' has a migration history (${applied.length} migration(s) in ar_migrations), so synchronize refuses to ` +
            `touch it: its schema belongs to the migrations. Remove synchronize from '${name}' (use migrationsRun: true)`,
          { connection: name, field: `connections.${name}.synchronize` },
        );
      }
      await this.createTables({ connection: name });
    }
  }

  /** Create missing tables, with their indexes (existing ones are left as they are). Returns the names created or kept. */
  async createTables(target: SchemaTarget = {}): Promise<string[]> {
    const done: string[] = [];
    for (const name of this.connectionsOf(target)) {
      const connection = this.source.get(name);
      const support = connection.dialect.schemaSupport();
      const existing = support ? new Set(await support.introspector.tableNames((query) => connection.runQuery(query))) : undefined;
      for (const metadata of this.inDependencyOrder(name)) {
        const table = tableFromModel(metadata);
        if (existing?.has(table.name)) {
          done.push(table.name);
          continue;
        }
        await connection.execute(connection.dialect.compileCreateTable(table, { ifNotExists: true }));
        for (const index of support ? (table.indexes ?? []) : []) {
          for (const sql of support!.ddl.compile({ kind: 'addIndex', table: table.name, index })) await connection.execute(sql);
        }
        done.push(table.name);
      }
    }
    return done;
  }

  /** Drop the tables of the registered models, dependents first. */
  async dropTables(target: SchemaTarget = {}): Promise<string[]> {
    const done: string[] = [];
    for (const name of this.connectionsOf(target)) {
      const connection = this.source.get(name);
      for (const metadata of this.inDependencyOrder(name).reverse()) {
        await connection.execute(connection.dialect.compileDropTable(metadata.table, { ifExists: true }));
        done.push(metadata.table);
      }
    }
    return done;
  }

  /** The tables of one connection's database as its catalog describes them. */
  async introspect(connection?: string): Promise<DatabaseSchema> {
    const target = this.source.get(connection ?? this.source.connectionNames()[0]!);
    const support = requireSchemaSupport(target);
    const run = (query: Parameters<typeof target.runQuery>[0]) => target.runQuery(query);
    const tables: TableSchema[] = [];
    for (const name of await support.introspector.tableNames(run)) {
      const table = await support.introspector.table(run, name);
      if (table) tables.push(table);
    }
    return { tables };
  }

  private connectionsOf(target: SchemaTarget): readonly string[] {
    if (target.connection === undefined) return this.source.connectionNames();
    this.source.get(target.connection);
    return [target.connection];
  }

  /** Referenced tables before the tables that reference them. */
  private inDependencyOrder(connection: string): ModelMetadata[] {
    const models = this.source.modelsOn(connection).map((model) => modelMetadata(model));
    const onThisConnection = new Set(models);
    const ordered: ModelMetadata[] = [];
    const visiting = new Set<ModelMetadata>();
    const visit = (metadata: ModelMetadata) => {
      if (ordered.includes(metadata) || visiting.has(metadata)) return;
      visiting.add(metadata);
      for (const target of referencedModels(metadata)) {
        if (!onThisConnection.has(target)) {
          throw new ConfigurationError(
            `${metadata.name} has a foreign key to ${target.name}, which is not registered on connection '${connection}'; ` +
              `a foreign key cannot cross databases (register ${target.name} on '${connection}' or drop the reference)`,
            { model: metadata.name, connection },
          );
        }
        visit(target);
      }
      ordered.push(metadata);
    };
    models.forEach(visit);
    return ordered;
  }
}
