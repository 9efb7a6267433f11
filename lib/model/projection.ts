import type { ColumnType } from '../backend/column-types';
import type { Dialect } from '../backend/dialect';
import { toBigInt } from '../backend/value-conversion';
import { UnknownColumnError } from '../errors';
import type { AggregateFunction, AggregateNode, ExpressionNode, OrderNode, RankingFunction, SelectionNode } from '../query/nodes';
import { resolveColumnPath, type ResolvedPath } from './column-paths';
import type { ModelMetadata } from './metadata';
import type { ColumnPath, ColumnValue, OrderDirection } from './model-types';

/** Which rows a window function sees: `{ partitionBy: 'authorId', orderBy: { price: 'desc' } }`. */
export interface WindowOptions {
  readonly partitionBy?: string | readonly string[];
  readonly orderBy?: string | { readonly [path: string]: OrderDirection };
}

/** The column paths a window names, checked against the model where the window is used. */
type WindowPaths<T> =
  | (T extends { readonly partitionBy: infer B } ? (B extends readonly (infer E)[] ? E : B) : never)
  | (T extends { readonly orderBy: infer O } ? (O extends string ? O : keyof O) : never);

/** `count()`, `sum('price')`, ...: an aggregate over a column path, in `select`, `having` and `orderBy`. */
export class Aggregate<F extends AggregateFunction = AggregateFunction, P extends string = string> {
  constructor(
    readonly fn: F,
    readonly path: P | undefined,
    readonly distinct: boolean,
  ) {}

  /** The same aggregate over a window of rows rather than a group: `sum('price').over({ partitionBy: 'authorId' })`. */
  over<const T extends WindowOptions = {}>(window: T = {} as T): WindowFunction<F, P, WindowPaths<T> & string> {
    return new WindowFunction(this, window);
  }
}

/** `rowNumber()`, `rank()`, `denseRank()`: only meaningful over a window (`.over(...)`). */
export class Ranking<F extends RankingFunction = RankingFunction> {
  constructor(readonly fn: F) {}

  over<const T extends WindowOptions = {}>(window: T = {} as T): WindowFunction<F, never, WindowPaths<T> & string> {
    return new WindowFunction(this, window);
  }
}

export class WindowFunction<F extends AggregateFunction | RankingFunction = AggregateFunction | RankingFunction, P extends string = string, W extends string = string> {
  /** Phantom: the function, its column path and its window's paths, for type checks. */
  declare readonly __types?: [F, P, W];
  constructor(
    readonly fn: Aggregate | Ranking,
    readonly window: WindowOptions,
  ) {}
}

/** `COUNT(*)`, or `COUNT(path)` (non-null values; `{ distinct: true }` counts distinct ones). */
export function count(): Aggregate<'count', never>;
export function count<P extends string>(path: P, options?: { distinct?: boolean }): Aggregate<'count', P>;
export function count(path?: string, options: { distinct?: boolean } = {}): Aggregate<'count', string> {
  return new Aggregate('count', path, options.distinct === true);
}
/** Sum of a numeric column: exact (`bigint` for bigint columns, a decimal string for decimal ones). */
export function sum<P extends string>(path: P): Aggregate<'sum', P> {
  return new Aggregate('sum', path, false);
}
/** Average of a numeric column: a number, or a decimal string for decimal columns. */
export function avg<P extends string>(path: P): Aggregate<'avg', P> {
  return new Aggregate('avg', path, false);
}
export function min<P extends string>(path: P): Aggregate<'min', P> {
  return new Aggregate('min', path, false);
}
export function max<P extends string>(path: P): Aggregate<'max', P> {
  return new Aggregate('max', path, false);
}
export function rowNumber(): Ranking<'row_number'> {
  return new Ranking('row_number');
}
export function rank(): Ranking<'rank'> {
  return new Ranking('rank');
}
export function denseRank(): Ranking<'dense_rank'> {
  return new Ranking('dense_rank');
}

// ---- types of results ----------------------------------------------------------------------

type SumValue<V> = [NonNullable<V>] extends [bigint] ? bigint : [NonNullable<V>] extends [number] ? number : [NonNullable<V>] extends [string] ? string : never;
type AvgValue<V> = [NonNullable<V>] extends [string] ? string : number;

/** What an aggregate of a column path yields (null for an empty set, but count). */
export type AggregateValue<M, F extends AggregateFunction, P extends string> = F extends 'count'
  ? number
  : F extends 'sum'
    ? SumValue<ColumnValue<M, P>> | null
    : F extends 'avg'
      ? AvgValue<ColumnValue<M, P>> | null
      : NonNullable<ColumnValue<M, P>> | null;

/** One item of a `select` projection: a column path, an aggregate, or a window function. */
export type ProjectionItem<M> =
  | ColumnPath<M>
  | Aggregate<'count', never>
  | Aggregate<AggregateFunction, ColumnPath<M>>
  | WindowFunction<AggregateFunction | RankingFunction, ColumnPath<M>, ColumnPath<M>>;

/** `{ authorId: 'authorId', books: count(), total: sum('price') }`: alias to item. */
export type Projection<M> = { readonly [alias: string]: ProjectionItem<M> };

type ItemValue<M, I> = I extends string
  ? ColumnValue<M, I>
  : I extends Aggregate<infer F, infer P>
    ? AggregateValue<M, F, P>
    : I extends WindowFunction<infer F, infer P, string>
      ? F extends RankingFunction
        ? number
        : AggregateValue<M, Extract<F, AggregateFunction>, P>
      : never;

/** The typed row a projection reads. */
export type ProjectionRow<M, P> = { -readonly [A in keyof P]: ItemValue<M, P[A]> };

// ---- compiling -------------------------------------------------------------------------------

/** How to read one selected value: a column's type, or what an aggregate of it yields. */
export interface ValueSpec {
  readonly fn?: AggregateFunction | 'ranking';
  readonly type?: ColumnType;
}

export interface CompiledProjection {
  readonly items: SelectionNode[];
  readonly values: ValueSpec[];
  /** Association paths the projection's columns come through (they must be joined). */
  readonly associations: string[];
}

const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SUMMABLE: ReadonlySet<ColumnType> = new Set(['integer', 'bigint', 'float', 'decimal']);
const ORDERABLE: ReadonlySet<ColumnType> = new Set(['string', 'text', 'integer', 'bigint', 'float', 'decimal', 'date', 'datetime', 'uuid']);

/** A projection checked against the model: every path, every alias, every function's column type. */
export function compileProjection(metadata: ModelMetadata, projection: object, method: string): CompiledProjection {
  if (projection === null || typeof projection !== 'object' || Array.isArray(projection)) {
    throw new UnknownColumnError(`${metadata.name}.${method} expects attribute names or an object such as { total: sum('price') }`, {
      model: metadata.name,
    });
  }
  const compiled: CompiledProjection = { items: [], values: [], associations: [] };
  for (const [alias, item] of Object.entries(projection)) {
    if (!ALIAS.test(alias)) {
      throw new UnknownColumnError(`${metadata.name}.${method}: '${alias}' cannot name a result column (letters, digits and _, up to 63)`, {
        model: metadata.name,
        field: alias,
      });
    }
    const { expression, value } = compileItem(metadata, item, method, alias, compiled.associations);
    compiled.items.push({ expression, alias, type: resultType(value) });
    compiled.values.push(value);
  }
  if (compiled.items.length === 0) throw new UnknownColumnError(`${metadata.name}.${method}: the projection selects nothing`, { model: metadata.name });
  return compiled;
}

function compileItem(
  metadata: ModelMetadata,
  item: unknown,
  method: string,
  alias: string,
  associations: string[],
): { expression: ExpressionNode; value: ValueSpec } {
  if (typeof item === 'string') {
    const path = track(resolveColumnPath(metadata, item, method), associations);
    return { expression: { kind: 'column', column: path.ref }, value: { type: path.column.type } };
  }
  if (item instanceof Aggregate) return compileAggregate(metadata, item, method, associations);
  if (item instanceof WindowFunction) {
    const partition = toList(item.window.partitionBy).map((p) => track(resolveColumnPath(metadata, p, method), associations).ref);
    const orderBy = windowOrder(metadata, item.window.orderBy, method, associations);
    if (item.fn instanceof Ranking) {
      return {
        expression: { kind: 'window', fn: { kind: 'ranking', fn: item.fn.fn }, partitionBy: partition, orderBy },
        value: { fn: 'ranking' },
      };
    }
    const { expression, value } = compileAggregate(metadata, item.fn, method, associations);
    return { expression: { kind: 'window', fn: expression, partitionBy: partition, orderBy }, value };
  }
  throw new UnknownColumnError(
    `${metadata.name}.${method}: '${alias}' must be an attribute name, an aggregate (count(), sum('price'), ...) or a window function`,
    { model: metadata.name, field: alias },
  );
}

/** An aggregate checked against its column's type. */
export function compileAggregate(
  metadata: ModelMetadata,
  aggregate: Aggregate,
  method: string,
  associations: string[],
): { expression: AggregateNode; value: ValueSpec } {
  if (aggregate.path === undefined) {
    if (aggregate.fn !== 'count') throw new UnknownColumnError(`${metadata.name}.${method}: ${aggregate.fn}() needs an attribute`, { model: metadata.name });
    return { expression: { kind: 'aggregate', fn: 'count' }, value: { fn: 'count' } };
  }
  const path = track(resolveColumnPath(metadata, aggregate.path, method), associations);
  const type = path.column.type;
  const allowed = aggregate.fn === 'count' ? undefined : aggregate.fn === 'sum' || aggregate.fn === 'avg' ? SUMMABLE : ORDERABLE;
  if (allowed !== undefined && !allowed.has(type)) {
    throw new UnknownColumnError(
      `${metadata.name}.${method}: ${aggregate.fn}('${aggregate.path}') needs a ${[...allowed].join(', ')} column; '${aggregate.path}' is ${type}`,
      { model: metadata.name, field: aggregate.path },
    );
  }
  const expression: AggregateNode = {
    kind: 'aggregate',
    fn: aggregate.fn,
    argument: path.ref,
    ...(aggregate.distinct ? { distinct: true } : {}),
    ...(type === 'decimal' ? { scale: path.column.scale ?? 0 } : {}),
  };
  return { expression, value: { fn: aggregate.fn, type } };
}

function windowOrder(metadata: ModelMetadata, order: WindowOptions['orderBy'], method: string, associations: string[]): OrderNode[] {
  if (order === undefined) return [];
  const entries: Array<[string, unknown]> = typeof order === 'string' ? [[order, 'asc']] : Object.entries(order);
  return entries.map(([path, direction]) => {
    const resolved = track(resolveColumnPath(metadata, path, method), associations);
    const normalized = typeof direction === 'string' ? direction.toLowerCase() : direction;
    if (normalized !== 'asc' && normalized !== 'desc') {
      throw new UnknownColumnError(`${metadata.name}.${method}: direction for '${path}' must be 'asc' or 'desc'`, { model: metadata.name, field: path });
    }
    return { column: resolved.ref.name, table: resolved.ref.table, direction: normalized };
  });
}

function track(path: ResolvedPath, associations: string[]): ResolvedPath {
  if (path.associationPath !== '' && !associations.includes(path.associationPath)) associations.push(path.associationPath);
  return path;
}

function toList<T>(value: T | readonly T[] | undefined): readonly T[] {
  return value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** The logical type of a selected value, where it is one (SQL Server reads decimals as text). */
function resultType(value: ValueSpec): ColumnType | undefined {
  if (value.fn === undefined || value.fn === 'min' || value.fn === 'max') return value.type;
  if ((value.fn === 'sum' || value.fn === 'avg') && value.type === 'decimal') return 'decimal';
  return undefined;
}

/**
 * Converts what a driver returns for a selected value into its JavaScript value: counts and
 * rankings as numbers (PostgreSQL returns bigint text), sums of bigints as bigint, of decimals
 * as exact text, averages as numbers (decimal text for decimal columns), min/max by the column's
 * own reader.
 */
export function valueReader(spec: ValueSpec, dialect: Dialect): (value: unknown) => unknown {
  const column = spec.type === undefined ? undefined : dialect.valueReader(spec.type);
  const read = (value: unknown) => (column === undefined ? value : column(value));
  switch (spec.fn) {
    case undefined:
    case 'min':
    case 'max':
      return (value) => (value === null || value === undefined ? null : read(value));
    case 'count':
    case 'ranking':
      return (value) => (value === null || value === undefined ? 0 : Number(value));
    case 'sum':
      if (spec.type === 'bigint') return (value) => (value === null || value === undefined ? null : toBigInt(typeof value === 'number' ? value : String(value)));
      if (spec.type === 'decimal') return (value) => (value === null || value === undefined ? null : decimalText(value));
      return (value) => (value === null || value === undefined ? null : Number(value));
    case 'avg':
      if (spec.type === 'decimal') return (value) => (value === null || value === undefined ? null : decimalText(value));
      return (value) => (value === null || value === undefined ? null : Number(value));
  }
}

function decimalText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}
