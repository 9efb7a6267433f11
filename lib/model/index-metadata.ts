import { defaultIndexName } from '../backend/schema-names';
import { ConfigurationError } from '../errors';
import type { IndexDefinition, IndexWhere, IndexWhereValue } from '../schema/table-definition';
import { processWide } from '../util/process-wide';
import type { ModelMetadata } from './metadata';

/** Options of `@Index(...)`. */
export interface IndexOptions {
  /** A unique index: no two rows share the indexed values. */
  unique?: boolean;
  /**
   * Index only the rows matching this condition (a partial index; PostgreSQL, SQLite and SQL
   * Server), by property name: `{ deletedAt: null }`, `{ status: { not: 'archived' } }`.
   * Where the database has none, a plain index is created instead, and a unique one is refused.
   */
  where?: IndexWhere;
  /** Index name; default `ix_<table>_<columns>` (`ux_` when unique). */
  name?: string;
}

/** What `@Column(type, { index })` takes: `true`, or the index's name. */
export type ColumnIndexOption = boolean | { name?: string };

interface DeclaredIndex {
  readonly properties: readonly string[];
  readonly options: IndexOptions;
  /** For messages: `@Index` or `@Column(index) on email`. */
  readonly origin: string;
}

// Keyed by class; process-wide like the rest of model metadata (several library copies, one process).
const declared = processWide('declared-indexes', () => new WeakMap<object, DeclaredIndex[]>());

export function declareIndex(target: object, index: DeclaredIndex): void {
  const list = declared.get(target) ?? [];
  list.push(index);
  declared.set(target, list);
}

/** Called by @Column: `index: true` is a one-column index on that property. */
export function declareColumnIndex(prototype: object, property: string, option: ColumnIndexOption | undefined): void {
  if (option === undefined || option === false) return;
  const model = (prototype as { constructor: { name: string } }).constructor;
  if (option !== true && (typeof option !== 'object' || option === null || (option.name !== undefined && !validName(option.name)))) {
    throw new ConfigurationError(`@Column on ${model.name}.${property}: index must be true or { name: 'ix_...' }`, {
      model: model.name,
      field: `${property}.index`,
    });
  }
  declareIndex(model, { properties: [property], options: option === true ? {} : { name: option.name }, origin: `@Column(index) on ${property}` });
}

/** Checks what can be checked before the model's columns are known (they are, lazily, in modelIndexes). */
export function checkIndexDeclaration(model: string, columns: unknown, options: unknown): void {
  const fail = (message: string, field: string): never => {
    throw new ConfigurationError(`@Index on ${model}: ${message}`, { model, field });
  };
  const list = typeof columns === 'string' ? [columns] : columns;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c !== '')) {
    fail(`columns must be a property name or a non-empty array of them, e.g. @Index(['lastName', 'firstName'])`, 'columns');
  }
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) fail('options must be an object { unique, where, name }', 'options');
  const { unique, where, name, ...rest } = options as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) fail(`unknown option '${extra[0]}' (options: unique, where, name)`, extra[0]!);
  if (unique !== undefined && typeof unique !== 'boolean') fail('unique must be true or false', 'unique');
  if (name !== undefined && !validName(name)) fail('name must be a non-empty string', 'name');
  if (where !== undefined) checkWhere(model, where);
}

function checkWhere(model: string, where: unknown): void {
  const literal = (value: unknown) =>
    value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  if (typeof where !== 'object' || where === null || Array.isArray(where) || Object.keys(where).length === 0) {
    throw new ConfigurationError(`@Index on ${model}: where must be an object such as { deletedAt: null }`, { model, field: 'where' });
  }
  for (const [property, condition] of Object.entries(where)) {
    const ok = literal(condition) || (typeof condition === 'object' && condition !== null && Object.keys(condition).join() === 'not' && literal((condition as { not: unknown }).not));
    if (!ok) {
      throw new ConfigurationError(
        `@Index on ${model}: where.${property} must be a literal (string, number, boolean, null) or { not: literal }`,
        { model, field: `where.${property}` },
      );
    }
  }
}

function validName(name: unknown): name is string {
  return typeof name === 'string' && name.trim() !== '' && !name.includes('\0');
}

/**
 * The indexes a model declares (its own and its base classes'), with property names resolved to
 * column names and default names given. An unknown property is a ConfigurationError naming it.
 */
export function modelIndexes(metadata: ModelMetadata): IndexDefinition[] {
  const chain: object[] = [];
  for (let current: object | null = metadata.target; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    chain.unshift(current);
  }
  const byName = new Map<string, IndexDefinition>();
  for (const declaration of chain.flatMap((target) => declared.get(target) ?? [])) {
    const index = resolve(metadata, declaration);
    const existing = byName.get(index.name);
    if (existing && JSON.stringify(existing) !== JSON.stringify(index)) {
      throw new ConfigurationError(`Model ${metadata.name} declares two different indexes named '${index.name}'`, {
        model: metadata.name,
        field: index.name,
      });
    }
    byName.set(index.name, index);
  }
  return [...byName.values()];
}

function resolve(metadata: ModelMetadata, declaration: DeclaredIndex): IndexDefinition {
  const column = (property: string, what: string) => {
    const found = metadata.byProperty.get(property);
    if (!found) {
      throw new ConfigurationError(
        `${declaration.origin} on ${metadata.name}: ${what} '${property}' is not a column of the model ` +
          `(columns: ${[...metadata.byProperty.keys()].join(', ')})`,
        { model: metadata.name, field: property },
      );
    }
    return found.name;
  };
  const columns = declaration.properties.map((property) => column(property, 'property'));
  const unique = declaration.options.unique ?? false;
  let where: Record<string, IndexWhereValue | { not: IndexWhereValue }> | undefined;
  if (declaration.options.where) {
    where = {};
    for (const [property, condition] of Object.entries(declaration.options.where)) where[column(property, 'where property')] = condition;
  }
  return {
    name: declaration.options.name ?? defaultIndexName(metadata.table, columns, unique),
    columns,
    unique,
    ...(where ? { where } : {}),
  };
}
