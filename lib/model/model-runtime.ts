import type { Dialect, ValueReader } from '../backend/dialect';
import type { Row, RunOptions } from '../backend/storage-backend';
import { bindingGeneration, findConnectionForModel, openConnectionNames } from '../connection/active-registries';
import type { Connection } from '../connection/connection';
import { ConfigurationError } from '../errors';
import type { CompiledQuery, SelectNode } from '../query/nodes';
import { modelMetadata, type ModelMetadata } from './metadata';
import { RECORD_STATE, type WithRecordState } from './record-state';
import { fingerprint } from './type-casting';

const EXACT_INTEGERS: RunOptions = { exactIntegers: true };

/**
 * Everything a model class needs to run a query, resolved once and cached until a registry
 * opens, closes or rebinds models: its metadata, its connection, the dialect's value readers
 * for its columns, and the SQL of a primary-key lookup. Keeps `User.find(1)` to a couple of map
 * lookups before the driver call.
 */
export class ModelRuntime {
  readonly dialect: Dialect;
  readonly runOptions: RunOptions | undefined;
  readonly columnNames: readonly string[];
  private readonly readers: readonly (ValueReader | undefined)[];
  private readonly mutable: readonly boolean[];
  private findSql?: string;

  constructor(
    readonly model: { readonly prototype: object },
    readonly metadata: ModelMetadata,
    readonly connection: Connection,
    readonly generation: number,
  ) {
    this.dialect = connection.dialect;
    this.runOptions = metadata.hasBigInt ? EXACT_INTEGERS : undefined;
    this.columnNames = metadata.columns.map((c) => c.name);
    this.readers = metadata.columns.map((c) => this.dialect.valueReader(c.type));
    this.mutable = metadata.columns.map((c) => c.type === 'datetime' || c.type === 'json' || c.type === 'binary');
  }

  /** A record built from a database row (its constructor does not run, as with Rails' `instantiate`). */
  hydrate<M extends object>(row: Row): M {
    const record = Object.create(this.model.prototype) as Record<string, unknown> & WithRecordState;
    this.apply(record, row);
    return record as M;
  }

  /** Copy a row's values onto a record and remember them as its persisted state. */
  apply(record: Record<string, unknown> & WithRecordState, row: Row): void {
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
      snapshot[i] = this.mutable[i] ? fingerprint(column.type, value) : value;
    }
    record[RECORD_STATE] = { snapshot, destroyed: false };
  }

  /** Remember a record's current attribute values as its persisted state (after a write). */
  remember(record: Record<string, unknown> & WithRecordState): void {
    const columns = this.metadata.columns;
    const snapshot = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const value = record[column.property] ?? null;
      snapshot[i] = this.mutable[i] ? fingerprint(column.type, value) : value;
    }
    record[RECORD_STATE] = { snapshot, destroyed: false };
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
        columnTypes: this.metadata.columns.map((column) => column.type),
        where: { kind: 'compare', column: { name: pk.name, type: pk.type }, op: '=', value: key },
        orderBy: [],
      };
      this.findSql = this.dialect.compile(node).sql;
    }
    return { sql: this.findSql, params: [this.dialect.toDriverValue(pk.type, key)] };
  }
}

const runtimes = new WeakMap<object, ModelRuntime>();

/** The runtime of a model class for the registries open now. */
export function runtimeOf(model: { readonly prototype: object }): ModelRuntime {
  const cached = runtimes.get(model);
  const generation = bindingGeneration();
  if (cached !== undefined && cached.generation === generation) return cached;
  const metadata = modelMetadata(model);
  const connection = findConnectionForModel(model, metadata.connection);
  if (!connection) {
    const open = openConnectionNames();
    throw new ConfigurationError(
      metadata.connection
        ? `Model ${metadata.name} is bound to connection '${metadata.connection}', which no open application defines ` +
            `(open connections: ${open.join(', ') || 'none'}); import ActiveRecordModule.forRoot with that connection`
        : `Model ${metadata.name} has no connection: no application is open. Import ActiveRecordModule.forRoot ` +
            `(or call ConnectionRegistry.open) before using models`,
      { model: metadata.name, connection: metadata.connection },
    );
  }
  const runtime = new ModelRuntime(model, metadata, connection, generation);
  runtimes.set(model, runtime);
  return runtime;
}
