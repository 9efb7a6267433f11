import type { Row } from '../backend/storage-backend';
import type { Connection } from '../connection/connection';
import { ActiveRecordError, RecordNotFoundError, UnknownColumnError } from '../errors';
import type { CompiledQuery } from '../query/nodes';
import { modelMetadata } from './metadata';
import { runtimeOf, type ModelRuntime } from './model-runtime';
import type { AssociatedModel, AssociationName, IncludeSpec, MODEL_BRAND } from './associations/association-types';
import { relatedRelation } from './associations/association-relation';
import { associationNames } from './associations/declarations';
import { addLoadedAssociations } from './associations/loaded-associations';
import { loadOne } from './associations/preloader';
import { associationOf } from './associations/resolve';
import type { GroupedRelation } from './grouped-relation';
import type { AnyModelClass } from './metadata';
import type {
  AttributeInput,
  AttributeName,
  Attributes,
  ColumnPath,
  ColumnValue,
  KeyValue,
  ModelClass,
  OrderDirection,
  OrderInput,
  RecordMembers,
  WhereInput,
} from './model-types';
import type { AggregateValue, Projection, ProjectionRow } from './projection';
import type { RowLockOptions } from './row-lock';
import { destroyRecord, insertMany, notFound, reloadRecord, saveRecord } from './persistence';
import { NOT_LOADED, recordState } from './record-state';
import { Relation, type BatchOptions, type PartialRecord, type Plucked, type SumResult } from './relation';
import { castFor } from './where-conditions';
import { requireSoftDelete } from './default-scope';
import type { UpdateAllOptions } from './lifecycle/bulk-writes';
import { lifecyclePlan } from './lifecycle/lifecycle-plan';
import { destroyWithLifecycle, saveWithLifecycle } from './lifecycle/record-lifecycle';
import { reencryptModel, type ReencryptOptions, type ReencryptReport } from './encryption/reencrypt';

type RecordObject = Record<string, unknown>;

/** The first row as a record, or RecordNotFoundError. */
function foundOne<M extends ActiveRecord>(runtime: ModelRuntime, rows: Row[], key: KeyValue): M {
  if (rows.length === 0) throw notFound(runtime, key, 'find');
  return runtime.hydrate<M>(rows[0]!);
}

/**
 * The base class of every model. Static methods query the model's table on the connection it is
 * bound to; instance methods persist one record.
 *
 * ```ts
 * @Model({ table: 'users', connection: 'main' })
 * export class User extends ActiveRecord {
 *   @PrimaryKey() id!: number;
 *   @Column() name!: string;
 * }
 * const ada = await User.create({ name: 'Ada' });
 * const adults = await User.where({ age: { gte: 18 } }).orderBy('name').limit(10).all();
 * ```
 */
export abstract class ActiveRecord implements RecordMembers {
  /** Type-only: marks model instances for the association types (no runtime property). */
  declare readonly [MODEL_BRAND]: true;

  // ---- class-level queries ------------------------------------------------------------

  /** A fresh, empty query over the model: the start of every chain. */
  static query<M extends ActiveRecord>(this: ModelClass<M>): Relation<M> {
    return new Relation(this);
  }

  static where<M extends ActiveRecord>(this: ModelClass<M>, conditions: WhereInput<M>): Relation<M> {
    return new Relation(this).where(conditions);
  }

  static whereNot<M extends ActiveRecord>(this: ModelClass<M>, conditions: WhereInput<M>): Relation<M> {
    return new Relation(this).whereNot(conditions);
  }

  static whereAny<M extends ActiveRecord>(this: ModelClass<M>, alternatives: readonly WhereInput<M>[]): Relation<M> {
    return new Relation(this).whereAny(alternatives);
  }

  static orderBy<M extends ActiveRecord>(this: ModelClass<M>, order: OrderInput<M>, direction?: OrderDirection): Relation<M> {
    return new Relation(this).orderBy(order, direction);
  }

  static limit<M extends ActiveRecord>(this: ModelClass<M>, count: number): Relation<M> {
    return new Relation(this).limit(count);
  }

  static offset<M extends ActiveRecord>(this: ModelClass<M>, count: number): Relation<M> {
    return new Relation(this).offset(count);
  }

  /** A query without the model's default scope (soft delete's included). */
  static unscoped<M extends ActiveRecord>(this: ModelClass<M>): Relation<M> {
    return new Relation(this).unscoped();
  }

  /** Soft delete: a query that includes soft-deleted rows. */
  static withDeleted<M extends ActiveRecord>(this: ModelClass<M>): Relation<M> {
    return new Relation(this).withDeleted();
  }

  /** Soft delete: a query over soft-deleted rows only. */
  static onlyDeleted<M extends ActiveRecord>(this: ModelClass<M>): Relation<M> {
    return new Relation(this).onlyDeleted();
  }

  static all<M extends ActiveRecord>(this: ModelClass<M>): Promise<M[]> {
    return new Relation(this).all();
  }

  static first<M extends ActiveRecord>(this: ModelClass<M>): Promise<M | null> {
    return new Relation(this).first();
  }

  static count<M extends ActiveRecord>(this: ModelClass<M>, attribute?: ColumnPath<M>): Promise<number> {
    return new Relation(this).count(attribute);
  }

  static exists<M extends ActiveRecord>(this: ModelClass<M>, conditions?: WhereInput<M>): Promise<boolean> {
    const relation = new Relation(this);
    return (conditions ? relation.where(conditions) : relation).exists();
  }

  static pluck<M extends ActiveRecord, P extends [ColumnPath<M>, ...ColumnPath<M>[]]>(this: ModelClass<M>, ...attributes: P): Promise<Array<Plucked<M, P>>> {
    return new Relation(this).pluck(...attributes);
  }

  static whereExists<M extends ActiveRecord, A extends AssociationName<M>>(
    this: ModelClass<M>,
    association: A,
    conditions?: WhereInput<AssociatedModel<M, A>>,
  ): Relation<M> {
    return new Relation(this).whereExists(association, conditions);
  }

  static whereNotExists<M extends ActiveRecord, A extends AssociationName<M>>(
    this: ModelClass<M>,
    association: A,
    conditions?: WhereInput<AssociatedModel<M, A>>,
  ): Relation<M> {
    return new Relation(this).whereNotExists(association, conditions);
  }

  static joins<M extends ActiveRecord>(this: ModelClass<M>, ...associations: IncludeSpec<M>[]): Relation<M> {
    return new Relation(this).joins(...associations);
  }

  static leftJoins<M extends ActiveRecord>(this: ModelClass<M>, ...associations: IncludeSpec<M>[]): Relation<M> {
    return new Relation(this).leftJoins(...associations);
  }

  static includes<M extends ActiveRecord>(this: ModelClass<M>, ...associations: IncludeSpec<M>[]): Relation<M> {
    return new Relation(this).includes(...associations);
  }

  static select<M extends ActiveRecord, K extends AttributeName<M>>(this: ModelClass<M>, ...attributes: [K, ...K[]]): Relation<M, PartialRecord<M, K>>;
  static select<M extends ActiveRecord, P extends Projection<M>>(this: ModelClass<M>, projection: P): Relation<M, ProjectionRow<M, P>>;
  static select<M extends ActiveRecord>(this: ModelClass<M>, ...args: unknown[]): Relation<M, unknown> {
    return (new Relation(this).select as (...a: unknown[]) => Relation<M, unknown>)(...args);
  }

  static distinct<M extends ActiveRecord>(this: ModelClass<M>): Relation<M> {
    return new Relation(this).distinct();
  }

  static groupBy<M extends ActiveRecord, G extends ColumnPath<M>>(this: ModelClass<M>, ...attributes: [G, ...G[]]): GroupedRelation<M, G> {
    return new Relation(this).groupBy(...attributes);
  }

  static sum<M extends ActiveRecord, K extends ColumnPath<M>>(this: ModelClass<M>, attribute: K): Promise<SumResult<ColumnValue<M, K>>> {
    return new Relation(this).sum(attribute);
  }

  static avg<M extends ActiveRecord, K extends ColumnPath<M>>(this: ModelClass<M>, attribute: K): Promise<AggregateValue<M, 'avg', K>> {
    return new Relation(this).avg(attribute);
  }

  static min<M extends ActiveRecord, K extends ColumnPath<M>>(this: ModelClass<M>, attribute: K): Promise<AggregateValue<M, 'min', K>> {
    return new Relation(this).min(attribute);
  }

  static max<M extends ActiveRecord, K extends ColumnPath<M>>(this: ModelClass<M>, attribute: K): Promise<AggregateValue<M, 'max', K>> {
    return new Relation(this).max(attribute);
  }

  static forUpdate<M extends ActiveRecord>(this: ModelClass<M>, options?: RowLockOptions): Relation<M> {
    return new Relation(this).forUpdate(options);
  }

  static forShare<M extends ActiveRecord>(this: ModelClass<M>, options?: RowLockOptions): Relation<M> {
    return new Relation(this).forShare(options);
  }

  static stream<M extends ActiveRecord>(this: ModelClass<M>, options?: BatchOptions): AsyncGenerator<M> {
    return new Relation(this).stream(options);
  }

  static findInBatches<M extends ActiveRecord>(this: ModelClass<M>, options?: BatchOptions): AsyncGenerator<M[]> {
    return new Relation(this).findInBatches(options);
  }

  static updateAll<M extends ActiveRecord>(this: ModelClass<M>, attributes: AttributeInput<M>, options?: UpdateAllOptions): Promise<number> {
    return new Relation(this).updateAll(attributes, options);
  }

  /** Delete the rows in scope (no callbacks); a soft-delete model marks them deleted instead. */
  static deleteAll<M extends ActiveRecord>(this: ModelClass<M>): Promise<number> {
    return new Relation(this).deleteAll();
  }

  /** Delete the rows in scope for good, soft delete or not (no callbacks). */
  static reallyDeleteAll<M extends ActiveRecord>(this: ModelClass<M>): Promise<number> {
    return new Relation(this).reallyDeleteAll();
  }

  /**
   * Move every encrypted value of the model to the first configured key (after a key rotation),
   * a batch at a time in key order, each row only if nobody changed it meanwhile; soft-deleted
   * rows included. Reports progress through `onProgress`.
   */
  static reencrypt<M extends ActiveRecord>(this: ModelClass<M>, options?: ReencryptOptions): Promise<ReencryptReport> {
    return reencryptModel(runtimeOf(this), options);
  }

  /** The record with this primary key; throws RecordNotFoundError when there is none. */
  static find<M extends ActiveRecord>(this: ModelClass<M>, key: KeyValue): Promise<M> {
    // Not an async function: on SQLite the row is read synchronously, and the one promise made
    // is the answer (each extra await costs more than the lookup once async hooks are on).
    try {
      const runtime = runtimeOf(this);
      if (runtime.defaultScoped) return new Relation(this).find(key);
      let cast: unknown;
      try {
        cast = castFor(runtime.metadata, runtime.metadata.primaryKey, key, 'find');
      } catch {
        throw notFound(runtime, key, 'find');
      }
      const rows = runtime.connection.runQueryNow(runtime.findByKeyQuery(cast), runtime.findOptions);
      if (!Array.isArray(rows)) return rows.then((found) => foundOne<M>(runtime, found, key));
      return Promise.resolve(foundOne<M>(runtime, rows, key));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The first record matching the conditions, or null. */
  static findBy<M extends ActiveRecord>(this: ModelClass<M>, conditions: WhereInput<M>): Promise<M | null> {
    return new Relation(this).findBy(conditions);
  }

  /** Build a record, validate it and insert it. */
  static create<M extends ActiveRecord>(this: ModelClass<M>, attributes: AttributeInput<M> = {}): Promise<M> {
    try {
      const record = new this();
      record.assign(attributes as AttributeInput<ActiveRecord>);
      return record.save() as Promise<M>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Insert many rows at once (multi-row INSERTs in one transaction; no per-record callbacks).
   * Every row is validated before any is written. Returns the number of rows inserted.
   */
  static insertAll<M extends ActiveRecord>(this: ModelClass<M>, rows: readonly AttributeInput<M>[]): Promise<number> {
    return insertMany(runtimeOf(this), rows);
  }

  /**
   * Insert rows, or update the existing row where one collides on the `conflict` unique key
   * (ON CONFLICT / ON DUPLICATE KEY). `update` names the attributes to overwrite; default: every
   * given attribute outside the key; `[]` leaves colliding rows alone. Returns rows processed.
   */
  static upsertAll<M extends ActiveRecord>(
    this: ModelClass<M>,
    rows: readonly AttributeInput<M>[],
    options: { conflict: readonly AttributeName<M>[]; update?: readonly AttributeName<M>[] },
  ): Promise<number> {
    return insertMany(runtimeOf(this), rows, options);
  }

  /** Upsert one row and return the record as it now stands in the database. */
  static async upsert<M extends ActiveRecord>(
    this: ModelClass<M>,
    attributes: AttributeInput<M>,
    options: { conflict: readonly AttributeName<M>[]; update?: readonly AttributeName<M>[] },
  ): Promise<M> {
    const runtime = runtimeOf(this);
    return runtime.connection.transaction(async () => {
      await insertMany(runtime, [attributes], options);
      const key: Record<string, unknown> = {};
      for (const attribute of options.conflict) key[attribute] = (attributes as Record<string, unknown>)[attribute];
      const record = await new Relation(this).unscoped().findBy(key as WhereInput<M>);
      if (!record) throw notFound(runtime, JSON.stringify(Object.keys(key)), 'upsert');
      return record;
    });
  }

  /** The connection this model is bound to in the running application. */
  static connection<M extends ActiveRecord>(this: ModelClass<M>): Connection {
    return runtimeOf(this).connection;
  }

  /** SQL and binds of `Model.all()`, for debugging. */
  static toSQL<M extends ActiveRecord>(this: ModelClass<M>): CompiledQuery {
    return new Relation(this).toSQL();
  }

  // ---- one record ---------------------------------------------------------------------

  /** True until the record is inserted. */
  get isNewRecord(): boolean {
    return recordState(this) === undefined;
  }

  /** True once `destroy()` has deleted the record. */
  get isDestroyed(): boolean {
    return recordState(this)?.destroyed ?? false;
  }

  /** Insert the record if new; otherwise update the attributes that changed (none: no query). */
  save(): Promise<this> {
    try {
      const model = this.constructor as ModelClass;
      const plan = lifecyclePlan(model);
      const runtime = runtimeOf(model);
      const record = this as unknown as RecordObject;
      const pending = plan === undefined ? saveRecord(runtime, record) : saveWithLifecycle(runtime, record, plan);
      return pending === undefined ? Promise.resolve(this) : pending.then(() => this);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Assign attributes and save. */
  async update(attributes: AttributeInput<this>): Promise<this> {
    this.assign(attributes);
    return this.save();
  }

  /** Set attributes from an object (checked against the model; cast on save). */
  assign(attributes: AttributeInput<this>): this {
    const metadata = modelMetadata(this.constructor);
    const given = attributes as Record<string, unknown>;
    for (const property of Object.keys(given)) {
      const value = given[property];
      if (!metadata.byProperty.has(property)) {
        throw new UnknownColumnError(
          `${metadata.name} has no attribute '${property}' (attributes: ${[...metadata.byProperty.keys()].join(', ')})`,
          { model: metadata.name, field: property },
        );
      }
      (this as unknown as RecordObject)[property] = value;
    }
    return this;
  }

  /**
   * Delete the record's row, running the destroy callbacks. On a soft-delete model
   * (`@DeletedAt`) the row stays, marked deleted; `reallyDestroy()` removes it.
   */
  async destroy(): Promise<this> {
    const model = this.constructor as ModelClass;
    const plan = lifecyclePlan(model);
    const runtime = runtimeOf(model);
    if (plan === undefined) await destroyRecord(runtime, this as unknown as RecordObject);
    else await destroyWithLifecycle(runtime, this as unknown as RecordObject, plan, false);
    return this;
  }

  /** Delete the record's row for good, soft delete or not (destroy callbacks run). */
  async reallyDestroy(): Promise<this> {
    const model = this.constructor as ModelClass;
    const plan = lifecyclePlan(model);
    const runtime = runtimeOf(model);
    if (plan === undefined) await destroyRecord(runtime, this as unknown as RecordObject);
    else await destroyWithLifecycle(runtime, this as unknown as RecordObject, plan, true);
    return this;
  }

  /** Soft delete: clear `@DeletedAt` and save (an update: save and update callbacks run). */
  async restore(): Promise<this> {
    const model = this.constructor as ModelClass;
    const metadata = modelMetadata(model);
    requireSoftDelete(metadata, 'restore');
    const state = recordState(this);
    if (state === undefined) {
      throw new ActiveRecordError(`Cannot restore a ${metadata.name} that was never saved`, { model: metadata.name });
    }
    const property = lifecyclePlan(model)!.managed.deletedAt!.property;
    const wasDestroyed = state.destroyed;
    const previous = (this as unknown as RecordObject)[property];
    state.destroyed = false;
    (this as unknown as RecordObject)[property] = null;
    try {
      return await this.save();
    } catch (error) {
      if (recordState(this) === state) state.destroyed = wasDestroyed;
      (this as unknown as RecordObject)[property] = previous;
      throw error;
    }
  }

  /** Re-read the record's attributes from the database; throws RecordNotFoundError if it is gone. */
  async reload(): Promise<this> {
    if (this.isNewRecord && (this as unknown as RecordObject)[modelMetadata(this.constructor).primaryKey.property] == null) {
      throw new RecordNotFoundError(`Cannot reload a ${this.constructor.name} that was never saved`, {
        model: this.constructor.name,
      });
    }
    await reloadRecord(runtimeOf(this.constructor as ModelClass), this as unknown as RecordObject);
    return this;
  }

  /** Names of attributes changed since the record was loaded or saved (all given ones if new). */
  changedAttributes(): Array<AttributeName<this>> {
    const runtime = runtimeOf(this.constructor as ModelClass);
    const state = recordState(this);
    const values = this as unknown as RecordObject;
    return runtime.metadata.columns
      .filter((column, i) => {
        if (!state) return values[column.property] !== undefined;
        if (state.snapshot[i] === NOT_LOADED) return values[column.property] !== undefined;
        return runtime.fingerprintAt(i, values[column.property] ?? null) !== state.snapshot[i];
      })
      .map((column) => column.property as AttributeName<this>);
  }

  /**
   * Load one association now (replacing what was loaded) and return it:
   * `const author = await book.load('author')`.
   */
  load<A extends AssociationName<this>>(association: A): Promise<this[A]> {
    return loadOne(this.constructor as AnyModelClass, this, association) as Promise<this[A]>;
  }

  /** A query over an association's records, to refine before running: `author.related('books').where({ published: true })`. */
  related<A extends AssociationName<this>>(association: A): Relation<AssociatedModel<this, A> & ActiveRecord> {
    return relatedRelation(this, associationOf(this.constructor as AnyModelClass, association, 'related')) as unknown as Relation<
      AssociatedModel<this, A> & ActiveRecord
    >;
  }

  /**
   * The attributes as a plain object (bigints as strings, so `JSON.stringify` works), with the
   * associations that were loaded (`includes`, `load`) as nested objects.
   */
  toJSON(): Attributes<this> & Partial<Pick<this, AssociationName<this>>> {
    const metadata = modelMetadata(this.constructor);
    const values = this as unknown as RecordObject;
    const json: RecordObject = {};
    for (const column of metadata.columns) {
      const value = values[column.property];
      json[column.property] = typeof value === 'bigint' ? value.toString() : value;
    }
    addLoadedAssociations(this, json, associationNames(this.constructor as AnyModelClass));
    return json as Attributes<this> & Partial<Pick<this, AssociationName<this>>>;
  }
}
