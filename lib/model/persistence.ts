import { randomUUID } from 'node:crypto';
import type { ExecuteResult, Row } from '../backend/storage-backend';
import { insertHeadLength, rowsPerInsert } from '../backend/statement-limits';
import { ActiveRecordError, RecordNotFoundError } from '../errors';
import type { ColumnRef, CompiledQuery, ConditionNode, ConflictClause, InsertNode } from '../query/nodes';
import { TransactionManager } from '../transaction/transaction-manager';
import type { ColumnMetadata } from './metadata';
import type { InsertStatement, ModelRuntime } from './model-runtime';
import { loadedKey } from './partial-records';
import { NOT_LOADED, RECORD_STATE, type WithRecordState } from './record-state';
import { checkRules } from './lifecycle/column-rules';
import { managedColumns } from './lifecycle/managed-columns';
import { StaleRecordError } from '../errors';
import { castForWrite, castValue } from './type-casting';
import { castAttributes, throwIfInvalid, type AttributeIssue } from './validation';

type RecordObject = Record<string, unknown> & WithRecordState;

/** Models with at most this many columns key their statement shapes by a bit mask. */
const MASK_COLUMNS = 30;

/** A driver result that may still be on its way (the SQLite backend answers at once). */
export function isPending<T extends object>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Insert a new record, or update the attributes of a persisted one that changed. Returns a
 * promise while the statement is in flight, or undefined when it already completed (SQLite);
 * throws what it refuses (callers turn throws into rejections).
 */
export function saveRecord(runtime: ModelRuntime, record: RecordObject, guard?: VersionGuard): Promise<void> | undefined {
  const state = record[RECORD_STATE];
  if (state?.destroyed) {
    throw new ActiveRecordError(`Cannot save a destroyed ${runtime.metadata.name}`, { model: runtime.metadata.name });
  }
  return state ? updateRecord(runtime, record, state.snapshot, guard) : insertRecord(runtime, record);
}

/**
 * Optimistic locking: the update or delete also requires the version column to hold `expected`,
 * and a row not found is a StaleRecordError (someone else changed or deleted it), not a
 * RecordNotFoundError.
 */
export interface VersionGuard {
  readonly column: ColumnMetadata;
  readonly expected: unknown;
}

/**
 * Insert a new record. An attribute left unset takes the column's declared default (or null,
 * for a nullable column), as Rails does: the record then says what the database will store even
 * where no RETURNING reads it back (MySQL), and a later save does not mistake it for a change.
 * Such a value is still left out of the INSERT, so the database applies its own default. Every
 * attribute is checked and cast before anything is written; the record's attributes take their
 * cast values only once all pass.
 */
function insertRecord(runtime: ModelRuntime, record: RecordObject): Promise<void> | undefined {
  const { metadata, dialect, connection } = runtime;
  const columns = metadata.columns;
  const pk = metadata.primaryKey;
  if (pk.generation === 'uuid' && (record[pk.property] === undefined || record[pk.property] === null)) {
    record[pk.property] = randomUUID();
  }
  let issues: AttributeIssue[] | undefined;
  const included: number[] = [];
  const values: unknown[] = [];
  const given = new Array<unknown>(columns.length);
  runtime.readAttributes(record, given);
  let mask = 0;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const value = given[i];
    if (value === undefined) {
      if (column.primary) {
        // A key left unset is the database's to choose (generated), or its default.
        if (column.generation !== 'none' || column.default !== undefined || column.nullable) continue;
        (issues ??= []).push({ attribute: column.property, message: 'is required' });
      } else if (column.default !== undefined) {
        if (column.default === null) {
          record[column.property] = null;
          if (!column.nullable) (issues ??= []).push({ attribute: column.property, message: 'cannot be null' });
        } else {
          record[column.property] = castValue(column.type, column.default);
        }
      } else if (column.nullable) {
        record[column.property] = null;
        if (column.rules?.presence !== undefined) (issues ??= []).push({ attribute: column.property, message: column.rules.presence });
      } else {
        (issues ??= []).push({ attribute: column.property, message: 'is required' });
      }
      continue;
    }
    let cast: unknown = null;
    if (value === null) {
      if (column.primary && column.generation !== 'none') continue;
      if (!column.nullable) {
        (issues ??= []).push({ attribute: column.property, message: 'cannot be null' });
        continue;
      }
      if (column.rules?.presence !== undefined) (issues ??= []).push({ attribute: column.property, message: column.rules.presence });
      if (column.primary) continue;
    } else {
      const problem = castInto(column, value);
      if (problem !== undefined) {
        (issues ??= []).push({ attribute: column.property, message: problem });
        continue;
      }
      cast = castResult;
      if (column.rules !== undefined) {
        const attribute = column.property;
        checkRules(column.rules, cast, (message) => (issues ??= []).push({ attribute, message }));
      }
    }
    included.push(i);
    values.push(cast);
    mask |= 1 << i;
  }
  if (issues !== undefined) throwIfInvalid(metadata, issues);
  for (let k = 0; k < included.length; k++) record[columns[included[k]!]!.property] = values[k];

  const statement = runtime.insertStatement(included, columns.length <= MASK_COLUMNS ? mask : included.join(','));
  let query: CompiledQuery;
  let returning: boolean;
  const stored = runtime.codecs === undefined ? values : values.map((value, k) => runtime.encode(included[k]!, value));
  if (statement !== undefined) {
    const params = new Array<unknown>(stored.length);
    for (let k = 0; k < stored.length; k++) params[k] = dialect.toDriverValue(statement.types[k], stored[k]);
    query = { sql: statement.sql, params };
    returning = statement.returning;
  } else {
    const refs: ColumnRef[] = included.map((i) => ({ name: columns[i]!.name, type: columns[i]!.type }));
    const node: InsertNode = { kind: 'insert', table: metadata.table, columns: refs, rows: [stored], returning: runtime.columnNames };
    query = dialect.compile(node);
    returning = dialect.supportsReturning;
  }

  if (returning) {
    const rows = connection.runQueryNow(query, runtime.returningOptions);
    if (!Array.isArray(rows)) return rows.then((found) => runtime.apply(record, found[0] ?? {}));
    runtime.apply(record, rows[0] ?? {});
    return undefined;
  }
  const result = connection.runExecuteNow(query, runtime.writeOptions);
  if (isPending(result)) return result.then((done) => afterInsert(runtime, record, done, statement, query.params));
  afterInsert(runtime, record, result, statement, query.params);
  return undefined;
}

/** Set by `castInto`: the cast value when it returns no problem (saves an allocation per value). */
let castResult: unknown;

/**
 * Cast one non-null attribute value for a write; returns what is wrong with it, or undefined
 * with the cast value in `castResult`.
 */
function castInto(column: ColumnMetadata, value: unknown): string | undefined {
  try {
    castResult = castForWrite(column, value);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

/** After an INSERT without RETURNING: the generated key, and the values as the database holds them. */
function afterInsert(
  runtime: ModelRuntime,
  record: RecordObject,
  result: ExecuteResult,
  statement: InsertStatement | undefined,
  params: readonly unknown[],
): void {
  const pk = runtime.metadata.primaryKey;
  if (pk.generation === 'increment' && (record[pk.property] === undefined || record[pk.property] === null)) {
    record[pk.property] = runtime.read(runtime.metadata.columns.indexOf(pk), result.insertId);
  }
  if (statement !== undefined && runtime.exactRoundTrip) {
    // What RETURNING would have read: the bound driver values, through the column readers.
    // (A column with a codec keeps its cast value: decoding what was just encoded gives it back.)
    const columns = runtime.metadata.columns;
    const codecs = runtime.codecs;
    for (let k = 0; k < statement.columns.length; k++) {
      const index = statement.columns[k]!;
      if (codecs?.[index] !== undefined) continue;
      record[columns[index]!.property] = runtime.read(index, params[k]);
    }
  }
  // Elsewhere (MySQL), defaults chosen by the database are not known here; `reload()` reads them.
  runtime.remember(record);
}

function updateRecord(runtime: ModelRuntime, record: RecordObject, snapshot: unknown[], guard?: VersionGuard): Promise<void> | undefined {
  const { metadata, dialect, connection } = runtime;
  const issues: AttributeIssue[] = [];
  const values = castAttributes(metadata, (column) => record[column.property], 'update', issues);
  throwIfInvalid(metadata, issues);

  const set: Array<readonly [ColumnRef, unknown]> = [];
  metadata.columns.forEach((column, i) => {
    if (snapshot[i] === NOT_LOADED && values[i] === undefined) return; // a partial record's unread attribute
    const value = values[i] === undefined ? null : values[i];
    record[column.property] = value;
    if (runtime.fingerprintAt(i, value) !== snapshot[i]) set.push([{ name: column.name, type: column.type }, runtime.encode(i, value)]);
  });
  if (set.length === 0) return undefined;

  const key = loadedKey(runtime, snapshot[metadata.columns.indexOf(metadata.primaryKey)], 'save');
  const where = guardedKeyCondition(runtime, key, guard);
  const done = (result: ExecuteResult) => {
    if (result.affectedRows === 0) throw guard ? staleRecord(runtime, key, guard, 'update') : notFound(runtime, key, 'update');
    runtime.remember(record);
  };
  const result = connection.runExecuteNow(dialect.compile({ kind: 'update', table: metadata.table, set, where }), runtime.writeOptions);
  if (isPending(result)) return result.then(done);
  done(result);
  return undefined;
}

/** Delete a persisted record by its primary key. */
export async function destroyRecord(runtime: ModelRuntime, record: RecordObject, guard?: VersionGuard): Promise<void> {
  const state = record[RECORD_STATE];
  const { metadata, dialect, connection } = runtime;
  if (!state) {
    throw new ActiveRecordError(`Cannot destroy a ${metadata.name} that was never saved`, { model: metadata.name });
  }
  if (state.destroyed) return;
  const key = loadedKey(runtime, state.snapshot[metadata.columns.indexOf(metadata.primaryKey)], 'destroy');
  const result = await connection.runExecute(
    dialect.compile({ kind: 'delete', table: metadata.table, where: guardedKeyCondition(runtime, key, guard) }),
    runtime.writeOptions,
  );
  if (guard !== undefined && result.affectedRows === 0) throw staleRecord(runtime, key, guard, 'destroy');
  state.destroyed = true;
}

function guardedKeyCondition(runtime: ModelRuntime, key: unknown, guard: VersionGuard | undefined): ConditionNode {
  const byKey = keyCondition(runtime, key);
  if (guard === undefined) return byKey;
  const column = guard.column;
  return { kind: 'and', items: [byKey, { kind: 'compare', column: { name: column.name, type: column.type }, op: '=', value: guard.expected }] };
}

export function staleRecord(runtime: ModelRuntime, key: unknown, guard: VersionGuard, action: string): StaleRecordError {
  const { metadata } = runtime;
  return new StaleRecordError(
    `Attempted to ${action} a stale ${metadata.name} (${metadata.primaryKey.property} ${JSON.stringify(String(key))}): ` +
      `its ${guard.column.property} is no longer ${String(guard.expected)}, so another write changed or deleted it since it was read; ` +
      `reload it and apply the change again`,
    { model: metadata.name, connection: runtime.connection.name, key },
  );
}

/** Re-read a persisted record's attributes from the database. */
export async function reloadRecord(runtime: ModelRuntime, record: RecordObject): Promise<void> {
  const state = record[RECORD_STATE];
  const { metadata } = runtime;
  const key = state
    ? loadedKey(runtime, state.snapshot[metadata.columns.indexOf(metadata.primaryKey)], 'reload')
    : record[metadata.primaryKey.property];
  const rows: Row[] = await runtime.connection.runQuery(runtime.findByKeyQuery(key), runtime.findOptions);
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

/** Rows that set the same columns: their cast values, row after row, in one flat array. */
interface RowGroup {
  readonly columns: number[];
  readonly key: string;
  readonly values: unknown[];
  rows: number;
}

export async function insertMany(runtime: ModelRuntime, inputs: readonly object[], upsert?: UpsertPlan): Promise<number> {
  const { metadata, dialect, connection } = runtime;
  const groups = castRows(runtime, inputs);
  if (inputs.length === 0) return 0;

  return TransactionManager.of(connection).runStatements(connection, `${metadata.name}.insertAll on '${connection.name}'`, async (run) => {
    let inserted = 0;
    for (const group of groups) {
      const width = group.columns.length;
      const given = group.columns.map((i) => metadata.columns[i]!);
      const onConflict = upsert ? conflictClause(runtime, upsert, given) : undefined;
      const conflictKey = onConflict ? JSON.stringify([onConflict.target, onConflict.update]) : '';
      // Within the backend's parameter and prepared-size limits (an INSERT that sets no column writes one row).
      const perStatement = rowsPerInsert(dialect, width, insertHeadLength(metadata.table, given, onConflict !== undefined));
      for (let start = 0; start < group.rows; start += perStatement) {
        const count = Math.min(perStatement, group.rows - start);
        const query = chunkQuery(runtime, group, given, start, count, onConflict, conflictKey);
        const result = run(query, runtime.writeOptions);
        if (isPending(result)) await result;
        inserted += count;
      }
    }
    return inserted;
  });
}

/**
 * Check and cast every row, as `castAttributes` does for an insert (a missing uuid key gets a
 * fresh one), and sort the rows by the set of columns they give. Throws a ValidationError
 * naming every problem (`rows[3].email is required`) before anything is written.
 */
function castRows(runtime: ModelRuntime, inputs: readonly object[]): RowGroup[] {
  const { metadata } = runtime;
  const columns = metadata.columns;
  const n = columns.length;
  const pk = metadata.primaryKey;
  const issues: AttributeIssue[] = [];
  const groups = new Map<number | string, RowGroup>();
  const present = new Array<number>(n);
  const row = new Array<unknown>(n);
  const given = new Array<unknown>(n);
  const readAttributes = runtime.readAttributes;
  let knownKeys: string[] | undefined;
  let lastKey: number | string | undefined;
  let lastGroup: RowGroup | undefined;
  // Timestamps the library fills on insert, as save() does (a row may give its own).
  const managed = managedColumns(metadata);
  const stamps = [managed.createdAtIndex, managed.updatedAtIndex].filter((index) => index >= 0);
  const now = stamps.length > 0 ? new Date() : undefined;
  const codecs = runtime.codecs;
  for (let r = 0; r < inputs.length; r++) {
    const attributes = inputs[r] as Record<string, unknown>;
    if (!sameKeys(attributes, knownKeys)) {
      const keys = Object.keys(attributes);
      let known = true;
      for (const key of keys) {
        if (!metadata.byProperty.has(key)) {
          issues.push({ attribute: `rows[${r}].${key}`, message: 'is not an attribute' });
          known = false;
        }
      }
      if (known) knownKeys = keys;
    }
    let count = 0;
    let mask = 0;
    readAttributes(attributes, given);
    for (const index of stamps) if (given[index] === undefined || given[index] === null) given[index] = now;
    for (let i = 0; i < n; i++) {
      const column = columns[i]!;
      let value = given[i];
      if ((value === undefined || value === null) && column === pk && pk.generation === 'uuid') value = randomUUID();
      if (value === undefined || value === null) {
        const missing = value === undefined;
        const generated = column.primary && column.generation !== 'none';
        if (!(generated || (missing && (column.default !== undefined || column.nullable))) && !column.nullable) {
          issues.push({ attribute: `rows[${r}].${column.property}`, message: missing ? 'is required' : 'cannot be null' });
        }
        if (column.rules?.presence !== undefined && column.nullable) issues.push({ attribute: `rows[${r}].${column.property}`, message: column.rules.presence });
        if (missing || column.primary) continue;
        row[i] = null;
      } else {
        const problem = castInto(column, value);
        if (problem !== undefined) {
          issues.push({ attribute: `rows[${r}].${column.property}`, message: problem });
          continue;
        }
        if (column.rules !== undefined) {
          const attribute = `rows[${r}].${column.property}`;
          checkRules(column.rules, castResult, (message) => issues.push({ attribute, message }));
        }
        row[i] = codecs === undefined ? castResult : runtime.encode(i, castResult);
      }
      present[count++] = i;
      mask |= 1 << i;
    }
    if (issues.length > 0) continue;
    // Wide models: a row giving the same columns as the last one joins its group without a key
    // string built per row (100 columns joined for each of thousands of rows showed in profiles).
    const key = n <= MASK_COLUMNS ? mask : lastGroup !== undefined && sameColumns(lastGroup.columns, present, count) ? lastKey! : present.slice(0, count).join(',');
    let group = key === lastKey ? lastGroup : groups.get(key);
    if (group === undefined) {
      group = { columns: present.slice(0, count), key: String(key), values: [], rows: 0 };
      groups.set(key, group);
    }
    lastKey = key;
    lastGroup = group;
    const values = group.values;
    for (let k = 0; k < count; k++) values.push(row[present[k]!]);
    group.rows++;
  }
  throwIfInvalid(metadata, issues);
  return [...groups.values()];
}

/** The statement for rows `start .. start + count` of a group. */
function chunkQuery(
  runtime: ModelRuntime,
  group: RowGroup,
  given: readonly ColumnMetadata[],
  start: number,
  count: number,
  onConflict: ConflictClause | undefined,
  conflictKey: string,
): CompiledQuery {
  const { dialect, metadata } = runtime;
  const width = group.columns.length;
  const flat = group.values;
  const base = start * width;
  const statement = runtime.bulkInsertStatement(group.columns, group.key, count, onConflict, conflictKey);
  if (statement !== undefined) {
    const types = statement.types;
    const params = new Array<unknown>(count * width);
    for (let k = 0, c = 0; k < params.length; k++) {
      params[k] = dialect.toDriverValue(types[c], flat[base + k]);
      if (++c === width) c = 0;
    }
    return { sql: statement.sql, params };
  }
  const rows: unknown[][] = [];
  for (let r = 0; r < count; r++) rows.push(flat.slice(base + r * width, base + (r + 1) * width));
  const refs = given.map((column) => ({ name: column.name, type: column.type }));
  return dialect.compile({ kind: 'insert', table: metadata.table, columns: refs, rows, onConflict });
}

/** `present[0 .. count)` lists exactly `columns`. */
function sameColumns(columns: readonly number[], present: readonly number[], count: number): boolean {
  if (columns.length !== count) return false;
  for (let k = 0; k < count; k++) if (columns[k] !== present[k]) return false;
  return true;
}

/**
 * The object's enumerable keys are exactly `known` (all of them attributes), in order: then its
 * own keys (a prefix of what for-in lists) are attributes too. for-in walks V8's enum cache
 * without allocating the array Object.keys would.
 */
function sameKeys(object: object, known: readonly string[] | undefined): boolean {
  if (known === undefined) return false;
  let i = 0;
  for (const key in object) if (key !== known[i++]) return false;
  return i === known.length;
}

function conflictClause(runtime: ModelRuntime, plan: UpsertPlan, given: readonly ColumnMetadata[]): ConflictClause {
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
  // By default a collision overwrites what was given, except the key and the creation time.
  const createdAt = managedColumns(metadata).createdAt;
  const update = plan.update ? plan.update.map(column) : given.filter((c) => !target.includes(c) && !c.primary && c !== createdAt);
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
