import type { Dialect } from '../backend/dialect';
import type { Row } from '../backend/storage-backend';
import { ConfigurationError, UnknownColumnError, ValidationError } from '../errors';
import { and, type CompiledQuery, type ConditionNode, type OrderNode } from '../query/nodes';
import { targetRelation, throughRelation } from './associations/association-relation';
import type { AssociatedModel, AssociationName, IncludeSpec } from './associations/association-types';
import { includeTree } from './associations/include-tree';
import { preload } from './associations/preloader';
import { associationOf, type ResolvedAssociation } from './associations/resolve';
import { resolveColumnPath } from './column-paths';
import { GroupedRelation, type GroupKey } from './grouped-relation';
import { joinAlias } from './join-alias';
import { modelMetadata, type AnyModelClass, type ColumnMetadata, type ModelMetadata } from './metadata';
import { runtimeOf, type ModelRuntime } from './model-runtime';
import type {
  AttributeInput,
  AttributeName,
  ColumnPath,
  ColumnValue,
  KeyValue,
  ModelClass,
  OrderDirection,
  OrderInput,
  WhereInput,
} from './model-types';
import { hydratePartial } from './partial-records';
import { keyCondition, notFound } from './persistence';
import {
  Aggregate,
  compileAggregate,
  compileProjection,
  valueReader,
  type AggregateValue,
  type Projection,
  type ProjectionRow,
} from './projection';
import {
  buildSelect,
  EMPTY_STATE,
  qualified,
  type BuiltSelect,
  type JoinRequest,
  type JoinScope,
  type RelationState,
  type SelectionState,
  type TableRead,
} from './relation-state';
import { assertInTransaction, rowLock, type RowLockOptions } from './row-lock';
import { SUBQUERY, type SubqueryParts, type SubqueryValue } from './subquery';
import { castAttributes, throwIfInvalid, type AttributeIssue } from './validation';
import { buildConditions, castFor, resolveColumn, type ConditionReferences } from './where-conditions';
import { defaultScopeParts, requireSoftDelete } from './default-scope';
import { managedBulkAssignments, softDeleteAllNode, type UpdateAllOptions } from './lifecycle/bulk-writes';

export interface BatchOptions {
  /** Rows per round trip and most rows held in memory; default 1000. */
  batchSize?: number;
}

export interface ToSqlOptions {
  /** Compile for another database's dialect (e.g. to read what Oracle would run); default: the model's connection's. */
  dialect?: Dialect;
}


/** Options of reads whose SQL the library generated (a count, an exists): prepared where the backend keeps statements. */
const PREPARED_READ = { prepare: true, read: true } as const;
/** A record read with only some attributes (`select('id', 'title')`): the others are absent. */
export type PartialRecord<M, K extends keyof M> = Pick<M, K> & Omit<M, AttributeName<M>>;

/** `pluck('a')` gives values; `pluck('a', 'b')` gives tuples. */
export type Plucked<M, P extends readonly string[]> = P extends readonly [infer Only extends string]
  ? ColumnValue<M, Only>
  : { -readonly [I in keyof P]: P[I] extends string ? ColumnValue<M, P[I]> : never };

/** The value a scalar aggregate returns: `sum` of no rows is zero, not null. */
export type SumResult<V> = [NonNullable<V>] extends [bigint] ? bigint : [NonNullable<V>] extends [number] ? number : string;

/**
 * An immutable query over one model, as Rails calls it: every builder method returns a new
 * Relation, so a base query can be shared and refined without one use leaking into another.
 * Names and values are checked against the model as each method is called; nothing touches a
 * connection until a terminal method (`all`, `first`, `count`, ...) runs.
 *
 * `R` is what a row becomes: the model's records, partial records after `select('a', 'b')`, or
 * typed plain rows after `select({ ... })` with aggregates or window functions.
 */
export class Relation<M extends object, R = M> implements SubqueryValue {
  private readonly metadata: ModelMetadata;

  constructor(
    private readonly model: ModelClass<M>,
    private readonly state: RelationState = EMPTY_STATE,
    metadata?: ModelMetadata,
  ) {
    this.metadata = metadata ?? modelMetadata(model);
  }

  // ---- building --------------------------------------------------------------------------

  /**
   * Rows matching every condition: `{ age: { gte: 18 }, status: ['a', 'b'], deletedAt: null }`.
   * A joined association's columns nest under its name (`{ author: { name: 'Ada' } }`); a
   * relation selecting one column is a subquery (`{ authorId: Author.where(...).select('id') }`).
   */
  where(conditions: WhereInput<M>): Relation<M, R> {
    const references = this.references();
    const built = buildConditions(this.metadata, conditions, 'where', this.state.conditions.slice(), this.scope(references));
    return this.with({ conditions: built, ...this.referencesChange(references) });
  }

  /** Rows not matching all of the conditions together. */
  whereNot(conditions: WhereInput<M>): Relation<M, R> {
    const references = this.references();
    const built = and(buildConditions(this.metadata, conditions, 'whereNot', [], this.scope(references)));
    return built ? this.with({ conditions: [...this.state.conditions, { kind: 'not', item: built }], ...this.referencesChange(references) }) : this;
  }

  /** Rows matching any one of the condition objects. */
  whereAny(alternatives: readonly WhereInput<M>[]): Relation<M, R> {
    const references = this.references();
    const items = alternatives
      .map((conditions) => and(buildConditions(this.metadata, conditions, 'whereAny', [], this.scope(references))))
      .filter((item): item is ConditionNode => item !== undefined);
    const condition: ConditionNode = items.length === 0 ? { kind: 'in', column: { name: this.metadata.primaryKey.name }, values: [], negated: false } : { kind: 'or', items };
    return this.with({ conditions: [...this.state.conditions, condition], ...this.referencesChange(references) });
  }

  /**
   * Rows with at least one associated row (matching `conditions`): a correlated EXISTS
   * subquery, no join, no duplicates. `Author.whereExists('books', { published: true })`.
   */
  whereExists<A extends AssociationName<M>>(association: A, conditions?: WhereInput<AssociatedModel<M, A>>): Relation<M, R> {
    return this.existsCondition(association, conditions, false, 'whereExists');
  }

  /** Rows with no associated row (matching `conditions`). */
  whereNotExists<A extends AssociationName<M>>(association: A, conditions?: WhereInput<AssociatedModel<M, A>>): Relation<M, R> {
    return this.existsCondition(association, conditions, true, 'whereNotExists');
  }

  /**
   * `orderBy('name')`, `orderBy('createdAt', 'desc')`, `orderBy({ status: 'asc', id: 'desc' })`,
   * or a joined column: `orderBy('author.name')`.
   */
  orderBy(order: OrderInput<M>, direction: OrderDirection = 'asc'): Relation<M, R> {
    const entries: Array<[string, unknown]> = typeof order === 'string' ? [[order, direction]] : Object.entries(order);
    const referenced: string[] = [];
    const added = entries.map(([property, dir]): OrderNode => {
      const path = resolveColumnPath(this.metadata, property, 'orderBy');
      if (path.associationPath !== '') referenced.push(path.associationPath);
      return { column: path.ref.name, table: path.ref.table, direction: orderDirection(this.metadata, property, dir) };
    });
    return this.with({ order: [...this.state.order, ...added], ...this.referencing(referenced) });
  }

  /** Without the model's default scope (soft delete's included); conditions added so far stay. */
  unscoped(): Relation<M, R> {
    return this.with({ scope: { unscoped: true } });
  }

  /** Soft-deleted rows too (`@DeletedAt`); the rest of the default scope still applies. */
  withDeleted(): Relation<M, R> {
    requireSoftDelete(this.metadata, 'withDeleted');
    return this.with({ scope: { ...this.state.scope, deleted: 'include' } });
  }

  /** Only soft-deleted rows (`@DeletedAt`). */
  onlyDeleted(): Relation<M, R> {
    requireSoftDelete(this.metadata, 'onlyDeleted');
    return this.with({ scope: { ...this.state.scope, deleted: 'only' } });
  }

  limit(count: number): Relation<M, R> {
    return this.with({ limit: this.checkCount(count, 'limit') });
  }

  offset(count: number): Relation<M, R> {
    return this.with({ offset: this.checkCount(count, 'offset') });
  }

  /**
   * INNER JOIN associations, so that `where` and `orderBy` can use their columns:
   * `Book.joins('author').where({ author: { name: 'Ada' } })`; nested: `joins({ author: 'publisher' })`.
   * Rows are this model's (a has-many join repeats them: add `distinct()`). Joins stay on one
   * connection: across connections use `includes`.
   */
  joins(...associations: IncludeSpec<M>[]): Relation<M, R> {
    return this.addJoins(associations, 'inner', 'joins');
  }

  /** LEFT OUTER JOIN associations: rows without an associated row are kept. */
  leftJoins(...associations: IncludeSpec<M>[]): Relation<M, R> {
    return this.addJoins(associations, 'left', 'leftJoins');
  }

  /**
   * Load associations with the records, in one batched query per association and level
   * (never one per record), on each association's own connection:
   * `Author.where(...).includes('books', { profile: ['avatar'] })`.
   */
  includes(...associations: IncludeSpec<M>[]): Relation<M, R> {
    return this.with({ includes: includeTree(this.model as unknown as AnyModelClass, associations, 'includes', this.state.includes) });
  }

  /**
   * Partial records with only these attributes (`select('id', 'title')`): saving one writes
   * only what changed among them. Or typed rows of columns, aggregates and window functions:
   * `select({ authorId: 'authorId', books: count(), rank: rank().over({ orderBy: { price: 'desc' } }) })`.
   */
  select<K extends AttributeName<M>>(...attributes: [K, ...K[]]): Relation<M, PartialRecord<M, K>>;
  select<P extends Projection<M>>(projection: P): Relation<M, ProjectionRow<M, P>>;
  select(...args: unknown[]): Relation<M, unknown> {
    return this.withSelection(this.selectionOf(args, 'select')) as Relation<M, unknown>;
  }

  /** SELECT DISTINCT: repeated rows (of a has-many join, of a projection) once each. */
  distinct(): Relation<M, R> {
    return this.with({ distinct: true });
  }

  /**
   * Group rows by attributes: `Book.groupBy('authorId').count()` gives `{ authorId, count }` rows;
   * `.select({ ... })` with aggregates and `.having(count(), { gt: 2 })` for more.
   */
  groupBy<G extends ColumnPath<M>>(...attributes: [G, ...G[]]): GroupedRelation<M, G> {
    const referenced: string[] = [];
    const keys: GroupKey[] = attributes.map((attribute) => {
      const path = resolveColumnPath(this.metadata, attribute, 'groupBy');
      if (path.associationPath !== '') referenced.push(path.associationPath);
      return { path: attribute, column: path.column, ref: path.ref };
    });
    const grouped = this.with({ groupBy: keys.map((key) => key.ref), ...this.referencing(referenced) }) as unknown as Relation<M, M>;
    return new GroupedRelation<M, G>(grouped, keys);
  }

  /**
   * Lock the rows read until the transaction ends (`SELECT ... FOR UPDATE`): read, decide, write,
   * with no other transaction changing them in between. `{ skipLocked: true }` leaves out rows
   * others hold (work queues); `{ noWait: true }` fails at once instead of waiting. Outside a
   * transaction it is an error. SQLite has no row locks: there the transaction holds the
   * database's write lock from its start (BEGIN IMMEDIATE), which covers these rows.
   */
  forUpdate(options: RowLockOptions = {}): Relation<M, R> {
    return this.with({ lock: rowLock('update', options, this.metadata.name) });
  }

  /** Shared row locks (`FOR SHARE`): others may read and share-lock the rows, not change them. */
  forShare(options: RowLockOptions = {}): Relation<M, R> {
    return this.with({ lock: rowLock('share', options, this.metadata.name) });
  }

  /** Rows of this relation or the other (duplicates removed). */
  union(other: Relation<M, R>): Relation<M, R> {
    return this.compound(other, false);
  }

  /** Rows of this relation, then the other's (duplicates kept). */
  unionAll(other: Relation<M, R>): Relation<M, R> {
    return this.compound(other, true);
  }

  /**
   * Read from a common table expression holding `source`'s rows (`WITH name AS (...)`) rather
   * than from the table; this relation's conditions and order then apply to those rows.
   */
  withCte(name: string, source: Relation<M, M>): Relation<M, R> {
    this.checkCteName(name);
    return this.with({ source: { kind: 'cte', name, anchor: () => source.built('withCte') } });
  }

  /**
   * Walk a self-referencing association from `start` with a recursive CTE: every row reachable
   * through it, `start` included. `Category.query().withRecursive('tree', Category.where({ id }), 'children')`
   * reads a whole subtree (`'parent'` instead: the ancestors) in one statement.
   */
  withRecursive<A extends AssociationName<M>>(name: string, start: Relation<M, M>, association: A): Relation<M, R> {
    this.checkCteName(name);
    const step = associationOf(this.model as unknown as AnyModelClass, association, 'withRecursive');
    if (step.target !== this.metadata || step.through !== undefined) {
      throw new ConfigurationError(
        `${this.metadata.name}.withRecursive: '${association}' leads to ${step.target.name}${step.through ? ' through a join model' : ''}; ` +
          `a recursive walk needs an association of ${this.metadata.name} to itself`,
        { model: this.metadata.name, field: association },
      );
    }
    return this.with({ source: { kind: 'cte', name, anchor: () => start.built('withRecursive'), step } });
  }

  // ---- reading ---------------------------------------------------------------------------

  all(): Promise<R[]> {
    // Not an async function when it can avoid one: see ActiveRecord.find.
    try {
      const runtime = runtimeOf(this.model);
      const query = runtime.dialect.compile(this.selectNode(runtime));
      const state = this.state;
      if (state.selection === undefined && state.includes === undefined) {
        const rows = runtime.connection.runQueryNow(query, runtime.selectOptions);
        if (!Array.isArray(rows)) return rows.then((found) => runtime.hydrateAll<R & object>(found));
        return Promise.resolve(runtime.hydrateAll<R & object>(rows));
      }
      return this.readRows(runtime, query);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The first record by the relation's order (by primary key when it has none), or null. */
  async first(): Promise<R | null> {
    const ordered = this.effectiveState().order.length > 0 || this.state.groupBy ? this : this.with({ order: [this.keyOrder('asc')] });
    const [record] = await ordered.with({ limit: 1 }).all();
    return record ?? null;
  }

  /** The record with this primary key among the relation's rows; throws RecordNotFoundError. */
  async find(key: KeyValue): Promise<R> {
    const runtime = runtimeOf(this.model);
    const pk = this.metadata.primaryKey;
    let cast: unknown;
    try {
      cast = castFor(this.metadata, pk, key, 'find');
    } catch {
      throw notFound(runtime, key, 'find');
    }
    // A key matches one row: no limit needed, and Oracle cannot lock rows under one.
    const limit = this.state.lock === undefined ? 1 : undefined;
    const [record] = await this.with({ conditions: [...this.state.conditions, keyCondition(runtime, cast)], limit }).all();
    if (!record) throw notFound(runtime, key, 'find');
    return record;
  }

  /** The first record matching the conditions (in no particular order), or null. */
  async findBy(conditions: WhereInput<M>): Promise<R | null> {
    const [record] = await this.where(conditions).with({ limit: 1 }).all();
    return record ?? null;
  }

  /** Rows the relation would return; `count('email')` counts non-null values (distinct ones after `distinct()`). */
  async count(attribute?: ColumnPath<M>): Promise<number> {
    const runtime = runtimeOf(this.model);
    if (attribute !== undefined) {
      const value = await this.aggregate(runtime, new Aggregate('count', attribute, this.state.distinct === true), 'count');
      return Number(value ?? 0);
    }
    const node = { kind: 'count' as const, source: this.selectNode(runtime, true) };
    // The library's own text, run again: worth a prepared statement (PostgreSQL then plans a
    // long IN list's array parameter once, not on every count).
    const rows = await runtime.connection.runQuery(runtime.dialect.compile(node), PREPARED_READ);
    return Number(rows[0]?.count ?? 0);
  }

  async exists(): Promise<boolean> {
    const runtime = runtimeOf(this.model);
    const rows = await runtime.connection.runQuery(runtime.dialect.compile({ kind: 'exists', source: this.selectNode(runtime, true) }), runtime.readOptions);
    return rows.length > 0;
  }

  /** The sum of a numeric column: a number, a bigint for bigint columns, exact decimal text for decimals; zero for no rows. */
  async sum<K extends ColumnPath<M>>(attribute: K): Promise<SumResult<ColumnValue<M, K>>> {
    const runtime = runtimeOf(this.model);
    const path = resolveColumnPath(this.metadata, attribute, 'sum');
    const value = await this.aggregate(runtime, new Aggregate('sum', attribute, false), 'sum');
    if (value !== null) return value as SumResult<ColumnValue<M, K>>;
    const type = path.column.type;
    const zero = type === 'bigint' ? 0n : type === 'decimal' ? (path.column.scale ? `0.${'0'.repeat(path.column.scale)}` : '0') : 0;
    return zero as SumResult<ColumnValue<M, K>>;
  }

  /** The average of a numeric column (decimal text for decimal columns), or null for no rows. */
  avg<K extends ColumnPath<M>>(attribute: K): Promise<AggregateValue<M, 'avg', K>> {
    return this.aggregate(runtimeOf(this.model), new Aggregate('avg', attribute, false), 'avg') as Promise<AggregateValue<M, 'avg', K>>;
  }

  /** The smallest value of a column, or null for no rows. */
  min<K extends ColumnPath<M>>(attribute: K): Promise<AggregateValue<M, 'min', K>> {
    return this.aggregate(runtimeOf(this.model), new Aggregate('min', attribute, false), 'min') as Promise<AggregateValue<M, 'min', K>>;
  }

  /** The largest value of a column, or null for no rows. */
  max<K extends ColumnPath<M>>(attribute: K): Promise<AggregateValue<M, 'max', K>> {
    return this.aggregate(runtimeOf(this.model), new Aggregate('max', attribute, false), 'max') as Promise<AggregateValue<M, 'max', K>>;
  }

  /**
   * Attributes of every matching row, converted to their JavaScript types: `pluck('name')` gives
   * names, `pluck('id', 'author.name')` gives `[id, name]` tuples.
   */
  async pluck<P extends [ColumnPath<M>, ...ColumnPath<M>[]]>(...attributes: P): Promise<Array<Plucked<M, P>>> {
    const runtime = runtimeOf(this.model);
    if (attributes.length === 0) throw new UnknownColumnError(`${this.metadata.name}.pluck needs at least one attribute`, { model: this.metadata.name });
    if (attributes.length === 1 && !attributes[0].includes('.') && this.state.selection === undefined) {
      const column = resolveColumn(this.metadata, attributes[0], 'pluck');
      const index = this.metadata.columns.indexOf(column);
      const node = { ...this.selectNode(runtime), columns: [column.name], columnTypes: [column.type] };
      this.assertLockable(runtime);
      const rows = await runtime.connection.runQuery(runtime.dialect.compile(node), runtime.readOptions);
      return rows.map((row) => runtime.read(index, row[column.name]) as Plucked<M, P>);
    }
    const projection: Record<string, string> = {};
    attributes.forEach((attribute, i) => (projection[`c${i}`] = attribute));
    const rows = (await this.withSelection(this.selectionOf([projection], 'pluck')).all()) as unknown as Array<Record<string, unknown>>;
    if (attributes.length === 1) return rows.map((row) => row.c0 as Plucked<M, P>);
    return rows.map((row) => attributes.map((_, i) => row[`c${i}`]) as Plucked<M, P>);
  }

  /**
   * Matching records one at a time, holding at most `batchSize` rows in memory whatever the
   * size of the result: `for await (const user of User.where(...).stream()) { ... }`.
   */
  async *stream(options: BatchOptions = {}): AsyncGenerator<R> {
    if (this.state.includes !== undefined || this.state.selection !== undefined) {
      throw new ConfigurationError(
        `${this.metadata.name}.stream reads whole records one at a time; for includes or select use findInBatches`,
        { model: this.metadata.name },
      );
    }
    const runtime = runtimeOf(this.model);
    const batchSize = this.batchSize(options);
    const query = runtime.dialect.compile(this.selectNode(runtime));
    for await (const row of runtime.connection.runStream(query, { batchSize, exactIntegers: runtime.runOptions?.exactIntegers, rowMode: 'array' })) {
      yield runtime.hydrate<R & object>(row);
    }
  }

  /**
   * Matching records in arrays of `batchSize`, read in primary-key order a batch at a time
   * (each batch a fresh query starting after the last key seen), so nothing is held open
   * between batches and the loop body may write freely. Includes load per batch.
   */
  async *findInBatches(options: BatchOptions = {}): AsyncGenerator<R[]> {
    if (this.state.order.length > 0 || this.state.offset !== undefined || this.state.source !== undefined || this.state.groupBy !== undefined) {
      throw new ConfigurationError(
        `${this.metadata.name}.findInBatches walks the primary key in order, so it cannot honour orderBy, offset, groupBy or a union; ` +
          `remove them, or use stream() for a custom order`,
        { model: this.metadata.name },
      );
    }
    const batchSize = this.batchSize(options);
    const pk = this.metadata.primaryKey;
    if (this.state.selection !== undefined && !(this.state.selection.kind === 'attributes' && this.state.selection.columns.includes(pk))) {
      throw new ConfigurationError(`${this.metadata.name}.findInBatches needs the key '${pk.property}' among the selected attributes`, {
        model: this.metadata.name,
      });
    }
    let remaining = this.state.limit ?? Infinity;
    let last: unknown;
    while (remaining > 0) {
      const after: ConditionNode[] =
        last === undefined ? [] : [{ kind: 'compare', column: { name: pk.name, type: pk.type }, op: '>', value: last }];
      const page = this.with({
        conditions: [...this.state.conditions, ...after],
        order: [this.keyOrder('asc')],
        limit: Math.min(batchSize, remaining),
      });
      const records = await page.all();
      if (records.length === 0) return;
      remaining -= records.length;
      last = (records[records.length - 1] as unknown as Record<string, unknown>)[pk.property];
      yield records;
      if (records.length < batchSize) return;
    }
  }

  // ---- writing ---------------------------------------------------------------------------

  /** Set attributes on every matching row in one UPDATE (no callbacks); returns rows changed. */
  async updateAll(attributes: AttributeInput<M>, options: UpdateAllOptions = {}): Promise<number> {
    this.assertPlainWrite('updateAll');
    const runtime = runtimeOf(this.model);
    const given = attributes as Record<string, unknown>;
    const set = Object.keys(given).map((property) => resolveColumn(this.metadata, property, 'updateAll'));
    if (set.length === 0) return 0;
    const undefinedKeys = set.filter((column) => given[column.property] === undefined);
    if (undefinedKeys.length > 0) {
      // As in where(): an undefined value is a mistake far more often than a wish to write NULL.
      const message = 'is undefined; pass null to set NULL, or leave the key out';
      throw new ValidationError(
        `${this.metadata.name}.updateAll: ${undefinedKeys.map((column) => `'${column.property}'`).join(', ')} ${message}`,
        undefinedKeys.map((column) => ({ attribute: column.property, message })),
        { model: this.metadata.name },
      );
    }
    const issues: AttributeIssue[] = [];
    const read = (column: ColumnMetadata) => (set.includes(column) ? given[column.property] : undefined);
    const values = castAttributes(this.metadata, read, 'update', issues, { rules: false });
    throwIfInvalid(this.metadata, issues);
    const assignments = set.map((column) => {
      const index = this.metadata.columns.indexOf(column);
      return [{ name: column.name, type: column.type }, runtime.encode(index, values[index] ?? null)] as const;
    });
    const managed = managedBulkAssignments(this.metadata, new Set(Object.keys(given)), options, new Date());
    this.checkReads(runtime, this.state.reads ?? []);
    const node = {
      kind: 'update' as const,
      table: this.metadata.table,
      set: [...assignments, ...managed.set],
      increment: managed.increment,
      where: and(this.effectiveState().conditions),
    };
    const result = await runtime.connection.runExecute(runtime.dialect.compile(node));
    return result.affectedRows;
  }

  /**
   * Delete every matching row in one statement (no callbacks); returns rows deleted. On a
   * soft-delete model (`@DeletedAt`) it marks them deleted instead; `reallyDeleteAll()` removes them.
   */
  async deleteAll(): Promise<number> {
    this.assertPlainWrite('deleteAll');
    const runtime = runtimeOf(this.model);
    this.checkReads(runtime, this.state.reads ?? []);
    const where = and(this.effectiveState().conditions);
    const node = softDeleteAllNode(this.metadata, where, new Date()) ?? { kind: 'delete' as const, table: this.metadata.table, where };
    const result = await runtime.connection.runExecute(runtime.dialect.compile(node));
    return result.affectedRows;
  }

  /** Delete every matching row for good, soft delete or not (no callbacks); returns rows deleted. */
  async reallyDeleteAll(): Promise<number> {
    this.assertPlainWrite('reallyDeleteAll');
    const runtime = runtimeOf(this.model);
    this.checkReads(runtime, this.state.reads ?? []);
    const node = { kind: 'delete' as const, table: this.metadata.table, where: and(this.effectiveState().conditions) };
    const result = await runtime.connection.runExecute(runtime.dialect.compile(node));
    return result.affectedRows;
  }

  /** The SQL and bind values this relation's `all()` would run, for debugging and tests. */
  toSQL(options: ToSqlOptions = {}): CompiledQuery {
    if (options.dialect !== undefined) return options.dialect.compile(this.built('toSQL').node);
    const runtime = runtimeOf(this.model);
    return runtime.dialect.compile(this.selectNode(runtime));
  }

  /** The database's plan for this relation's query (EXPLAIN, per dialect), as text. */
  async explain(): Promise<string> {
    const runtime = runtimeOf(this.model);
    const plan = runtime.dialect.explain(runtime.dialect.compile(this.selectNode(runtime)));
    const connection = runtime.connection;
    if (plan.statements.length === 1) return plan.format(await connection.runQuery(plan.statements[0]!));
    // Several statements that must share one session (Oracle's EXPLAIN PLAN, SQL Server's SHOWPLAN).
    return connection.transaction(async () => {
      let rows: Row[] = [];
      for (let i = 0; i < plan.statements.length; i++) {
        const result = await connection.runQuery(plan.statements[i]!);
        if (i === plan.planStatement) rows = result;
      }
      return plan.format(rows);
    });
  }

  // ---- for the library's own use ---------------------------------------------------------

  /** @internal This relation as a subquery of one column (its keys when it selects none). */
  [SUBQUERY](label: string): SubqueryParts {
    let state = this.state;
    const selection = state.selection;
    if (selection === undefined) state = { ...state, selection: { kind: 'attributes', columns: [this.metadata.primaryKey] } };
    const width = state.selection!.kind === 'attributes' ? state.selection!.columns.length : state.selection!.items.length;
    if (width !== 1) {
      throw new ConfigurationError(`${label}: a subquery must select exactly one column; this ${this.metadata.name} relation selects ${width}`, {
        model: this.metadata.name,
      });
    }
    if (state.lock !== undefined || state.includes !== undefined) {
      throw new ConfigurationError(`${label}: a subquery cannot lock rows or include associations`, { model: this.metadata.name });
    }
    const built = this.with(state).built(label);
    const only = state.selection!.kind === 'attributes' ? state.selection!.columns[0]!.type : state.selection!.items[0]!.type;
    return { node: built.node, model: this.model as unknown as AnyModelClass, reads: [...built.reads, { model: this.model as unknown as AnyModelClass, via: label }], type: only };
  }

  /** @internal Rows whose `column` is one of `values` (already of the column's type): batched association loads. */
  whereKeys(column: ColumnMetadata, values: readonly unknown[]): Relation<M, R> {
    const condition: ConditionNode = { kind: 'in', column: { name: column.name, type: column.type }, values, negated: false };
    return this.with({ conditions: [...this.state.conditions, condition] });
  }

  /** @internal Rows whose `column` is among a one-column relation's values. */
  whereKeyIn(column: ColumnMetadata, subquery: SubqueryValue): Relation<M, R> {
    return this.where({ [column.property]: subquery } as WhereInput<M>);
  }

  /** @internal A relation selecting these columns (a subquery of the join model's keys). */
  selectColumns(columns: readonly ColumnMetadata[]): Relation<M, unknown> {
    return this.withSelection({ kind: 'attributes', columns });
  }

  /** @internal Rows of raw column values (readers applied), for the preloader's join rows. */
  async pluckColumns(columns: readonly ColumnMetadata[]): Promise<unknown[][]> {
    return (await this.pluck(...(columns.map((c) => c.property) as [ColumnPath<M>]))) as unknown as unknown[][];
  }

  /** @internal The model's metadata, for GroupedRelation. */
  get modelMetadata(): ModelMetadata {
    return this.metadata;
  }

  /**
   * @internal The conditions a statement over this relation applies, the model's default scope
   * included: what a join to this model adds to its ON clause.
   */
  scopedConditions(): readonly ConditionNode[] {
    return this.effectiveState().conditions;
  }

  /** @internal The state, for GroupedRelation. */
  get currentState(): RelationState {
    return this.state;
  }

  /** @internal A relation with some state changed, for GroupedRelation. */
  withState<T>(change: Partial<RelationState>): Relation<M, T> {
    return new Relation<M, T>(this.model, { ...this.state, ...change }, this.metadata);
  }

  /** @internal The statement with no connection consulted (toSQL for a given dialect, subqueries). */
  built(label: string): BuiltSelect {
    void label;
    const columns = this.metadata.columns;
    return buildSelect(this.metadata, this.effectiveState(), { names: columns.map((c) => c.name), types: columns.map((c) => c.type) }, joinScope);
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * The state a statement is built from: the relation's own, with the model's default scope
   * applied (soft delete and @DefaultScope, see the lifecycle's default-scope.ts, plug in here).
   * Every statement of every kind (reads, counts, aggregates, writes, subqueries, joins to this
   * model, association loads) is built from it.
   */
  private effectiveState(): RelationState {
    const extra = defaultScopeParts(this.model, this.metadata, this.state.scope, (scope) => {
      const { conditions, order, limit, offset } = (scope as (relation: Relation<M>) => Relation<M>)(this.unscopedBase()).state;
      return { conditions, order, limit, offset };
    });
    if (extra === undefined) return this.state;
    return {
      ...this.state,
      conditions: extra.conditions.length === 0 ? this.state.conditions : [...extra.conditions, ...this.state.conditions],
      order: this.state.order.length > 0 ? this.state.order : extra.order,
    };
  }

  /** A relation of the model with no default scope: what scope functions start from. */
  private unscopedBase(): Relation<M> {
    return new Relation<M>(this.model, { ...EMPTY_STATE, scope: { unscoped: true } }, this.metadata);
  }

  private with(change: Partial<RelationState>): Relation<M, R> {
    return new Relation(this.model, { ...this.state, ...change }, this.metadata);
  }

  private withSelection(selection: SelectionState): Relation<M, unknown> {
    const referenced = selection.kind === 'projection' ? (selection.associations ?? []) : [];
    return new Relation<M, unknown>(this.model, { ...this.state, selection, ...this.referencing(referenced) }, this.metadata);
  }

  private selectionOf(args: readonly unknown[], method: string): SelectionState {
    if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0])) {
      const projection = compileProjection(this.metadata, args[0], method);
      return { kind: 'projection', items: projection.items, values: projection.values, associations: projection.associations };
    }
    if (args.length === 0) throw new UnknownColumnError(`${this.metadata.name}.${method} needs attribute names or a projection`, { model: this.metadata.name });
    const columns = args.map((name) => resolveColumn(this.metadata, name as string, method));
    return { kind: 'attributes', columns: [...new Set(columns)] };
  }

  /** The select this relation runs, its connections checked, and its lock allowed here. */
  private selectNode(runtime: ModelRuntime, forCount = false): ReturnType<typeof buildSelect>['node'] {
    const built = buildSelect(this.metadata, this.effectiveState(), { names: runtime.columnNames, types: runtime.columnTypes }, joinScope);
    if (built.reads.length > 0) this.checkReads(runtime, built.reads);
    if (this.state.lock !== undefined) {
      if (forCount) return { ...built.node, lock: undefined };
      assertInTransaction(runtime, this.state.lock);
    }
    return built.node;
  }

  private assertLockable(runtime: ModelRuntime): void {
    if (this.state.lock !== undefined) assertInTransaction(runtime, this.state.lock);
  }

  /** Every table a statement reads must be on this model's connection: a join cannot cross databases. */
  private checkReads(runtime: ModelRuntime, reads: readonly TableRead[]): void {
    for (const read of reads) {
      const other = runtimeOf(read.model);
      if (other.connection === runtime.connection) continue;
      throw new ConfigurationError(
        `${this.metadata.name} ${read.via}: ${other.metadata.name} lives on connection '${other.connection.name}' and ` +
          `${this.metadata.name} on '${runtime.connection.name}'; one statement cannot read two databases. ` +
          `Load across connections with includes(...) (batched queries on each connection) or load(...)`,
        { model: this.metadata.name, connection: other.connection.name },
      );
    }
  }

  /** Rows of a selection or with includes: partial records, typed rows, or records with associations loaded. */
  private async readRows(runtime: ModelRuntime, query: CompiledQuery): Promise<R[]> {
    const selection = this.state.selection;
    let rows: unknown[];
    if (selection === undefined) {
      rows = runtime.hydrateAll(await runtime.connection.runQuery(query, runtime.selectOptions));
    } else if (selection.kind === 'attributes') {
      rows = hydratePartial(runtime, selection.columns, await runtime.connection.runQuery(query, runtime.selectOptions));
    } else {
      const readers = selection.values.map((value) => valueReader(value, runtime.dialect));
      const raw = await runtime.connection.runQuery(query, runtime.readOptions);
      rows = raw.map((row) => {
        const out: Record<string, unknown> = {};
        selection.items.forEach((item, i) => (out[item.alias] = readers[i]!(row[item.alias])));
        return out;
      });
    }
    if (this.state.includes !== undefined) {
      if (selection?.kind === 'projection') {
        throw new ConfigurationError(`${this.metadata.name}: includes loads associations onto records, not onto rows of select({ ... })`, {
          model: this.metadata.name,
        });
      }
      if (selection?.kind === 'attributes') this.assertKeysSelected(selection.columns, this.state.includes);
      await preload(this.model as unknown as AnyModelClass, rows as object[], this.state.includes);
    }
    return rows as R[];
  }

  /** Partial records can load an association only if they read the key it is matched on. */
  private assertKeysSelected(columns: readonly ColumnMetadata[], includes: ReadonlyMap<string, unknown>): void {
    for (const name of includes.keys()) {
      const key = associationOf(this.model as unknown as AnyModelClass, name, 'includes').ownerKey;
      if (!columns.includes(key)) {
        throw new ConfigurationError(`${this.metadata.name}.includes('${name}') needs '${key.property}' among the selected attributes`, {
          model: this.metadata.name,
          field: key.property,
        });
      }
    }
  }

  /** One aggregate over the relation's rows (over its page, when it has a limit or offset). */
  private async aggregate(runtime: ModelRuntime, aggregate: Aggregate, method: string): Promise<unknown> {
    const associations: string[] = [];
    const { expression, value } = compileAggregate(this.metadata, aggregate, method, associations);
    const paged = this.state.limit !== undefined || this.state.offset !== undefined;
    const base: Relation<M, R> = paged
      ? this.with({ source: { kind: 'union', all: true, parts: [() => this.with({}).built(method)] }, conditions: [], order: [], limit: undefined, offset: undefined })
      : this.with({ order: [], includes: undefined });
    const relation = base.with({
      selection: { kind: 'projection', items: [{ expression, alias: 'value', type: value.type === 'decimal' && value.fn !== 'count' ? 'decimal' : undefined }], values: [value] },
      distinct: undefined,
      ...base.referencing(paged ? [] : associations),
    });
    const query = runtime.dialect.compile(relation.selectNode(runtime));
    const rows = await runtime.connection.runQuery(query, runtime.readOptions);
    return valueReader(value, runtime.dialect)(rows[0]?.value);
  }

  private existsCondition(name: string, conditions: object | undefined, negated: boolean, method: string): Relation<M, R> {
    const association = associationOf(this.model as unknown as AnyModelClass, name, method);
    const alias = joinAlias(this.metadata.table, [name]);
    const inner = this.correlated(association, alias, conditions, method);
    return this.with({
      conditions: [...this.state.conditions, { kind: 'exists', query: inner.node, negated }],
      reads: [...(this.state.reads ?? []), ...inner.reads],
    });
  }

  /** `SELECT 1 FROM target alias WHERE alias.key = root.key AND ...`: the subquery of whereExists. */
  private correlated(association: ResolvedAssociation, alias: string, conditions: object | undefined, method: string): BuiltSelect {
    const via = `${method}('${association.name}')`;
    const root = this.metadata.table;
    const rootKey = { name: association.ownerKey.name, type: association.ownerKey.type, table: root };
    const target = targetRelation(association);
    const filtered = conditions === undefined ? target : target.where(conditions as never);
    const built = filtered.built(via);
    const reads: TableRead[] = [...built.reads, { model: association.target.target, via }];
    let where: ConditionNode;
    let joins = built.node.joins;
    if (association.through === undefined) {
      where = { kind: 'columns', left: { name: association.targetKey.name, type: association.targetKey.type, table: alias }, op: '=', right: rootKey };
    } else {
      const through = association.through;
      const throughAlias = `${alias}__through`;
      reads.push({ model: through.model.target, via });
      const throughScope = throughRelation(association).scopedConditions().map((c) => qualified(c, throughAlias)!);
      joins = [
        ...(joins ?? []),
        {
          kind: 'inner',
          table: through.model.table,
          alias: throughAlias,
          on: and([
            { kind: 'columns', left: { name: through.targetKey.name, type: through.targetKey.type, table: throughAlias }, op: '=', right: { name: association.targetKey.name, type: association.targetKey.type, table: alias } },
            ...throughScope,
          ])!,
        },
      ];
      where = { kind: 'columns', left: { name: through.ownerKey.name, type: through.ownerKey.type, table: throughAlias }, op: '=', right: rootKey };
    }
    const targetPk = association.target.primaryKey;
    const node = {
      ...built.node,
      alias,
      joins,
      columns: [targetPk.name],
      columnTypes: undefined,
      orderBy: [],
      where: and([where, ...(built.node.where ? [requalify(built.node.where, association.target.table, alias)] : [])]),
    };
    return { node, reads };
  }

  private addJoins(specs: readonly unknown[], kind: 'inner' | 'left', method: string): Relation<M, R> {
    const tree = includeTree(this.model as unknown as AnyModelClass, specs, method);
    const requests: JoinRequest[] = [];
    const walk = (subtree: typeof tree, prefix: string[]) => {
      for (const [name, children] of subtree) {
        const path = [...prefix, name];
        requests.push({ path, kind });
        walk(children, path);
      }
    };
    walk(tree, []);
    return this.with({ joins: [...(this.state.joins ?? []), ...requests] });
  }

  private compound(other: Relation<M, R>, all: boolean): Relation<M, R> {
    if (!(other instanceof Relation) || other.model !== this.model) {
      throw new ConfigurationError(`${this.metadata.name}.${all ? 'unionAll' : 'union'} takes a relation of the same model`, { model: this.metadata.name });
    }
    if (this.state.selection !== undefined || other.state.selection !== undefined || this.state.groupBy || other.state.groupBy) {
      throw new ConfigurationError(`${this.metadata.name}: union combines whole records; select and groupBy after it, not before`, {
        model: this.metadata.name,
      });
    }
    const left = this.with({ includes: undefined, lock: undefined });
    const right = other.with({ includes: undefined, lock: undefined });
    return new Relation<M, R>(
      this.model,
      { conditions: [], order: [], includes: this.state.includes, source: { kind: 'union', all, parts: [() => left.built('union'), () => right.built('union')] } },
      this.metadata,
    );
  }

  private checkCteName(name: string): void {
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) || name === this.metadata.table) {
      throw new ConfigurationError(
        `${this.metadata.name}: '${String(name)}' cannot name a common table expression (letters, digits and _, not the table's own name)`,
        { model: this.metadata.name, field: String(name) },
      );
    }
  }

  private references(): ConditionReferences {
    return { associations: new Set(this.state.referenced ?? []), subqueries: [] };
  }

  private scope(references: ConditionReferences) {
    return { rootTable: this.metadata.table, path: [], references };
  }

  private referencesChange(references: ConditionReferences): Partial<RelationState> {
    const change: { referenced?: ReadonlySet<string>; reads?: readonly TableRead[] } = {};
    if (references.associations.size > 0) change.referenced = references.associations;
    if (references.subqueries.length > 0) change.reads = [...(this.state.reads ?? []), ...references.subqueries];
    return change;
  }

  private referencing(paths: readonly string[]): Partial<RelationState> {
    if (paths.length === 0) return {};
    return { referenced: new Set([...(this.state.referenced ?? []), ...paths]) };
  }

  private keyOrder(direction: 'asc' | 'desc'): OrderNode {
    return { column: this.metadata.primaryKey.name, direction };
  }

  private checkCount(count: number, method: string): number {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new UnknownColumnError(`${this.metadata.name}.${method} expects a non-negative integer`, {
        model: this.metadata.name,
      });
    }
    return count;
  }

  private batchSize(options: BatchOptions): number {
    const size = options.batchSize ?? 1000;
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new ConfigurationError(`${this.metadata.name}: batchSize must be a positive integer`, { model: this.metadata.name });
    }
    return size;
  }

  private assertPlainWrite(method: string): void {
    if (this.state.limit !== undefined || this.state.offset !== undefined) {
      throw new ConfigurationError(
        `${this.metadata.name}.${method} cannot honour limit or offset (SQL has no portable form of it); ` +
          `select the keys first, e.g. where({ id: await relation.pluck('id') })`,
        { model: this.metadata.name },
      );
    }
    const state = this.state;
    if (state.joins?.length || state.referenced?.size || state.groupBy || state.source || state.selection || state.distinct || state.lock) {
      throw new ConfigurationError(
        `${this.metadata.name}.${method} writes by conditions on the table itself; it cannot join, group, select, lock or union. ` +
          `Narrow it with a subquery instead: where({ id: ${this.metadata.name}.joins(...).where(...).select('id') })`,
        { model: this.metadata.name },
      );
    }
  }
}

/**
 * The conditions a joined table's rows must meet, as the joined model's own query would apply
 * them: its default scope, and the association's scope. The seam through which a soft-deleted
 * row stays out of a join as it stays out of that model's queries.
 */
const joinScope: JoinScope = (association, which) =>
  (which === 'through' ? throughRelation(association) : targetRelation(association)).scopedConditions();

/** The target relation's root references (its table name) re-aimed at the subquery's alias. */
function requalify(condition: ConditionNode, table: string, alias: string): ConditionNode {
  return qualified(unqualify(condition, table), alias)!;
}

function unqualify(condition: ConditionNode, table: string): ConditionNode {
  const strip = <T extends { table?: string }>(ref: T): T => (ref.table === table ? { ...ref, table: undefined } : ref);
  switch (condition.kind) {
    case 'compare':
    case 'in':
    case 'between':
    case 'null':
    case 'like':
    case 'inQuery':
      return { ...condition, column: strip(condition.column) };
    case 'columns':
      return { ...condition, left: strip(condition.left), right: strip(condition.right) };
    case 'and':
    case 'or':
      return { ...condition, items: condition.items.map((item) => unqualify(item, table)) };
    case 'not':
      return { ...condition, item: unqualify(condition.item, table) };
    default:
      return condition;
  }
}

function orderDirection(metadata: ModelMetadata, property: string, direction: unknown): 'asc' | 'desc' {
  const normalized = typeof direction === 'string' ? direction.toLowerCase() : direction;
  if (normalized !== 'asc' && normalized !== 'desc') {
    throw new UnknownColumnError(`${metadata.name}.orderBy: direction for '${property}' must be 'asc' or 'desc'`, {
      model: metadata.name,
      field: property,
    });
  }
  return normalized;
}
