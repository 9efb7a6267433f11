import { randomUUID } from 'node:crypto';
import { ActiveRecordError, RecordNotFoundError } from '../errors';
import type { ColumnRef, ConditionNode, InsertNode } from '../query/nodes';
import type { ColumnMetadata } from './metadata';
import type { ModelRuntime } from './model-runtime';
import { RECORD_STATE, type WithRecordState } from './record-state';
import { castValue, fingerprint } from './type-casting';
import { castAttributes, throwIfInvalid, type AttributeIssue } from './validation';

type RecordObject = Record<string, unknown> & WithRecordState;

/** Insert a new record, or update the attributes of a persisted one that changed. */
export async function saveRecord(runtime: ModelRuntime, record: RecordObject): Promise<void> {
  const state = record[RECORD_STATE];
  if (state?.destroyed) {
    throw new ActiveRecordError(`Cannot save a destroyed ${runtime.metadata.name}`, { model: runtime.metadata.name });
  }
  if (state) await updateRecord(runtime, record, state.snapshot);
  else await insertRecord(runtime, record);
}

async function insertRecord(runtime: ModelRuntime, record: RecordObject): Promise<void> {
  const { metadata, dialect, connection } = runtime;
  const pk = metadata.primaryKey;
  if (pk.generation === 'uuid' && (record[pk.property] === undefined || record[pk.property] === null)) {
    record[pk.property] = randomUUID();
  }
  const untouched = new Set(metadata.columns.filter((column) => record[column.property] === undefined));
  takeDeclaredDefaults(runtime, record);
  const issues: AttributeIssue[] = [];
  const values = castAttributes(metadata, (column) => record[column.property], 'insert', issues);
  throwIfInvalid(metadata, issues);

  const columns: ColumnRef[] = [];
  const row: unknown[] = [];
  const defaulted = new Set(metadata.columns.filter((column) => column.default !== undefined || column.nullable));
  metadata.columns.forEach((column, i) => {
    const value = values[i];
    record[column.property] = value === undefined ? record[column.property] : value;
    if (value === undefined || (value === null && column.primary)) return;
    // A value equal to what the database would choose anyway is left to the database.
    if (defaulted.has(column) && untouched.has(column)) return;
    columns.push({ name: column.name, type: column.type });
    row.push(value);
  });
  const node: InsertNode = { kind: 'insert', table: metadata.table, columns, rows: [row], returning: runtime.columnNames };

  if (dialect.supportsReturning) {
    const rows = await connection.runQuery(dialect.compile(node), runtime.runOptions);
    runtime.apply(record, rows[0] ?? {});
    return;
  }
  const result = await connection.runExecute(dialect.compile(node), runtime.runOptions);
  if (pk.generation === 'increment' && (record[pk.property] === undefined || record[pk.property] === null)) {
    record[pk.property] = runtime.read(metadata.columns.indexOf(pk), result.insertId);
  }
  // Without RETURNING, defaults chosen by the database are not known here; `reload()` reads them.
  runtime.remember(record);
}

/**
 * An attribute left unset on a new record takes the column's declared default (or null, for a
 * nullable column), as Rails does: the record then says what the database will store even where
 * no RETURNING reads it back (MySQL), and a later save does not mistake it for a change. The
 * value is still left out of the INSERT, so the database applies its own default.
 */
function takeDeclaredDefaults(runtime: ModelRuntime, record: RecordObject): void {
  for (const column of runtime.metadata.columns) {
    if (record[column.property] !== undefined || column.primary) continue;
    if (column.default !== undefined) record[column.property] = column.default === null ? null : castValue(column.type, column.default);
    else if (column.nullable) record[column.property] = null;
  }
}

async function updateRecord(runtime: ModelRuntime, record: RecordObject, snapshot: unknown[]): Promise<void> {
  const { metadata, dialect, connection } = runtime;
  const issues: AttributeIssue[] = [];
  const values = castAttributes(metadata, (column) => record[column.property], 'update', issues);
  throwIfInvalid(metadata, issues);

  const set: Array<readonly [ColumnRef, unknown]> = [];
  metadata.columns.forEach((column, i) => {
    const value = values[i] === undefined ? null : values[i];
    record[column.property] = value;
    if (fingerprint(column.type, value) !== snapshot[i]) set.push([{ name: column.name, type: column.type }, value]);
  });
  if (set.length === 0) return;

  const where = keyCondition(runtime, snapshot[metadata.columns.indexOf(metadata.primaryKey)]);
  const result = await connection.runExecute(dialect.compile({ kind: 'update', table: metadata.table, set, where }));
  if (result.affectedRows === 0) throw notFound(runtime, snapshot[metadata.columns.indexOf(metadata.primaryKey)], 'update');
  runtime.remember(record);
}

/** Delete a persisted record by its primary key. */
export async function destroyRecord(runtime: ModelRuntime, record: RecordObject): Promise<void> {
  const state = record[RECORD_STATE];
  const { metadata, dialect, connection } = runtime;
  if (!state) {
    throw new ActiveRecordError(`Cannot destroy a ${metadata.name} that was never saved`, { model: metadata.name });
  }
  if (state.destroyed) return;
  const key = state.snapshot[metadata.columns.indexOf(metadata.primaryKey)];
  await connection.runExecute(dialect.compile({ kind: 'delete', table: metadata.table, where: keyCondition(runtime, key) }));
  state.destroyed = true;
}

/** Re-read a persisted record's attributes from the database. */
export async function reloadRecord(runtime: ModelRuntime, record: RecordObject): Promise<void> {
  const state = record[RECORD_STATE];
  const { metadata } = runtime;
  const key = state
    ? state.snapshot[metadata.columns.indexOf(metadata.primaryKey)]
    : record[metadata.primaryKey.property];
  const rows = await runtime.connection.runQuery(runtime.findByKeyQuery(key), runtime.runOptions);
  if (rows.length === 0) throw notFound(runtime, key, 'reload');
  runtime.apply(record, rows[0]!);
}

/**
 * Insert many rows with multi-row INSERTs, inside one transaction (joining the caller's if one is
 * open): every row is validated first, and either all rows land or none do. Skips per-record
 * work such as hydration; returns the number of rows inserted.
 */
export interface UpsertPlan {
  /** Attributes of the unique key a row may collide on. */
  readonly conflict: readonly string[];
  /** Attributes to overwrite on collision; default: every given one outside the key. */
  readonly update?: readonly string[];
}

export async function insertMany(runtime: ModelRuntime, inputs: readonly object[], upsert?: UpsertPlan): Promise<number> {
  const { metadata, dialect, connection } = runtime;
  const pk = metadata.primaryKey;
  const issues: AttributeIssue[] = [];
  const groups = new Map<string, { columns: ColumnMetadata[]; rows: unknown[][] }>();
  inputs.forEach((input, index) => {
    const attributes = input as Record<string, unknown>;
    for (const key of Object.keys(attributes)) {
      if (!metadata.byProperty.has(key)) issues.push({ attribute: `rows[${index}].${key}`, message: 'is not an attribute' });
    }
    const values = castAttributes(
      metadata,
      (column) =>
        column === pk && pk.generation === 'uuid' && attributes[column.property] == null ? randomUUID() : attributes[column.property],
      'insert',
      issues,
      `rows[${index}].`,
    );
    const present = metadata.columns.filter((column, i) => values[i] !== undefined && !(column.primary && values[i] === null));
    const signature = present.map((column) => column.name).join('\u0000');
    const group = groups.get(signature) ?? { columns: present, rows: [] };
    group.rows.push(present.map((column) => values[metadata.columns.indexOf(column)]));
    groups.set(signature, group);
  });
  throwIfInvalid(metadata, issues);
  if (inputs.length === 0) return 0;

  return connection.transaction(async () => {
    let inserted = 0;
    for (const { columns, rows } of groups.values()) {
      const refs = columns.map((column) => ({ name: column.name, type: column.type }));
      const perStatement = Math.max(1, Math.min(1000, Math.floor(dialect.maxParameters / Math.max(1, refs.length))));
      for (let start = 0; start < rows.length; start += perStatement) {
        const chunk = rows.slice(start, start + perStatement);
        const node: InsertNode = {
          kind: 'insert',
          table: metadata.table,
          columns: refs,
          rows: chunk,
          onConflict: upsert ? conflictClause(runtime, upsert, columns) : undefined,
        };
        await connection.runExecute(dialect.compile(node));
        inserted += chunk.length;
      }
    }
    return inserted;
  });
}

function conflictClause(runtime: ModelRuntime, plan: UpsertPlan, given: readonly ColumnMetadata[]) {
  const { metadata } = runtime;
  const column = (property: string) => {
    const found = metadata.byProperty.get(property);
    if (!found) {
      throw new ActiveRecordError(`${metadata.name}.upsert: unknown attribute '${property}'`, { model: metadata.name, field: property });
    }
    return found;
  };
  const target = plan.conflict.map(column);
  if (target.length === 0) {
    throw new ActiveRecordError(`${metadata.name}.upsert needs the attributes of a unique key in 'conflict'`, { model: metadata.name });
  }
  const update = plan.update ? plan.update.map(column) : given.filter((c) => !target.includes(c) && !c.primary);
  return { target: target.map((c) => c.name), update: update.map((c) => c.name) };
}

export function keyCondition(runtime: ModelRuntime, key: unknown): ConditionNode {
  const pk = runtime.metadata.primaryKey;
  return { kind: 'compare', column: { name: pk.name, type: pk.type }, op: '=', value: key };
}

export function notFound(runtime: ModelRuntime, key: unknown, action: string): RecordNotFoundError {
  const { metadata } = runtime;
  return new RecordNotFoundError(
    `${metadata.name} with ${metadata.primaryKey.property} ${JSON.stringify(String(key))} not found` +
      (action === 'find' ? '' : ` (${action} of a record that no longer exists)`),
    { model: metadata.name, connection: runtime.connection.name },
  );
}
