import type { ColumnType } from '../backend/column-types';
import type { Dialect, ValueReader } from '../backend/dialect';
import type { Row, RunOptions, ValueRow } from '../backend/storage-backend';
import { bindingGeneration, resolveModelConnection, scopedApplication, type Application } from '../connection/applications';
import type { Connection } from '../connection/connection';
import type { ColumnRef, CompiledQuery, ConflictClause, InsertNode, SelectNode } from '../query/nodes';
import { columnCodecs, type ColumnCodec } from './column-codec';
import { hasDefaultScope } from './default-scope';
import { modelMetadata, type ModelMetadata } from './metadata';
import { RECORD_STATE, type WithRecordState } from './record-state';
import { fingerprint } from './type-casting';

type RecordObject = Record<string, unknown> & WithRecordState;

/** Copies one value row onto a record (readers applied) and keeps the row as its snapshot. */
type RowFiller = (record: RecordObject, values: ValueRow) => RecordObject;

/** Builds a record from one value row, as `fill` on a fresh record would. */
type RowBuilder = (values: ValueRow) => RecordObject;

/** A column's comparable form of a value, for columns whose values can change in place. */
type Fingerprinter = (value: unknown) => unknown;

/** Copies an object's attribute values (by the model's properties) into an array, column order. */
export type AttributeReader = (source: Record<string, unknown>, into: unknown[]) => void;

/** An INSERT compiled for one set of columns (and, for bulk inserts, one number of rows). */
export interface InsertStatement {
  readonly sql: string;
  /** Indexes (into the model's columns) of the columns it sets, in order. */
  readonly columns: readonly number[];
  /** Their logical types, in the same order. */
  readonly types: readonly ColumnType[];
  /** It ends with RETURNING every column (else the caller reads the key from insertId). */
  readonly returning: boolean;
}

/**
 * Everything a model class needs to run a query, resolved once and cached until a registry
 * opens, closes or rebinds models: its metadata, its connection, the dialect's value readers
 * for its columns, and the SQL of the statements it runs most (a primary-key lookup, inserts).
 * Keeps `User.find(1)` to a couple of map lookups before the driver call.
 */
export class ModelRuntime {
  readonly dialect: Dialect;
  /** Options for statements that read no rows back (exact 64-bit integers where needed). */
  readonly runOptions: RunOptions | undefined;
  /** Options for selects whose rows become records: value arrays, worth preparing, a read (replicas may serve it). */
  readonly selectOptions: RunOptions;
  /** Options for a primary-key lookup: `selectOptions`, and one row is all there is. */
  readonly findOptions: RunOptions;
  /** Options for other selects (counts, plucks, aggregates): a read, exact 64-bit integers where needed. */
  readonly readOptions: RunOptions;
  /** Options for a write whose rows become records (INSERT ... RETURNING): as `selectOptions`, but a write. */
  readonly returningOptions: RunOptions;
  /** Options for the writes the model layer generates (worth preparing). */
  readonly writeOptions: RunOptions;
  readonly columnNames: readonly string[];
  readonly columnTypes: readonly ColumnType[];
  private readonly readers: readonly (ValueReader | undefined)[];
  /** Per column: how to fingerprint its values (undefined: the value is its own fingerprint). */
  private readonly fingerprints: readonly (Fingerprinter | undefined)[];
  /**
   * Per column, where the stored value is not the JavaScript value (encrypted columns, custom
   * types): the codec applied on bind and on read. Undefined when no column has one.
   */
  readonly codecs: ReadonlyArray<ColumnCodec | undefined> | undefined;
  private readonly fill: RowFiller;
  private readonly build: RowBuilder;
  /** Reads a record's or an input object's attributes in column order (fixed property loads). */
  readonly readAttributes: AttributeReader;
  private readonly primaryIndex: number;
  /** Relations of the model carry a default scope (or soft delete): `find` cannot use the bare key lookup. */
  readonly defaultScoped: boolean;
  /** Every column stores exactly what is bound (SqlCompiler.storesExactly): RETURNING can be skipped. */
  readonly exactRoundTrip: boolean;
  private findSql?: string;
  private readonly insertStatements = new Map<number | string, InsertStatement>();

  constructor(
    readonly model: { readonly prototype: object },
    readonly metadata: ModelMetadata,
    readonly connection: Connection,
    public generation: number,
  ) {
    this.dialect = connection.dialect;
    const exactIntegers = metadata.hasBigInt ? true : undefined;
    this.runOptions = exactIntegers ? { exactIntegers } : undefined;
    this.returningOptions = { rowMode: 'array', prepare: true, exactIntegers };
    this.selectOptions = { ...this.returningOptions, read: true };
    this.findOptions = { ...this.selectOptions, firstRow: true };
    this.readOptions = { exactIntegers, read: true };
    this.writeOptions = { prepare: true, exactIntegers };
    this.columnNames = metadata.columns.map((c) => c.name);
    this.columnTypes = metadata.columns.map((c) => c.type);
    const codecs = columnCodecs(metadata, connection);
    this.codecs = codecs;
    this.readers = metadata.columns.map((c, i) => composeReader(this.dialect.valueReader(c.type), codecs?.[i]));
    this.fingerprints = metadata.columns.map((c, i) => {
      const codec = codecs?.[i];
      if (codec !== undefined) return codec.fingerprint;
      const type = c.type;
      return type === 'datetime' || type === 'json' || type === 'binary' ? (value: unknown) => fingerprint(type, value) : undefined;
    });
    this.primaryIndex = metadata.columns.indexOf(metadata.primaryKey);
    this.defaultScoped = hasDefaultScope(model, metadata);
    this.exactRoundTrip = metadata.columns.every((column) => this.dialect.storesExactly(column.type));
    const hydrator = compileHydrator(model.prototype, metadata.columns.map((c) => c.property), this.readers, this.fingerprints);
    this.fill = hydrator.fill;
    this.build = hydrator.build;
    this.readAttributes = compileAttributeReader(metadata.columns.map((c) => c.property));
  }

  /** The same runtime, still right after bindings changed elsewhere (its connection did not change). */
  renewed(generation: number): this {
    this.generation = generation;
    return this;
  }

  /** A record built from a database row (its constructor does not run, as with Rails' `instantiate`). */
  hydrate<M extends object>(row: Row | ValueRow): M {
    if (Array.isArray(row)) return this.build(row) as unknown as M;
    const record = Object.create(this.model.prototype) as RecordObject;
    this.apply(record, row);
    return record as unknown as M;
  }

  /** Records from rows (value arrays or objects), built in the array that holds the rows. */
  hydrateAll<M extends object>(rows: Array<Row | ValueRow>): M[] {
    const records = rows as unknown as M[];
    const build = this.build;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      records[i] = (Array.isArray(row) ? build(row) : this.hydrate<M>(row)) as M;
    }
    return records;
  }

  /** Copy a row's values onto a record and remember them as its persisted state. */
  apply(record: RecordObject, row: Row | ValueRow): void {
    if (Array.isArray(row)) {
      this.fill(record, row);
      return;
    }
    const columns = this.metadata.columns;
    const snapshot = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      let value = row[column.name];
      if (value === undefined || value === null) value = null;
      else {
        const read = this.readers[i];
        if (read !== undefined) value = read(value);
      }
      record[column.property] = value;
      snapshot[i] = this.fingerprintAt(i, value);
    }
    record[RECORD_STATE] = { snapshot, destroyed: false };
  }

  /** Remember a record's current attribute values as its persisted state (after a write). */
  remember(record: RecordObject): void {
    const columns = this.metadata.columns;
    const snapshot = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) snapshot[i] = this.fingerprintAt(i, record[columns[i]!.property] ?? null);
    record[RECORD_STATE] = { snapshot, destroyed: false };
  }

  /** The comparable form of a column's value, as snapshots keep it (null for null or undefined). */
  fingerprintAt(columnIndex: number, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    const fingerprinter = this.fingerprints[columnIndex];
    return fingerprinter === undefined ? value : fingerprinter(value);
  }

  /** A cast value in its stored form (encrypted, or a custom type's), ready for the dialect. */
  encode(columnIndex: number, value: unknown): unknown {
    if (value === null || value === undefined) return value;
    const codec = this.codecs?.[columnIndex];
    return codec === undefined ? value : codec.encode(value);
  }

  /** Convert one column's driver value (used by `pluck`). */
  read(columnIndex: number, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    const read = this.readers[columnIndex];
    return read ? read(value) : value;
  }

  /** `SELECT <columns> FROM <table> WHERE <pk> = ?`, compiled once per runtime. */
  findByKeyQuery(key: unknown): CompiledQuery {
    const pk = this.metadata.primaryKey;
    if (this.findSql === undefined) {
      const node: SelectNode = {
        kind: 'select',
        table: this.metadata.table,
        columns: this.columnNames,
        columnTypes: this.columnTypes,
        where: { kind: 'compare', column: { name: pk.name, type: pk.type }, op: '=', value: key },
        orderBy: [],
      };
      this.findSql = this.dialect.compile(node).sql;
    }
    return { sql: this.findSql, params: [this.dialect.toDriverValue(pk.type, key)] };
  }

  /**
   * The INSERT of one record that sets `columns` (indexes; `key` names the set), compiled once
   * per set of columns where the dialect's SQL depends only on shapes (else undefined: the caller
   * compiles each insert). RETURNING reads every column back, except where every column stores
   * exactly what is bound and the key is known without it (given, or the generated insertId).
   */
  insertStatement(columns: readonly number[], key: number | string): InsertStatement | undefined {
    if (!this.dialect.stableShapes) return undefined;
    let statement = this.insertStatements.get(key);
    if (statement === undefined) {
      statement = this.compileInsert(columns.slice(), 1, undefined, this.returnsOnInsert(columns));
      if (this.insertStatements.size < 1000) this.insertStatements.set(key, statement);
    }
    return statement;
  }

  /** Whether an insert setting `columns` (indexes) reads the row back with RETURNING. */
  returnsOnInsert(columns: readonly number[]): boolean {
    const dialect = this.dialect;
    if (!dialect.supportsReturning) return false;
    if (!this.exactRoundTrip) return true;
    const keyKnown = columns.includes(this.primaryIndex) || this.metadata.primaryKey.generation === 'increment';
    return !keyKnown;
  }

  /**
   * A multi-row INSERT of `rows` rows setting `columns`, compiled once per shape where the
   * dialect allows (else undefined). `conflictKey` tells upserts with different clauses apart.
   */
  bulkInsertStatement(
    columns: readonly number[],
    columnsKey: string,
    rows: number,
    onConflict: ConflictClause | undefined,
    conflictKey: string,
  ): InsertStatement | undefined {
    if (!this.dialect.stableShapes) return undefined;
    const key = `${columnsKey}/${rows}/${conflictKey}`;
    let statement = this.insertStatements.get(key);
    if (statement === undefined) {
      statement = this.compileInsert(columns, rows, onConflict, false);
      // Bulk shapes are few (one per column set and chunk size) but their SQL is long: cap them.
      if (this.insertStatements.size < 200) this.insertStatements.set(key, statement);
    }
    return statement;
  }

  /** Compile an INSERT for a shape: values are placeholders, so nulls stand in for them. */
  private compileInsert(
    indexes: readonly number[],
    rows: number,
    onConflict: ConflictClause | undefined,
    returning: boolean,
  ): InsertStatement {
    const columns = this.metadata.columns;
    const refs: ColumnRef[] = indexes.map((i) => ({ name: columns[i]!.name, type: columns[i]!.type }));
    const row = new Array<unknown>(indexes.length).fill(null);
    const node: InsertNode = {
      kind: 'insert',
      table: this.metadata.table,
      columns: refs,
      rows: new Array<unknown[]>(rows).fill(row),
      returning: returning ? this.columnNames : undefined,
      onConflict,
    };
    return {
      sql: this.dialect.compile(node).sql,
      columns: indexes,
      types: indexes.map((i) => columns[i]!.type),
      returning,
    };
  }
}

/** Runtimes resolved without an application scope (the one open application that binds the model). */
const runtimes = new WeakMap<object, ModelRuntime>();
/** Runtimes resolved in an application's scope, per application. */
const scopedRuntimes = new WeakMap<Application, WeakMap<object, ModelRuntime>>();

/**
 * The runtime of a model class in the application the running code belongs to (see
 * connection/applications.ts for how that is decided). Cached per application and re-resolved
 * only when an application opens, closes or rebinds a model.
 */
export function runtimeOf(model: { readonly prototype: object }): ModelRuntime {
  const application = scopedApplication();
  const generation = bindingGeneration();
  let cache = runtimes;
  if (application !== undefined) {
    let perApplication = scopedRuntimes.get(application);
    if (perApplication === undefined) scopedRuntimes.set(application, (perApplication = new WeakMap()));
    cache = perApplication;
  }
  const cached = cache.get(model);
  if (cached !== undefined && cached.generation === generation) return cached;
  const metadata = modelMetadata(model);
  const { connection } = resolveModelConnection(model, metadata.name, metadata.connection);
  const runtime = cached !== undefined && cached.connection === connection ? cached.renewed(generation) : new ModelRuntime(model, metadata, connection, generation);
  cache.set(model, runtime);
  return runtime;
}

/**
 * The functions that copy a value row onto a record: one assignment per column to a fixed
 * property, so every record of a model gets the same hidden class and V8 compiles each store
 * to a plain field write (a loop over property names would make every store a dictionary-style
 * lookup). Property names enter the source only through JSON.stringify, which makes any string
 * an inert string literal. The row array itself becomes the record's snapshot, its values
 * replaced by what `fingerprint` keeps for each type.
 *
 * `build` makes new records with a generated constructor whose `prototype` is the model's: the
 * records are instances of the model (same prototype, `instanceof`, `constructor`) whose own
 * constructor never runs, as with `Object.create`, but V8 sizes them for their fields up front
 * (measured: a third of the time per row of `Object.create` plus the same stores).
 * Where code generation is disabled (--disallow-code-generation-from-strings), loops do the same.
 */
function compileHydrator(
  prototype: object,
  properties: readonly string[],
  readers: readonly (ValueReader | undefined)[],
  fingerprints: readonly (Fingerprinter | undefined)[],
): { fill: RowFiller; build: RowBuilder } {
  const lines: string[] = [];
  for (let i = 0; i < properties.length; i++) {
    lines.push(`x = v[${i}];`);
    lines.push(readers[i] ? `x = x === undefined || x === null ? null : r${i}(x);` : `if (x === undefined) x = null;`);
    lines.push(`o[${JSON.stringify(properties[i])}] = x;`);
    lines.push(fingerprints[i] ? `v[${i}] = x === null ? null : f${i}(x);` : `v[${i}] = x;`);
  }
  const body =
    `let x;\n  ${lines.join('\n  ')}\n` +
    `  if (v.length !== ${properties.length}) v.length = ${properties.length};\n` +
    `  o[S] = { snapshot: v, destroyed: false };`;
  const source =
    `function fill(o, v) {\n  ${body}\n  return o;\n}\n` +
    `function Record(v) {\n  const o = this;\n  ${body}\n}\n` +
    `Record.prototype = prototype;\n` +
    `return { fill, build: (v) => new Record(v) };`;
  const readerNames = readers.map((_, i) => `r${i}`);
  const fingerprintNames = fingerprints.map((_, i) => `f${i}`);
  try {
    const factory = new Function(...readerNames, ...fingerprintNames, 'S', 'prototype', source) as (...args: unknown[]) => {
      fill: RowFiller;
      build: RowBuilder;
    };
    return factory(...readers, ...fingerprints, RECORD_STATE, prototype);
  } catch {
    const fill = loopFiller(properties, readers, fingerprints);
    return { fill, build: (values) => fill(Object.create(prototype) as RecordObject, values) };
  }
}
/**
 * `into[i] = source["<property i>"]` for every column: a fixed property load each, which V8
 * serves from the object's hidden class, where a loop over property names makes each load a
 * generic keyed lookup. Inputs of one shape (a bulk insert's rows, a model's records) stay fast.
 */
function compileAttributeReader(properties: readonly string[]): AttributeReader {
  const lines = properties.map((property, i) => `into[${i}] = source[${JSON.stringify(property)}];`);
  try {
    return new Function('source', 'into', lines.join('\n')) as AttributeReader;
  } catch {
    return (source, into) => {
      for (let i = 0; i < properties.length; i++) into[i] = source[properties[i]!];
    };
  }
}

function loopFiller(
  properties: readonly string[],
  readers: readonly (ValueReader | undefined)[],
  fingerprints: readonly (Fingerprinter | undefined)[],
): RowFiller {
  return (record, values) => {
    for (let i = 0; i < properties.length; i++) {
      let value = values[i];
      if (value === undefined || value === null) value = null;
      else {
        const read = readers[i];
        if (read !== undefined) value = read(value);
      }
      record[properties[i]!] = value;
      const fingerprinter = fingerprints[i];
      values[i] = value === null || fingerprinter === undefined ? value : fingerprinter(value);
    }
    if (values.length !== properties.length) values.length = properties.length;
    record[RECORD_STATE] = { snapshot: values, destroyed: false };
    return record;
  };
}

/** A dialect's reader followed by a codec's decode (either may be absent). */
function composeReader(read: ValueReader | undefined, codec: ColumnCodec | undefined): ValueReader | undefined {
  if (codec === undefined) return read;
  const decode = codec.decode;
  return read === undefined ? decode : (value) => decode(read(value));
}
