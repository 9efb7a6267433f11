import type { ColumnType } from '../backend/column-types';
import { UnknownColumnError, ValidationError } from '../errors';
import type { AggregateFunction, ColumnRef, ComparisonOperator, ConditionNode, ExpressionNode, OrderNode, SelectionNode } from '../query/nodes';
import type { AssociatedModel, AssociationName, IncludeSpec } from './associations/association-types';
import type { ColumnMetadata, ModelMetadata } from './metadata';
import type { ColumnPath, ColumnValue, OrderDirection, OrderInput, WhereInput } from './model-types';
import {
  Aggregate,
  compileAggregate,
  compileProjection,
  count as countOf,
  type AggregateValue,
  type Projection,
  type ProjectionRow,
  type ValueSpec,
} from './projection';
import type { Relation } from './relation';
import type { RelationState } from './relation-state';
import { castValue } from './type-casting';

/** One attribute a relation is grouped by. */
export interface GroupKey {
  readonly path: string;
  readonly column: ColumnMetadata;
  readonly ref: ColumnRef;
}

/** The group's attributes of a grouped result row. */
export type GroupRow<M, G extends string> = { [K in G]: ColumnValue<M, K> };

/** Conditions on an aggregate in `having`. */
export interface AggregateOperators<V> {
  eq?: V;
  ne?: V;
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  between?: readonly [V, V];
}

type AnyAggregate<M> = Aggregate<'count', never> | Aggregate<AggregateFunction, ColumnPath<M>>;
type AggregateOf<M, A> = A extends Aggregate<infer F, infer P> ? NonNullable<AggregateValue<M, F, P>> : never;

const COMPARISONS: Readonly<Record<string, ComparisonOperator>> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * A relation grouped by some attributes (`Book.groupBy('authorId')`). Its aggregates give one
 * typed row per group: `count()` -> `{ authorId, count }[]`, `sum('price')` -> `{ authorId, sum }[]`;
 * `select({ ... })` for several aggregates at once; `having` filters groups.
 */
export class GroupedRelation<M extends object, G extends string> {
  constructor(
    private readonly relation: Relation<M, M>,
    private readonly keys: readonly GroupKey[],
  ) {}

  where(conditions: WhereInput<M>): GroupedRelation<M, G> {
    return this.with(this.relation.where(conditions));
  }

  whereNot(conditions: WhereInput<M>): GroupedRelation<M, G> {
    return this.with(this.relation.whereNot(conditions));
  }

  whereExists<A extends AssociationName<M>>(association: A, conditions?: WhereInput<AssociatedModel<M, A>>): GroupedRelation<M, G> {
    return this.with(this.relation.whereExists(association, conditions));
  }

  joins(...associations: IncludeSpec<M>[]): GroupedRelation<M, G> {
    return this.with(this.relation.joins(...associations));
  }

  leftJoins(...associations: IncludeSpec<M>[]): GroupedRelation<M, G> {
    return this.with(this.relation.leftJoins(...associations));
  }

  /** Keep the groups whose aggregate meets the condition: `having(count(), { gte: 2 })`, `having(sum('price'), { gt: '100' })`. */
  having<A extends AnyAggregate<M>>(aggregate: A, condition: AggregateOperators<AggregateOf<M, A>>): GroupedRelation<M, G> {
    const metadata = this.metadata();
    const associations: string[] = [];
    const { expression, value } = compileAggregate(metadata, aggregate, 'having', associations);
    const type = comparedType(value);
    if (condition === null || typeof condition !== 'object' || Object.keys(condition).length === 0) {
      throw new UnknownColumnError(`${metadata.name}.having expects operators such as { gt: 2 }`, { model: metadata.name });
    }
    const items: ConditionNode[] = [];
    for (const [operator, operand] of Object.entries(condition)) {
      const cast = (v: unknown) => {
        try {
          return type === undefined ? castValue('float', v) : castValue(type, v);
        } catch (error) {
          throw new ValidationError(`${metadata.name}.having: ${operator} ${error instanceof Error ? error.message : String(error)}`, [
            { attribute: aggregate.path ?? 'count', message: String(error) },
          ], { model: metadata.name });
        }
      };
      if (operator === 'between') {
        if (!Array.isArray(operand) || operand.length !== 2) throw new UnknownColumnError(`${metadata.name}.having: between expects [low, high]`, { model: metadata.name });
        items.push(compare(expression, '>=', cast(operand[0]), type), compare(expression, '<=', cast(operand[1]), type));
        continue;
      }
      const op = COMPARISONS[operator];
      if (op === undefined) {
        throw new UnknownColumnError(`${metadata.name}.having: unknown operator '${operator}' (operators: ${[...Object.keys(COMPARISONS), 'between'].join(', ')})`, {
          model: metadata.name,
          field: operator,
        });
      }
      items.push(compare(expression, op, cast(operand), type));
    }
    const state = this.relation.currentState;
    return this.with(this.relation.withState({ having: [...(state.having ?? []), ...items], ...referenced(state, associations) }));
  }

  /** Order groups by a grouped attribute or an aggregate: `orderBy(count(), 'desc')`. */
  orderBy(order: OrderInput<M> | AnyAggregate<M>, direction: OrderDirection = 'asc'): GroupedRelation<M, G> {
    if (!(order instanceof Aggregate)) return this.with(this.relation.orderBy(order, direction));
    const metadata = this.metadata();
    const associations: string[] = [];
    const { expression } = compileAggregate(metadata, order, 'orderBy', associations);
    const normalized = String(direction).toLowerCase();
    if (normalized !== 'asc' && normalized !== 'desc') {
      throw new UnknownColumnError(`${metadata.name}.orderBy: direction must be 'asc' or 'desc'`, { model: metadata.name });
    }
    const state = this.relation.currentState;
    const added: OrderNode = { expression, direction: normalized };
    return this.with(this.relation.withState({ order: [...state.order, added], ...referenced(state, associations) }));
  }

  limit(count: number): GroupedRelation<M, G> {
    return this.with(this.relation.limit(count));
  }

  offset(count: number): GroupedRelation<M, G> {
    return this.with(this.relation.offset(count));
  }

  /** Rows per group: `[{ authorId: 1, count: 3 }, ...]`. */
  count(): Promise<Array<GroupRow<M, G> & { count: number }>> {
    return this.aggregateRows(countOf(), 'count') as Promise<Array<GroupRow<M, G> & { count: number }>>;
  }

  sum<K extends ColumnPath<M>>(attribute: K): Promise<Array<GroupRow<M, G> & { sum: AggregateValue<M, 'sum', K> }>> {
    return this.aggregateRows(new Aggregate('sum', attribute, false), 'sum') as Promise<Array<GroupRow<M, G> & { sum: AggregateValue<M, 'sum', K> }>>;
  }

  avg<K extends ColumnPath<M>>(attribute: K): Promise<Array<GroupRow<M, G> & { avg: AggregateValue<M, 'avg', K> }>> {
    return this.aggregateRows(new Aggregate('avg', attribute, false), 'avg') as Promise<Array<GroupRow<M, G> & { avg: AggregateValue<M, 'avg', K> }>>;
  }

  min<K extends ColumnPath<M>>(attribute: K): Promise<Array<GroupRow<M, G> & { min: AggregateValue<M, 'min', K> }>> {
    return this.aggregateRows(new Aggregate('min', attribute, false), 'min') as Promise<Array<GroupRow<M, G> & { min: AggregateValue<M, 'min', K> }>>;
  }

  max<K extends ColumnPath<M>>(attribute: K): Promise<Array<GroupRow<M, G> & { max: AggregateValue<M, 'max', K> }>> {
    return this.aggregateRows(new Aggregate('max', attribute, false), 'max') as Promise<Array<GroupRow<M, G> & { max: AggregateValue<M, 'max', K> }>>;
  }

  /** Typed rows of grouped attributes and aggregates: `select({ authorId: 'authorId', books: count(), total: sum('price') })`. */
  select<P extends Projection<M>>(projection: P): Relation<M, ProjectionRow<M, P>> {
    const compiled = compileProjection(this.metadata(), projection, 'select');
    const state = this.relation.currentState;
    return this.relation.withState<ProjectionRow<M, P>>({
      selection: { kind: 'projection', items: compiled.items, values: compiled.values, associations: compiled.associations },
      ...referenced(state, compiled.associations),
    });
  }

  private async aggregateRows(aggregate: Aggregate, name: string): Promise<Array<Record<string, unknown>>> {
    const metadata = this.metadata();
    const associations: string[] = [];
    const { expression, value } = compileAggregate(metadata, aggregate, name, associations);
    const items: SelectionNode[] = this.keys.map((key, i) => ({ expression: { kind: 'column', column: key.ref }, alias: `g${i}`, type: key.column.type }));
    const values: ValueSpec[] = this.keys.map((key) => ({ type: key.column.type }));
    items.push({ expression, alias: 'value', type: value.type === 'decimal' && value.fn !== 'count' ? 'decimal' : undefined });
    values.push(value);
    const state = this.relation.currentState;
    const rows = (await this.relation
      .withState<Record<string, unknown>>({ selection: { kind: 'projection', items, values, associations }, ...referenced(state, associations) })
      .all()) as Array<Record<string, unknown>>;
    return rows.map((row) => {
      const out: Record<string, unknown> = {};
      this.keys.forEach((key, i) => (out[key.path] = row[`g${i}`]));
      out[name] = row.value;
      return out;
    });
  }

  private with(relation: Relation<M, M>): GroupedRelation<M, G> {
    return new GroupedRelation<M, G>(relation, this.keys);
  }

  private metadata(): ModelMetadata {
    return this.relation.modelMetadata;
  }
}

function compare(expression: ExpressionNode, op: ComparisonOperator, value: unknown, type: ColumnType | undefined): ConditionNode {
  return { kind: 'expression', expression, op, value, type };
}

/** The type an aggregate's value is compared as: counts and averages of integers as numbers. */
function comparedType(value: ValueSpec): ColumnType | undefined {
  if (value.fn === 'count') return undefined;
  if (value.fn === 'avg' && value.type !== 'decimal') return 'float';
  return value.type;
}

function referenced(state: RelationState, associations: readonly string[]): Partial<RelationState> {
  if (associations.length === 0) return {};
  return { referenced: new Set([...(state.referenced ?? []), ...associations]) };
}
