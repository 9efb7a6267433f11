import type { Connection } from '../connection/connection';
import { ConfigurationError } from '../errors';
import { modelMetadata, type AnyModelClass, type ModelMetadata } from '../model/metadata';
import { referencedModels, tableFromModel } from './table-from-model';

/** What the schema manager needs from the registry. */
export interface SchemaSource {
  connectionNames(): readonly string[];
  get(name: string): Connection;
  modelsOn(name: string): AnyModelClass[];
}

export interface SchemaTarget {
  /** Only this connection; default: every connection. */
  connection?: string;
}

/**
 * Creates and drops the tables of the models registered on each connection, from their
 * metadata. For development and tests (`synchronize: true`); production schemas belong in
 * migrations, which never drop or alter behind your back.
 */
export class SchemaManager {
  constructor(private readonly source: SchemaSource) {}

  /** Create missing tables (existing ones are left as they are). Returns the names created or kept. */
  async createTables(target: SchemaTarget = {}): Promise<string[]> {
    const done: string[] = [];
    for (const name of this.connectionsOf(target)) {
      const connection = this.source.get(name);
      for (const metadata of this.inDependencyOrder(name)) {
        const sql = connection.dialect.compileCreateTable(tableFromModel(metadata), { ifNotExists: true });
        await connection.execute(sql);
        done.push(metadata.table);
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
