import { compileIndexWhere, foreignKeyOf, sameNativeType } from '../../backend/ddl-compiler';
import type { Dialect } from '../../backend/dialect';
import { defaultIndexName } from '../../backend/schema-names';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../database-schema';
import type { ForeignKeyOperation, SchemaOperation } from '../schema-operations';
import type { ColumnDefault, ColumnDefinition, IndexDefinition, ReferentialAction, TableDefinition } from '../table-definition';

/** One line of a generated migration: a builder call, or a note for the reader. */
export type GeneratedStep =
  | { readonly kind: 'operation'; readonly operation: SchemaOperation; readonly review?: string }
  | { readonly kind: 'execute'; readonly sql: string; readonly review?: string }
  | { readonly kind: 'note'; readonly text: string };

export interface SchemaDiff {
  readonly up: GeneratedStep[];
  readonly down: GeneratedStep[];
  /** Things noticed and left alone (tables no model maps to, primary key changes). */
  readonly notes: string[];
  /** How many steps carry a REVIEW mark. */
  readonly reviews: number;
}

export interface DiffOptions {
  readonly dialect: Dialect;
  /** The database has partial indexes (conditions are compared only where it does). */
  readonly partialIndexes: boolean;
  /** Logical types read back exactly (not SQLite's): JSON is then told from text even where both are stored alike. */
  readonly exactTypes: boolean;
  /** Column renames to write as renameColumn instead of add + drop: `{ 'users.name': 'full_name' }`. */
  readonly renames?: Readonly<Record<string, string>>;
}

/** Tables the library keeps for itself on any connection: never diffed. */
export const LIBRARY_TABLES: ReadonlySet<string> = new Set(['ar_migrations', 'ar_migration_lock', 'ar_tx_decisions', 'ar_saga_log', 'ar_saga_barriers']);

type Change = { up: GeneratedStep; down?: GeneratedStep };

/**
 * What it takes to go from the database's tables to the models' tables, and back. Phases keep
 * dependencies in order: foreign keys and indexes that go are dropped first, new tables are
 * created (referenced ones first), columns are renamed, added, altered and dropped, and new
 * indexes and foreign keys come last. `down` undoes `up` step by step in reverse.
 *
 * A column that disappears while another appears in the same table may be a rename; the diff
 * cannot know, writes a drop and an add, and marks both for review (the drop loses the data).
 */
export function diffSchema(desired: readonly TableDefinition[], actual: readonly TableSchema[], options: DiffOptions): SchemaDiff {
  const existing = new Map(actual.map((table) => [table.name, table]));
  const phases: Change[][] = [[], [], [], [], [], []];
  const [dropKeys, dropIndexes, createTables, columns, addIndexes, addKeys] = phases as [Change[], Change[], Change[], Change[], Change[], Change[]];
  const notes: string[] = [];
  const op = (operation: SchemaOperation, review?: string): GeneratedStep => ({ kind: 'operation', operation, ...(review ? { review } : {}) });

  for (const table of desired) {
    const current = existing.get(table.name);
    if (!current) {
      createTables.push({ up: op({ kind: 'createTable', table }), down: op({ kind: 'dropTable', table: table.name }) });
      continue;
    }
    diffTable(table, current, options, { dropKeys, dropIndexes, columns, addIndexes, addKeys }, notes, op);
  }
  const modelled = new Set(desired.map((table) => table.name));
  for (const table of actual) {
    if (modelled.has(table.name) || LIBRARY_TABLES.has(table.name) || table.name.startsWith('_ar_rebuild_')) continue;
    notes.push(`Table ${table.name} exists in the database but no model of this connection maps to it; left alone (schema.dropTable('${table.name}') drops it).`);
  }
  const changes = phases.flat();
  const up = changes.map((change) => change.up);
  const down = changes
    .map((change) => change.down)
    .filter((step): step is GeneratedStep => step !== undefined)
    .reverse();
  const reviews = [...up, ...down].filter((step) => step.kind !== 'note' && step.review !== undefined).length;
  return { up, down, notes, reviews };
}

interface Phases {
  dropKeys: Change[];
  dropIndexes: Change[];
  columns: Change[];
  addIndexes: Change[];
  addKeys: Change[];
}

function diffTable(
  table: TableDefinition,
  current: TableSchema,
  options: DiffOptions,
  phases: Phases,
  notes: string[],
  op: (operation: SchemaOperation, review?: string) => GeneratedStep,
): void {
  const name = table.name;
  const wanted = new Map(table.columns.map((column) => [column.name, column]));
  const have = new Map(current.columns.map((column) => [column.name, column]));

  // Renames asked for: the old column is the new one from here on.
  const renamed = new Map<string, string>();
  for (const [key, to] of Object.entries(options.renames ?? {})) {
    const [renameTable, from] = splitRename(key);
    if (renameTable !== name || !have.has(from!) || have.has(to) || !wanted.has(to)) continue;
    renamed.set(to, from!);
    phases.columns.push({ up: op({ kind: 'renameColumn', table: name, column: from!, to }), down: op({ kind: 'renameColumn', table: name, column: to, to: from! }) });
  }
  const currentOf = (column: string): ColumnSchema | undefined => have.get(renamed.get(column) ?? column);
  const renamedAway = new Set(renamed.values());

  const keyed = current.primaryKey.join();
  const desiredKey = table.columns.filter((c) => c.primary).map((c) => c.name).join();
  if (keyed !== desiredKey && current.primaryKey.length > 0) {
    notes.push(`Table ${name}: the primary key is (${current.primaryKey.join(', ')}) in the database and (${desiredKey}) in the model; primary keys are not changed by generated migrations.`);
  }

  // Foreign keys: matched by what they reference, whatever their names.
  const desiredKeys = table.columns.filter((c) => c.references).map((c) => foreignKeyOf(name, c));
  const unmatchedKeys = [...current.foreignKeys];
  const keysToAdd: ForeignKeyOperation[] = [];
  for (const key of desiredKeys) {
    const found = unmatchedKeys.findIndex((existing) => sameReference(existing, key, renamed));
    if (found >= 0 && sameActions(unmatchedKeys[found]!, key)) unmatchedKeys.splice(found, 1);
    else keysToAdd.push(key);
  }
  for (const key of unmatchedKeys) {
    phases.dropKeys.push({ up: op({ kind: 'dropForeignKey', table: name, name: key.name }), down: asAddForeignKey(name, key, op) });
  }
  for (const key of keysToAdd) {
    phases.addKeys.push({ up: op({ kind: 'addForeignKey', table: name, foreignKey: key }), down: op({ kind: 'dropForeignKey', table: name, name: key.name }) });
  }

  // Indexes: the model's, plus a unique one for each `unique` column, matched by name or shape.
  const desiredIndexes: Array<IndexDefinition & { fromColumn?: boolean }> = [
    ...(table.indexes ?? []),
    ...table.columns.filter((c) => c.unique && !c.primary).map((c) => ({ name: defaultIndexName(name, [c.name], true), columns: [c.name], unique: true, fromColumn: true })),
  ];
  const candidates = current.indexes.filter((index) => !index.expression && !(index.implicit && !index.unique));
  const unmatched = new Set(candidates);
  const indexesToAdd: IndexDefinition[] = [];
  for (const index of desiredIndexes) {
    const byName = index.fromColumn ? undefined : candidates.find((c) => unmatched.has(c) && c.name === index.name);
    const byShape = candidates.find((c) => unmatched.has(c) && sameIndex(c, index, options, renamed));
    if (byName && sameIndex(byName, index, options, renamed)) unmatched.delete(byName);
    else if (!byName && byShape) unmatched.delete(byShape);
    else indexesToAdd.push(withoutMarker(index));
  }
  for (const index of unmatched) {
    phases.dropIndexes.push({ up: op({ kind: 'dropIndex', table: name, name: index.name }), down: restoreIndex(name, index, op) });
  }
  for (const index of indexesToAdd) {
    phases.addIndexes.push({ up: op({ kind: 'addIndex', table: name, index }), down: op({ kind: 'dropIndex', table: name, name: index.name }) });
  }

  // Columns.
  const added = table.columns.filter((column) => !currentOf(column.name));
  const dropped = current.columns.filter((column) => !wanted.has(column.name) && !renamedAway.has(column.name));
  // A dropped column of the same database type as an added one may be the same column renamed.
  const lookalikes = (column: ColumnDefinition) => dropped.filter((old) => sameNativeType(options.dialect, old, column));
  for (const column of added) {
    const candidates = lookalikes(column);
    const guess = candidates.length > 0
      ? `REVIEW: '${column.name}' is new and '${candidates[0]!.name}' goes; if it is a rename, use schema.renameColumn('${name}', '${candidates[0]!.name}', '${column.name}') ` +
        `instead of this add and the drop below (or generate again with --rename ${name}.${candidates[0]!.name}=${column.name}), which keeps the data`
      : undefined;
    const definition = { ...column, unique: false, references: undefined };
    const needsValue = !column.nullable && column.default === undefined;
    const review = guess ?? (needsValue ? `REVIEW: '${column.name}' is NOT NULL without a default; adding it fails if ${name} has rows (give it a default, or add it nullable, fill it, then alter it)` : undefined);
    phases.columns.push({ up: op({ kind: 'addColumn', table: name, column: definition }, review), down: op({ kind: 'dropColumn', table: name, column: column.name }) });
  }
  for (const column of table.columns) {
    const before = currentOf(column.name);
    if (!before || column.primary) continue;
    if (sameColumn(before, column, options)) continue;
    const back = definitionOf(before, current, column.name);
    phases.columns.push({
      up: op({ kind: 'alterColumn', table: name, column: { ...column, unique: false, references: undefined } }, back ? undefined : `REVIEW: the database type of ${name}.${before.name} (${before.nativeType}) has no library type; down() cannot restore it exactly`),
      down: back ? op({ kind: 'alterColumn', table: name, column: back }) : { kind: 'note', text: `restore ${name}.${before.name} as ${before.nativeType}${before.nullable ? '' : ' NOT NULL'} by hand` },
    });
  }
  for (const column of dropped) {
    const back = definitionOf(column, current);
    const successors = added.filter((candidate) => lookalikes(candidate).includes(column));
    const review = `REVIEW: dropping '${column.name}' loses its values` + (successors.length > 0 ? ` (if '${successors[0]!.name}' replaces it, see above)` : '');
    phases.columns.push({
      up: op({ kind: 'dropColumn', table: name, column: column.name }, review),
      down: back ? op({ kind: 'addColumn', table: name, column: back }) : { kind: 'note', text: `add ${name}.${column.name} (${column.nativeType}) back by hand` },
    });
  }
}

function splitRename(key: string): [string, string | undefined] {
  const at = key.lastIndexOf('.');
  return at < 0 ? [key, undefined] : [key.slice(0, at), key.slice(at + 1)];
}

function withoutMarker(index: IndexDefinition & { fromColumn?: boolean }): IndexDefinition {
  const { fromColumn: _, ...rest } = index;
  return rest;
}

/** The column as it stands, as a definition a migration can recreate it from (undefined: no library type). */
export function definitionOf(column: ColumnSchema, table: TableSchema, name = column.name): ColumnDefinition | undefined {
  if (column.type === undefined) return undefined;
  const sole = table.primaryKey.length === 1 && table.primaryKey[0] === column.name;
  return {
    name,
    type: column.type,
    nullable: column.nullable,
    primary: sole,
    autoIncrement: sole && column.autoIncrement,
    unique: false,
    ...(column.default !== undefined && column.default !== null ? { default: column.default } : {}),
    ...(column.length !== undefined ? { length: column.length } : {}),
    ...(column.precision !== undefined ? { precision: column.precision } : {}),
    ...(column.scale !== undefined ? { scale: column.scale } : {}),
  };
}

function sameColumn(current: ColumnSchema, wanted: ColumnDefinition, options: DiffOptions): boolean {
  // JSON is text with a check on Oracle and SQL Server: the same stored type, a different column.
  const jsonChanges = options.exactTypes && current.type !== undefined && current.type !== wanted.type && (current.type === 'json' || wanted.type === 'json');
  return !jsonChanges && sameNativeType(options.dialect, current, wanted) && current.nullable === wanted.nullable && sameDefault(wanted.type, wanted.default, current);
}

/** Defaults compared as values of the column's type (catalogs print `'18'`, `1`, `true`...). */
export function sameDefault(type: ColumnDefinition['type'], wanted: ColumnDefault | undefined, current: ColumnSchema): boolean {
  const none = (value: ColumnDefault | undefined) => value === undefined || value === null;
  if (none(wanted)) return current.defaultSql === undefined || current.default === null;
  if (current.default === undefined || current.default === null) return false;
  const have = current.default;
  switch (type) {
    case 'boolean':
      return Boolean(wanted === 'false' || wanted === '0' ? false : wanted) === Boolean(have === 'false' || have === '0' ? false : have);
    case 'integer':
    case 'bigint':
    case 'float':
    case 'decimal':
      return Number(wanted) === Number(have);
    case 'json':
      return JSON.stringify(parseJson(wanted)) === JSON.stringify(parseJson(have));
    case 'datetime':
      return new Date(String(wanted)).getTime() === new Date(String(have).replace(' ', 'T')).getTime();
    default:
      return String(wanted) === String(have);
  }
}

function parseJson(value: ColumnDefault): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function sameReference(existing: ForeignKeySchema, key: ForeignKeyOperation, renamed: ReadonlyMap<string, string>): boolean {
  const column = renamed.get(key.column) ?? key.column;
  return existing.columns.length === 1 && (existing.columns[0] === column || existing.columns[0] === key.column) && existing.referencedTable === key.referencedTable && existing.referencedColumns[0] === key.referencedColumn;
}

/** Unset, NO ACTION and RESTRICT all refuse the change (they differ only in when they check). */
function sameActions(existing: ForeignKeySchema, key: ForeignKeyOperation): boolean {
  const norm = (action: ReferentialAction | undefined) => (action === undefined || action === 'restrict' ? 'no action' : action);
  return norm(existing.onDelete) === norm(key.onDelete) && norm(existing.onUpdate) === norm(key.onUpdate);
}

function sameIndex(existing: IndexSchema, wanted: IndexDefinition, options: DiffOptions, renamed: ReadonlyMap<string, string>): boolean {
  if (existing.unique !== wanted.unique) return false;
  const columns = wanted.columns.map((column) => renamed.get(column) ?? column);
  if (existing.columns.length !== columns.length || existing.columns.some((column, at) => column !== columns[at] && column !== wanted.columns[at])) return false;
  if (!options.partialIndexes) return true;
  const wantedCondition = wanted.where && Object.keys(wanted.where).length > 0
    ? compileIndexWhere(wanted.where, (name) => options.dialect.quoteIdentifier(name), (type, value) => options.dialect.ddlLiteral(type, value))
    : undefined;
  return normalizeCondition(wantedCondition) === normalizeCondition(existing.predicate);
}

/** A condition as text with quoting, casts, parentheses, case and spacing taken out, for comparison only. */
export function normalizeCondition(sql: string | undefined): string {
  if (!sql) return '';
  return sql
    .replace(/::[a-z_][a-z0-9_ ]*(\([0-9, ]*\))?/gi, '')
    .replace(/\bN'/g, "'")
    .replace(/["`[\]()\s]/g, '')
    .toLowerCase();
}

function asAddForeignKey(table: string, key: ForeignKeySchema, op: (operation: SchemaOperation) => GeneratedStep): GeneratedStep {
  if (key.columns.length !== 1) return { kind: 'note', text: `restore foreign key ${key.name} (${key.columns.join(', ')}) of ${table} by hand` };
  return op({
    kind: 'addForeignKey',
    table,
    foreignKey: {
      name: key.name,
      column: key.columns[0]!,
      referencedTable: key.referencedTable,
      referencedColumn: key.referencedColumns[0]!,
      ...(key.onDelete !== 'no action' ? { onDelete: key.onDelete } : {}),
      ...(key.onUpdate !== 'no action' ? { onUpdate: key.onUpdate } : {}),
    },
  });
}

function restoreIndex(table: string, index: IndexSchema, op: (operation: SchemaOperation) => GeneratedStep): GeneratedStep {
  if (index.predicate && !index.where) {
    return index.definition
      ? { kind: 'execute', sql: index.definition, review: `REVIEW: index ${index.name} is recreated from its original definition` }
      : { kind: 'note', text: `recreate index ${index.name} on ${table} (condition: ${index.predicate}) by hand` };
  }
  // An index the database named for a constraint (SQLite's sqlite_autoindex_*) comes back under the library's name.
  const name = index.implicit ? defaultIndexName(table, index.columns, index.unique) : index.name;
  return op({ kind: 'addIndex', table, index: { name, columns: index.columns, unique: index.unique, ...(index.where ? { where: index.where } : {}) } });
}
