import { defaultForeignKeyName } from '../backend/schema-names';
import { ConfigurationError } from '../errors';
import { modelIndexes } from '../model/index-metadata';
import { modelMetadata, type ColumnMetadata, type ModelMetadata } from '../model/metadata';
import type { ColumnDefinition, ForeignKeyDefinition, TableDefinition } from './table-definition';

/** The table a model describes, with its foreign keys resolved to table and column names, and its indexes. */
export function tableFromModel(metadata: ModelMetadata): TableDefinition {
  return {
    name: metadata.table,
    columns: metadata.columns.map((column) => columnDefinition(metadata, column)),
    indexes: modelIndexes(metadata),
  };
}

/** Models a model's foreign keys point at (itself excluded). */
export function referencedModels(metadata: ModelMetadata): ModelMetadata[] {
  return metadata.columns
    .filter((column) => column.references)
    .map((column) => referenceTarget(metadata, column))
    .filter((target) => target !== metadata);
}

function columnDefinition(metadata: ModelMetadata, column: ColumnMetadata): ColumnDefinition {
  return {
    name: column.name,
    type: column.type,
    nullable: column.nullable,
    primary: column.primary,
    autoIncrement: column.generation === 'increment',
    unique: column.unique,
    default: column.default,
    length: column.length,
    precision: column.precision,
    scale: column.scale,
    references: column.references ? foreignKey(metadata, column) : undefined,
  };
}

function foreignKey(metadata: ModelMetadata, column: ColumnMetadata): ForeignKeyDefinition {
  const target = referenceTarget(metadata, column);
  const option = column.references!;
  const actions = typeof option === 'function' ? {} : { onDelete: option.onDelete, onUpdate: option.onUpdate };
  return { table: target.table, column: target.primaryKey.name, ...actions, name: defaultForeignKeyName(metadata.table, column.name) };
}

export function referenceTarget(metadata: ModelMetadata, column: ColumnMetadata): ModelMetadata {
  const option = column.references!;
  const resolve = typeof option === 'function' ? option : option.model;
  const target = typeof resolve === 'function' ? resolve() : undefined;
  if (!target) {
    throw new ConfigurationError(
      `${metadata.name}.${column.property}: references must be a function returning a model, e.g. references: () => User ` +
        `(the target was undefined, often an import cycle: keep the arrow function)`,
      { model: metadata.name, field: column.property },
    );
  }
  return modelMetadata(target);
}
