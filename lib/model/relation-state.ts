import { ConfigurationError } from '../errors';
import type {
  ColumnRef,
  CommonTableNode,
  ConditionNode,
  JoinNode,
  OrderNode,
  RowLockNode,
  SelectionNode,
  SelectNode,
  WithNode,
} from '../query/nodes';
import { and } from '../query/nodes';
import type { ResolvedAssociation } from './associations/resolve';
import type { ScopeSelection } from './default-scope';
import { associationOf } from './associations/resolve';
import { joinAlias } from './join-alias';
import type { AnyModelClass, ColumnMetadata, ModelMetadata } from './metadata';
import type { ValueSpec } from './projection';

/** Associations to load after the records, each with those to load under it. */
export type IncludeTree = ReadonlyMap<string, IncludeTree>;

export interface JoinRequest {
  readonly path: readonly string[];
  readonly kind: 'inner' | 'left';
}

/** A model a statement reads besides its root, and how it came in (for the connection check's message). */
export interface TableRead {
  readonly model: AnyModelClass;
  readonly via: string;
}

/** What the select list holds when it is not the model's every column. */
export type SelectionState =
  | { readonly kind: 'attributes'; readonly columns: readonly ColumnMetadata[] }
  | {
      readonly kind: 'projection';
      readonly items: readonly SelectionNode[];
      /** How to read each item's value, index for index. */
      readonly values: readonly ValueSpec[];
      /** Association paths the items' columns come through. */
      readonly associations?: readonly string[];
    };

/** A part of a UNION, built when the statement is (parts are relations of the same model). */
export type PartBuilder = () => BuiltSelect;

export type SourceState =
  | { readonly kind: 'union'; readonly all: boolean; readonly parts: readonly PartBuilder[] }
  | { readonly kind: 'cte'; readonly name: string; readonly anchor: PartBuilder; readonly step?: ResolvedAssociation };

/** Everything a Relation has been told; immutable, each builder call makes a new one. */
export interface RelationState {
  readonly conditions: readonly ConditionNode[];
  readonly order: readonly OrderNode[];
  readonly limit?: number;
  readonly offset?: number;
  readonly joins?: readonly JoinRequest[];
  readonly includes?: IncludeTree;
  readonly selection?: SelectionState;
  readonly distinct?: boolean;
  readonly groupBy?: readonly ColumnRef[];
  readonly having?: readonly ConditionNode[];
  readonly lock?: Omit<RowLockNode, 'of'>;
  readonly source?: SourceState;
  /** Association paths that conditions, order or selections refer to: each must be joined. */
  readonly referenced?: ReadonlySet<string>;
  /** Models read by subqueries in conditions. */
  readonly reads?: readonly TableRead[];
  /** How much of the model's default scope applies (default-scope.ts); absent: all of it. */
  readonly scope?: ScopeSelection;
}

export const EMPTY_STATE: RelationState = { conditions: [], order: [] };

export interface BuiltSelect {
  readonly node: SelectNode;
  /** Every other model the statement reads: all must be on the root's connection. */
  readonly reads: readonly TableRead[];
}

/** A join's target rows as the target model would read them (its default scope included). */
export type JoinScope = (association: ResolvedAssociation, target: 'target' | 'through') => readonly ConditionNode[];

/**
 * The select a relation stands for. `columns` are the model's column names and types (the
 * runtime's arrays, whose quoted form the compiler remembers); a selection replaces them.
 */
export function buildSelect(
  metadata: ModelMetadata,
  state: RelationState,
  columns: { readonly names: readonly string[]; readonly types: readonly ColumnMetadata['type'][] },
  joinScope: JoinScope,
): BuiltSelect {
  if (isSimple(state)) {
    // The common case (where, order, limit): one node, nothing to qualify, join or check.
    return {
      node: {
        kind: 'select',
        table: metadata.table,
        columns: columns.names,
        columnTypes: columns.types,
        where: and(state.conditions),
        orderBy: state.order,
        limit: state.limit,
        offset: state.offset,
      },
      reads: NO_READS,
    };
  }
  const reads: TableRead[] = [...(state.reads ?? [])];
  const joins = state.joins && state.joins.length > 0 ? buildJoins(metadata, state.joins, joinScope, reads) : undefined;
  checkReferencedJoins(metadata, state.referenced, joins);
  const root = metadata.table;
  const qualify = joins !== undefined || state.source !== undefined ? root : undefined;
  let node: SelectNode = {
    kind: 'select',
    table: root,
    columns: columns.names,
    columnTypes: columns.types,
    where: qualified(and(state.conditions), qualify),
    orderBy: qualify === undefined ? state.order : state.order.map((o) => qualifyOrder(o, qualify)),
    limit: state.limit,
    offset: state.offset,
  };
  if (joins !== undefined) node = { ...node, joins };
  if (state.selection?.kind === 'attributes') {
    node = { ...node, columns: state.selection.columns.map((c) => c.name), columnTypes: state.selection.columns.map((c) => c.type) };
  } else if (state.selection?.kind === 'projection') {
    node = { ...node, selections: state.selection.items.map((item) => qualifySelection(item, qualify)) };
  }
  if (state.distinct) node = { ...node, distinct: true };
  if (state.groupBy && state.groupBy.length > 0) node = { ...node, groupBy: state.groupBy.map((ref) => qualifyRef(ref, qualify)) };
  if (state.having && state.having.length > 0) node = { ...node, having: qualified(and(state.having), qualify) };
  if (state.source !== undefined) node = withSource(node, metadata, state.source, reads, joinScope);
  if (state.lock !== undefined) node = withLock(node, metadata, state, qualify);
  return { node, reads };
}

const NO_READS: readonly TableRead[] = [];

function isSimple(state: RelationState): boolean {
  return (
    state.joins === undefined &&
    state.selection === undefined &&
    state.distinct === undefined &&
    state.groupBy === undefined &&
    state.having === undefined &&
    state.lock === undefined &&
    state.source === undefined &&
    state.referenced === undefined &&
    state.reads === undefined
  );
}

function withLock(node: SelectNode, metadata: ModelMetadata, state: RelationState, qualify: string | undefined): SelectNode {
  const clash = state.distinct
    ? 'distinct()'
    : state.groupBy && state.groupBy.length > 0
      ? 'groupBy()'
      : state.source?.kind === 'union'
        ? 'union()'
        : state.selection?.kind === 'projection'
          ? 'an aggregate or window selection'
          : undefined;
  if (clash !== undefined) {
    throw new ConfigurationError(
      `${metadata.name}: rows cannot be locked (forUpdate/forShare) in a query with ${clash}: ` +
        `lock the rows by key first, then aggregate`,
      { model: metadata.name },
    );
  }
  const pk = metadata.primaryKey;
  return { ...node, lock: { ...state.lock!, of: { name: pk.name, type: pk.type, table: qualify ?? metadata.table } } };
}

function withSource(node: SelectNode, metadata: ModelMetadata, source: SourceState, reads: TableRead[], joinScope: JoinScope): SelectNode {
  if (source.kind === 'union') {
    const parts = source.parts.map((build) => {
      const built = build();
      reads.push(...built.reads);
      return built.node;
    });
    return { ...node, source: { kind: 'compound', operator: source.all ? 'union all' : 'union', parts } };
  }
  const anchor = source.anchor();
  reads.push(...anchor.reads);
  const columns = metadata.columns.map((c) => c.name);
  let query: CommonTableNode['query'] = { ...anchor.node, columns, columnTypes: undefined, selections: undefined };
  if (source.step !== undefined) query = { kind: 'compound', operator: 'union all', parts: [query, recursiveStep(metadata, source.name, source.step, joinScope)] };
  const withNode: WithNode = { recursive: source.step !== undefined, tables: [{ name: source.name, columns, query }] };
  return { ...node, with: withNode, source: { kind: 'cte', name: source.name } };
}

/**
 * The recursive member of a tree walk: the model's rows one step along a self-referencing
 * association from the rows found so far (`children`: rows whose parentId is a found id).
 */
function recursiveStep(metadata: ModelMetadata, cte: string, step: ResolvedAssociation, joinScope: JoinScope): SelectNode {
  const alias = joinAlias(cte, ['step']);
  const on: ConditionNode = {
    kind: 'columns',
    left: { name: step.targetKey.name, type: step.targetKey.type, table: alias },
    op: '=',
    right: { name: step.ownerKey.name, type: step.ownerKey.type, table: cte },
  };
  return {
    kind: 'select',
    table: metadata.table,
    alias,
    columns: metadata.columns.map((c) => c.name),
    joins: [{ kind: 'inner', table: cte, alias: cte, on }],
    where: qualified(and(joinScope(step, 'target')), alias),
    orderBy: [],
  };
}

/** The joins for the requested paths, parents before children, each path once (inner wins over left). */
function buildJoins(metadata: ModelMetadata, requests: readonly JoinRequest[], joinScope: JoinScope, reads: TableRead[]): JoinNode[] {
  const kinds = new Map<string, 'inner' | 'left'>();
  for (const request of requests) {
    for (let depth = 1; depth <= request.path.length; depth++) {
      const key = request.path.slice(0, depth).join('.');
      if (kinds.get(key) !== 'inner') kinds.set(key, request.kind);
    }
  }
  const joins: JoinNode[] = [];
  for (const [key, kind] of kinds) {
    const path = key.split('.');
    const parentPath = path.slice(0, -1);
    const parent = parentPath.length === 0 ? metadata : modelAt(metadata, parentPath);
    const association = associationOf(parent.target, path[path.length - 1]!, 'joins');
    const parentAlias = parentPath.length === 0 ? metadata.table : joinAlias(metadata.table, parentPath);
    const alias = joinAlias(metadata.table, path);
    const via = `joins('${key}')`;
    reads.push({ model: association.target.target, via });
    const ownerRef: ColumnRef = { name: association.ownerKey.name, type: association.ownerKey.type, table: parentAlias };
    let targetOn: ConditionNode;
    if (association.through === undefined) {
      targetOn = { kind: 'columns', left: { ...refOf(association.targetKey), table: alias }, op: '=', right: ownerRef };
    } else {
      const through = association.through;
      const throughAlias = `${alias}__through`;
      reads.push({ model: through.model.target, via });
      const throughOn: ConditionNode = { kind: 'columns', left: { ...refOf(through.ownerKey), table: throughAlias }, op: '=', right: ownerRef };
      joins.push({ kind, table: through.model.table, alias: throughAlias, on: withScope(throughOn, joinScope(association, 'through'), throughAlias) });
      targetOn = { kind: 'columns', left: { ...refOf(association.targetKey), table: alias }, op: '=', right: { ...refOf(through.targetKey), table: throughAlias } };
    }
    joins.push({ kind, table: association.target.table, alias, on: withScope(targetOn, joinScope(association, 'target'), alias) });
  }
  return joins;
}

/**
 * A join's ON condition with the joined model's own conditions added (its default scope and the
 * association's scope), qualified by the join's alias: this is where a soft-deleted row stays
 * out of a join, as it stays out of that model's queries.
 */
function withScope(on: ConditionNode, scope: readonly ConditionNode[], alias: string): ConditionNode {
  if (scope.length === 0) return on;
  return and([on, ...scope.map((condition) => qualified(condition, alias)!)])!;
}

function modelAt(metadata: ModelMetadata, path: readonly string[]): ModelMetadata {
  let current = metadata;
  for (const name of path) current = associationOf(current.target, name, 'joins').target;
  return current;
}

function checkReferencedJoins(metadata: ModelMetadata, referenced: ReadonlySet<string> | undefined, joins: readonly JoinNode[] | undefined): void {
  if (referenced === undefined || referenced.size === 0) return;
  const joined = new Set((joins ?? []).map((join) => join.alias));
  for (const path of referenced) {
    if (!joined.has(joinAlias(metadata.table, path.split('.')))) {
      throw new ConfigurationError(
        `${metadata.name}: the query refers to columns of '${path}', which it does not join; ` +
          `add joins('${path}') (or leftJoins) to the query`,
        { model: metadata.name, field: path },
      );
    }
  }
}

function refOf(column: ColumnMetadata): ColumnRef {
  return { name: column.name, type: column.type };
}

function qualifyRef(ref: ColumnRef, table: string | undefined): ColumnRef {
  return table === undefined || ref.table !== undefined ? ref : { ...ref, table };
}

function qualifyOrder(order: OrderNode, table: string): OrderNode {
  if ('expression' in order) return { ...order, expression: qualifyExpression(order.expression, table) };
  return order.table === undefined ? { ...order, table } : order;
}

function qualifySelection(selection: SelectionNode, table: string | undefined): SelectionNode {
  return table === undefined ? selection : { ...selection, expression: qualifyExpression(selection.expression, table) };
}

function qualifyExpression(expression: SelectionNode['expression'], table: string): SelectionNode['expression'] {
  switch (expression.kind) {
    case 'column':
      return { ...expression, column: qualifyRef(expression.column, table) };
    case 'aggregate':
      return expression.argument === undefined ? expression : { ...expression, argument: qualifyRef(expression.argument, table) };
    case 'window':
      return {
        ...expression,
        fn: expression.fn.kind === 'aggregate' ? (qualifyExpression(expression.fn, table) as typeof expression.fn) : expression.fn,
        partitionBy: expression.partitionBy.map((ref) => qualifyRef(ref, table)),
        orderBy: expression.orderBy.map((o) => qualifyOrder(o, table)),
      };
  }
}

/**
 * A condition with every unqualified column reference qualified by `table`. Subqueries keep
 * their own references (they are a scope of their own); correlated ones are built qualified.
 */
export function qualified(condition: ConditionNode | undefined, table: string | undefined): ConditionNode | undefined {
  if (condition === undefined || table === undefined) return condition;
  switch (condition.kind) {
    case 'compare':
    case 'in':
    case 'between':
    case 'null':
    case 'like':
    case 'inQuery':
      return condition.column.table === undefined ? { ...condition, column: { ...condition.column, table } } : condition;
    case 'columns':
      return { ...condition, left: qualifyRef(condition.left, table), right: qualifyRef(condition.right, table) };
    case 'and':
    case 'or':
      return { ...condition, items: condition.items.map((item) => qualified(item, table)!) };
    case 'not':
      return { ...condition, item: qualified(condition.item, table)! };
    case 'expression':
      return { ...condition, expression: qualifyExpression(condition.expression, table) };
    case 'exists':
      return condition;
  }
}
