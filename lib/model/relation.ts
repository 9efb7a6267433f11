import { ConfigurationError, UnknownColumnError, ValidationError } from '../errors';
import { and, type CompiledQuery, type ConditionNode, type OrderNode, type SelectNode } from '../query/nodes';
import { modelMetadata, type ModelMetadata } from './metadata';
import { runtimeOf, type ModelRuntime } from './model-runtime';
import type { AttributeInput, AttributeName, KeyValue, ModelClass, OrderDirection, OrderInput, WhereInput } from './model-types';
import { keyCondition, notFound } from './persistence';
import { castAttributes, throwIfInvalid, type AttributeIssue } from './validation';
import { defaultScopeParts, requireSoftDelete, type ScopeParts, type ScopeSelection } from './default-scope';
import { managedBulkAssignments, softDeleteAllNode, type UpdateAllOptions } from './lifecycle/bulk-writes';
import { buildConditions, castFor, resolveColumn } from './where-conditions';

interface RelationState {
  readonly conditions: readonly ConditionNode[];
  readonly order: readonly OrderNode[];
  readonly limit?: number;
  readonly offset?: number;
  /** How much of the model's default scope applies (default-scope.ts); absent: all of it. */
  readonly scope?: ScopeSelection;
}

const EMPTY: RelationState = { conditions: [], order: [] };
const UNSCOPED: RelationState = { conditions: [], order: [], scope: { unscoped: true } };

export interface BatchOptions {
  /** Rows per round trip and most rows held in memory; default 1000. */
  batchSize?: number;
}

/**
 * An immutable query over one model, as Rails calls it: every builder method returns a new
 * Relation, so a base query can be shared and refined without one use leaking into another.
 * Names and values are checked against the model as each method is called; nothing touches a
 * connection until a terminal method (`all`, `first`, `count`, ...) runs.
 */
export class Relation<M extends object> {
  private readonly metadata: ModelMetadata;

  constructor(
    private readonly model: ModelClass<M>,
    private readonly state: RelationState = EMPTY,
    metadata?: ModelMetadata,
  ) {
    this.metadata = metadata ?? modelMetadata(model);
  }

  // ---- building --------------------------------------------------------------------------

  /** Rows matching every condition: `{ age: { gte: 18 }, status: ['a', 'b'], deletedAt: null }`. */
  where(conditions: WhereInput<M>): Relation<M> {
    const built = buildConditions(this.metadata, conditions, 'where', this.state.conditions.slice());
    return this.with({ conditions: built });
  }

  /** Rows not matching all of the conditions together. */
  whereNot(conditions: WhereInput<M>): Relation<M> {
    const built = and(buildConditions(this.metadata, conditions, 'whereNot'));
    return built ? this.with({ conditions: [...this.state.conditions, { kind: 'not', item: built }] }) : this;
  }

  /** Rows matching any one of the condition objects. */
  whereAny(alternatives: readonly WhereInput<M>[]): Relation<M> {
    const items = alternatives
      .map((conditions) => and(buildConditions(this.metadata, conditions, 'whereAny')))
      .filter((item): item is ConditionNode => item !== undefined);
    const condition: ConditionNode = items.length === 0 ? { kind: 'in', column: { name: this.metadata.primaryKey.name }, values: [], negated: false } : { kind: 'or', items };
    return this.with({ conditions: [...this.state.conditions, condition] });
  }

  /** `orderBy('name')`, `orderBy('createdAt', 'desc')` or `orderBy({ status: 'asc', id: 'desc' })`. */
  orderBy(order: OrderInput<M>, direction: OrderDirection = 'asc'): Relation<M> {
    const entries: Array<[string, unknown]> = typeof order === 'string' ? [[order, direction]] : Object.entries(order);
    const added = entries.map(([property, dir]): OrderNode => {
      const column = resolveColumn(this.metadata, property, 'orderBy');
      const normalized = typeof dir === 'string' ? dir.toLowerCase() : dir;
      if (normalized !== 'asc' && normalized !== 'desc') {
        throw new UnknownColumnError(`${this.metadata.name}.orderBy: direction for '${property}' must be 'asc' or 'desc'`, {
          model: this.metadata.name,
          field: property,
        });
      }
      return { column: column.name, direction: normalized };
    });
    return this.with({ order: [...this.state.order, ...added] });
  }

  /** Without the model's default scope (soft delete's included); conditions added so far stay. */
  unscoped(): Relation<M> {
    return this.with({ scope: { unscoped: true } });
  }

  /** Soft-deleted rows too (`@DeletedAt`); the rest of the default scope still applies. */
  withDeleted(): Relation<M> {
    requireSoftDelete(this.metadata, 'withDeleted');
    return this.with({ scope: { ...this.state.scope, deleted: 'include' } });
  }

  /** Only soft-deleted rows (`@DeletedAt`). */
  onlyDeleted(): Relation<M> {
    requireSoftDelete(this.metadata, 'onlyDeleted');
    return this.with({ scope: { ...this.state.scope, deleted: 'only' } });
  }

  limit(count: number): Relation<M> {
    return this.with({ limit: this.checkCount(count, 'limit') });
  }

  offset(count: number): Relation<M> {
    return this.with({ offset: this.checkCount(count, 'offset') });
  }

  // ---- reading ---------------------------------------------------------------------------

  all(): Promise<M[]> {
    // Not an async function: see ActiveRecord.find.
    try {
      const runtime = runtimeOf(this.model);
      const rows = runtime.connection.runQueryNow(runtime.dialect.compile(this.selectNode(runtime)), runtime.selectOptions);
      if (!Array.isArray(rows)) return rows.then((found) => runtime.hydrateAll<M>(found));
      return Promise.resolve(runtime.hydrateAll<M>(rows));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The first record by the relation's order (by primary key when it has none), or null. */
  async first(): Promise<M | null> {
    const ordered = this.scoped().order.length > 0 ? this : this.with({ order: [this.keyOrder('asc')] });
    const [record] = await ordered.with({ limit: 1 }).all();
    return record ?? null;
  }

  /** The record with this primary key among the relation's rows; throws RecordNotFoundError. */
  async find(key: KeyValue): Promise<M> {
    const runtime = runtimeOf(this.model);
    const pk = this.metadata.primaryKey;
    let cast: unknown;
    try {
      cast = castFor(this.metadata, pk, key, 'find');
    } catch {
      throw notFound(runtime, key, 'find');
    }
    const [record] = await this.with({ conditions: [...this.state.conditions, keyCondition(runtime, cast)], limit: 1 }).all();
    if (!record) throw notFound(runtime, key, 'find');
    return record;
  }

  /** The first record matching the conditions (in no particular order), or null. */
  async findBy(conditions: WhereInput<M>): Promise<M | null> {
    const [record] = await this.where(conditions).with({ limit: 1 }).all();
    return record ?? null;
  }

  async count(): Promise<number> {
    const runtime = runtimeOf(this.model);
    const node = { kind: 'count' as const, source: this.selectNode(runtime) };
    const rows = await runtime.connection.runQuery(runtime.dialect.compile(node));
    return Number(rows[0]?.count ?? 0);
  }

  async exists(): Promise<boolean> {
    const runtime = runtimeOf(this.model);
    const rows = await runtime.connection.runQuery(runtime.dialect.compile({ kind: 'exists', source: this.selectNode(runtime) }));
    return rows.length > 0;
  }

  /** One attribute of every matching row, converted to its JavaScript type. */
  async pluck<K extends AttributeName<M>>(attribute: K): Promise<Array<M[K]>> {
    const runtime = runtimeOf(this.model);
    const column = resolveColumn(this.metadata, attribute, 'pluck');
    const index = this.metadata.columns.indexOf(column);
    const node = { ...this.selectNode(runtime), columns: [column.name], columnTypes: [column.type] };
    const rows = await runtime.connection.runQuery(runtime.dialect.compile(node), runtime.runOptions);
    return rows.map((row) => runtime.read(index, row[column.name]) as M[K]);
  }

  /**
   * Matching records one at a time, holding at most `batchSize` rows in memory whatever the
   * size of the result: `for await (const user of User.where(...).stream()) { ... }`.
   */
  async *stream(options: BatchOptions = {}): AsyncGenerator<M> {
    const runtime = runtimeOf(this.model);
    const batchSize = this.batchSize(options);
    const query = runtime.dialect.compile(this.selectNode(runtime));
    for await (const row of runtime.connection.runStream(query, { batchSize, exactIntegers: runtime.runOptions?.exactIntegers })) {
      yield runtime.hydrate<M>(row);
    }
  }

  /**
   * Matching records in arrays of `batchSize`, read in primary-key order a batch at a time
   * (each batch a fresh query starting after the last key seen), so nothing is held open
   * between batches and the loop body may write freely.
   */
  async *findInBatches(options: BatchOptions = {}): AsyncGenerator<M[]> {
    if (this.state.order.length > 0 || this.state.offset !== undefined) {
      throw new ConfigurationError(
        `${this.metadata.name}.findInBatches walks the primary key in order, so it cannot honour orderBy or offset; ` +
          `remove them, or use stream() for a custom order`,
        { model: this.metadata.name },
      );
    }
    const batchSize = this.batchSize(options);
    const pk = this.metadata.primaryKey;
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

  /**
   * Set attributes on every matching row in one UPDATE; returns rows changed. Values are type
   * checked, but no callbacks or validation rules run. Sets `@UpdatedAt` to now (unless
   * `{ touch: false }`) and bumps `@Version`.
   */
  async updateAll(attributes: AttributeInput<M>, options: UpdateAllOptions = {}): Promise<number> {
    this.assertUnpaged('updateAll');
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
    const read = (column: (typeof set)[number]) => (set.includes(column) ? given[column.property] : undefined);
    const values = castAttributes(this.metadata, read, 'update', issues, { rules: false });
    throwIfInvalid(this.metadata, issues);
    const assignments = set.map((column) => {
      const index = this.metadata.columns.indexOf(column);
      return [{ name: column.name, type: column.type }, runtime.encode(index, values[index] ?? null)] as const;
    });
    const managed = managedBulkAssignments(this.metadata, new Set(Object.keys(given)), options, new Date());
    const node = {
      kind: 'update' as const,
      table: this.metadata.table,
      set: [...assignments, ...managed.set],
      increment: managed.increment,
      where: and(this.scoped().conditions),
    };
    const result = await runtime.connection.runExecute(runtime.dialect.compile(node));
    return result.affectedRows;
  }

  /**
   * Delete every matching row in one statement (no callbacks); returns rows deleted. On a
   * soft-delete model (`@DeletedAt`) it marks them deleted instead; `reallyDeleteAll()` removes them.
   */
  async deleteAll(): Promise<number> {
    this.assertUnpaged('deleteAll');
    const runtime = runtimeOf(this.model);
    const where = and(this.scoped().conditions);
    const node = softDeleteAllNode(this.metadata, where, new Date()) ?? { kind: 'delete' as const, table: this.metadata.table, where };
    const result = await runtime.connection.runExecute(runtime.dialect.compile(node));
    return result.affectedRows;
  }

  /** Delete every matching row for good, soft delete or not (no callbacks); returns rows deleted. */
  async reallyDeleteAll(): Promise<number> {
    this.assertUnpaged('reallyDeleteAll');
    const runtime = runtimeOf(this.model);
    const node = { kind: 'delete' as const, table: this.metadata.table, where: and(this.scoped().conditions) };
    const result = await runtime.connection.runExecute(runtime.dialect.compile(node));
    return result.affectedRows;
  }

  /** The SQL and bind values this relation's `all()` would run, for debugging and tests. */
  toSQL(): CompiledQuery {
    const runtime = runtimeOf(this.model);
    return runtime.dialect.compile(this.selectNode(runtime));
  }

  // ---- internals -------------------------------------------------------------------------

  private with(change: Partial<RelationState>): Relation<M> {
    return new Relation(this.model, { ...this.state, ...change }, this.metadata);
  }

  private selectNode(runtime: ModelRuntime): SelectNode {
    const scoped = this.scoped();
    return {
      kind: 'select',
      table: this.metadata.table,
      columns: runtime.columnNames,
      columnTypes: runtime.columnTypes,
      where: and(scoped.conditions),
      orderBy: scoped.order,
      limit: this.state.limit,
      offset: this.state.offset,
    };
  }

  /** The relation's conditions and order with the model's default scope applied. */
  private scoped(): ScopeParts {
    const extra = defaultScopeParts(this.model, this.metadata, this.state.scope, (scope) => {
      const { conditions, order, limit, offset } = (scope as (relation: Relation<M>) => Relation<M>)(this.unscopedBase()).state;
      return { conditions, order, limit, offset };
    });
    if (extra === undefined) return this.state;
    return {
      conditions: extra.conditions.length === 0 ? this.state.conditions : [...extra.conditions, ...this.state.conditions],
      order: this.state.order.length > 0 ? this.state.order : extra.order,
    };
  }

  private unscopedBase(): Relation<M> {
    return new Relation(this.model, UNSCOPED, this.metadata);
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

  private assertUnpaged(method: string): void {
    if (this.state.limit !== undefined || this.state.offset !== undefined) {
      throw new ConfigurationError(
        `${this.metadata.name}.${method} cannot honour limit or offset (SQL has no portable form of it); ` +
          `select the keys first, e.g. where({ id: await relation.pluck('id') })`,
        { model: this.metadata.name },
      );
    }
  }
}

/**
 * The default scope's conditions of a model reached through a join (soft delete's included), for
 * code that joins its table without building a Relation of it. Column names are unqualified.
 */
export function defaultScopeConditions<M extends object>(model: ModelClass<M>): readonly ConditionNode[] {
  // A fresh relation has no conditions of its own: what `scoped()` gives is the default scope's.
  return (new Relation(model) as unknown as { scoped(): ScopeParts }).scoped().conditions;
}
