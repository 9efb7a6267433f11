import { UnknownColumnError, ValidationError } from '../errors';
import type { ColumnRef, ComparisonOperator, ConditionNode } from '../query/nodes';
import { associationsOf, type ResolvedAssociation } from './associations/resolve';
import { unsearchable } from './column-codec';
import { joinAlias } from './join-alias';
import { likePatternProblem } from './like-pattern';
import type { AnyModelClass, ColumnMetadata, ModelMetadata } from './metadata';
import { runtimeOf } from './model-runtime';
import { isSubquery, SUBQUERY, type SubqueryValue } from './subquery';
import { castForFilter } from './type-casting';

/** What conditions refer to beyond the root table's columns; the relation checks them before it runs. */
export interface ConditionReferences {
  /** Association paths (`author`, `author.publisher`) whose joined columns are filtered on. */
  readonly associations: Set<string>;
  /** Models read by subqueries, and how: they must live on the outer query's connection. */
  readonly subqueries: Array<{ readonly model: AnyModelClass; readonly via: string }>;
}

/** Where in a relation a set of conditions applies. */
export interface ConditionScope {
  /** The relation's root table, from which joined aliases are derived. */
  readonly rootTable: string;
  /** The association path from the root to this model; empty at the root. */
  readonly path: readonly string[];
  /** Qualifies every column reference (a joined association's alias); none at the root. */
  readonly qualifier?: string;
  readonly references?: ConditionReferences;
}

const COMPARISONS: Readonly<Record<string, ComparisonOperator>> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};
const OPERATORS = new Set([...Object.keys(COMPARISONS), 'in', 'notIn', 'like', 'notLike', 'between', 'isNull']);

/**
 * Turn `where` input into condition nodes, checking every name against the model and casting
 * every value to its column's type. The keys of the input are the only place user-chosen names
 * could enter a query, so an unknown one is an error, never a guess.
 */
export function buildConditions(
  metadata: ModelMetadata,
  input: object,
  method: string,
  /** Appended to and returned (default: a new array). */
  conditions: ConditionNode[] = [],
  scope?: ConditionScope,
): ConditionNode[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UnknownColumnError(`${metadata.name}.${method} expects an object such as { name: 'Ada' }`, {
      model: metadata.name,
    });
  }
  const given = input as Record<string, unknown>;
  for (const property of Object.keys(given)) {
    const value = given[property];
    if (!metadata.byProperty.has(property)) {
      const associations = associationsOf(metadata.target);
      const association = associations.get(property);
      if (association !== undefined) {
        associationConditions(metadata, association, value, method, conditions, scope);
        continue;
      }
      if (associations.size > 0) {
        throw new UnknownColumnError(
          `${metadata.name}.${method}: unknown attribute '${property}' (attributes: ${[...metadata.byProperty.keys()].join(', ')}; ` +
            `associations: ${[...associations.keys()].join(', ')})`,
          { model: metadata.name, field: property },
        );
      }
    }
    const column = resolveColumn(metadata, property, method);
    if (value === undefined) {
      throw new ValidationError(
        `${metadata.name}.${method}: '${property}' is undefined; pass null to match NULL, or leave the key out ` +
          `(an undefined filter silently matching every row is how data gets deleted by accident)`,
        [{ attribute: property, message: 'is undefined' }],
        { model: metadata.name },
      );
    }
    conditionsFor(metadata, column, value, method, conditions, scope);
  }
  return conditions;
}

/**
 * `{ author: { name: 'Ada' } }`: conditions on a joined association's columns, qualified by its
 * alias (the relation checks that it is joined). On a belongsTo, a record or null compares the
 * foreign key instead, with no join: `{ author: ada }`, `{ author: null }`.
 */
function associationConditions(
  metadata: ModelMetadata,
  association: ResolvedAssociation,
  value: unknown,
  method: string,
  out: ConditionNode[],
  scope: ConditionScope | undefined,
): void {
  const key: ColumnRef = { name: association.ownerKey.name, type: association.ownerKey.type, table: scope?.qualifier };
  if (association.kind === 'belongsTo' && (value === null || value instanceof association.targetClass)) {
    if (value === null) {
      out.push({ kind: 'null', column: key, negated: false });
      return;
    }
    const targetValue = (value as unknown as Record<string, unknown>)[association.targetKey.property];
    if (targetValue === undefined || targetValue === null) {
      throw new ValidationError(`${metadata.name}.${method}: '${association.name}' is a ${association.target.name} with no ${association.targetKey.property} (unsaved?)`, [
        { attribute: association.name, message: 'has no key' },
      ], { model: metadata.name, field: association.name });
    }
    out.push({ kind: 'compare', column: key, op: '=', value: castFor(metadata, association.ownerKey, targetValue, method) });
    return;
  }
  if (!isOperatorObject(value)) {
    throw new UnknownColumnError(
      `${metadata.name}.${method}: '${association.name}' is an association; filter on its attributes with an object ` +
        `such as { ${association.name}: { ${association.target.primaryKey.property}: ... } } after joins('${association.name}')` +
        (association.kind === 'belongsTo' ? `, or pass a ${association.target.name} or null` : ''),
      { model: metadata.name, field: association.name },
    );
  }
  const rootTable = scope?.rootTable ?? metadata.table;
  const path = [...(scope?.path ?? []), association.name];
  scope?.references?.associations.add(path.join('.'));
  buildConditions(association.target, value as object, method, out, {
    rootTable,
    path,
    qualifier: joinAlias(rootTable, path),
    references: scope?.references,
  });
}

export function resolveColumn(metadata: ModelMetadata, property: string, method: string): ColumnMetadata {
  const column = metadata.byProperty.get(property);
  if (!column) {
    throw new UnknownColumnError(
      `${metadata.name}.${method}: unknown attribute '${property}' (attributes: ${[...metadata.byProperty.keys()].join(', ')})`,
      { model: metadata.name, field: property },
    );
  }
  return column;
}

/** Append the condition nodes for one attribute's `where` value to `out`. */
function conditionsFor(
  metadata: ModelMetadata,
  column: ColumnMetadata,
  value: unknown,
  method: string,
  out: ConditionNode[],
  scope: ConditionScope | undefined,
): void {
  const ref: ColumnRef = scope?.qualifier === undefined ? { name: column.name, type: column.type } : { name: column.name, type: column.type, table: scope.qualifier };
  if (isSubquery(value)) {
    out.push(subqueryCondition(metadata, column, ref, value, method, false, scope));
    return;
  }
  if (value === null) {
    out.push({ kind: 'null', column: ref, negated: false });
    return;
  }
  const stored = storedForms(metadata, column, method);
  if (Array.isArray(value)) {
    const values = value.map((v: unknown) => castFor(metadata, column, v, method));
    out.push({ kind: 'in', column: ref, values: stored ? values.flatMap(stored) : values, negated: false });
    return;
  }
  if (!isOperatorObject(value)) {
    out.push(equality(ref, castFor(metadata, column, value, method), false, stored));
    return;
  }

  const operators = value as Record<string, unknown>;
  const names = Object.keys(operators);
  if (names.length === 0) {
    throw new UnknownColumnError(`${metadata.name}.${method}: '${column.property}' has an empty operator object`, {
      model: metadata.name,
      field: column.property,
    });
  }
  for (const operator of names) out.push(operatorCondition(metadata, column, ref, operator, operators[operator], method, scope));
}

/** `column [NOT] IN (subquery)`; the subquery's model must share the outer query's connection (checked when it runs). */
function subqueryCondition(
  metadata: ModelMetadata,
  column: ColumnMetadata,
  ref: ColumnRef,
  value: SubqueryValue,
  method: string,
  negated: boolean,
  scope: ConditionScope | undefined,
): ConditionNode {
  const sub = value[SUBQUERY](`${metadata.name}.${method}: '${column.property}'`);
  scope?.references?.subqueries.push(...sub.reads);
  return { kind: 'inQuery', column: ref, query: sub.node, negated };
}

function operatorCondition(
  metadata: ModelMetadata,
  column: ColumnMetadata,
  ref: ColumnRef,
  operator: string,
  operand: unknown,
  method: string,
  scope?: ConditionScope,
): ConditionNode {
  const stored = storedForms(metadata, column, method);
  // Order and pattern operators compare stored forms: only a custom type's single form can.
  const single = (v: unknown) => {
    const cast = castFor(metadata, column, v, method);
    if (!stored) return cast;
    if (column.encryption !== undefined) throw unsearchable(metadata, column, method, operator);
    return stored(cast)[0];
  };
  const cast = single;
  if (!OPERATORS.has(operator)) {
    throw new UnknownColumnError(
      `${metadata.name}.${method}: unknown operator '${operator}' on '${column.property}' ` +
        `(operators: ${[...OPERATORS].join(', ')})`,
      { model: metadata.name, field: column.property },
    );
  }
  const invalid = (expected: string) =>
    new ValidationError(`${metadata.name}.${method}: '${column.property}.${operator}' expects ${expected}`, [
      { attribute: column.property, message: `${operator} expects ${expected}` },
    ], { model: metadata.name });
  switch (operator) {
    case 'in':
    case 'notIn': {
      if (isSubquery(operand)) return subqueryCondition(metadata, column, ref, operand, method, operator === 'notIn', scope);
      if (!Array.isArray(operand)) throw invalid('an array or a relation');
      const values = operand.map((v: unknown) => castFor(metadata, column, v, method));
      return { kind: 'in', column: ref, values: stored ? values.flatMap(stored) : values, negated: operator === 'notIn' };
    }
    case 'like':
    case 'notLike':
      if (typeof operand !== 'string') throw invalid('a string pattern');
      if (column.encryption !== undefined) throw unsearchable(metadata, column, method, operator);
      {
        const problem = likePatternProblem(operand);
        if (problem !== undefined) throw invalid(problem);
      }
      return { kind: 'like', column: ref, pattern: operand, negated: operator === 'notLike' };
    case 'between':
      if (!Array.isArray(operand) || operand.length !== 2) throw invalid('a [low, high] pair');
      return { kind: 'between', column: ref, low: cast(operand[0]), high: cast(operand[1]) };
    case 'isNull':
      if (typeof operand !== 'boolean') throw invalid('true or false');
      return { kind: 'null', column: ref, negated: !operand };
    default:
      if (operand === null && (operator === 'eq' || operator === 'ne')) {
        return { kind: 'null', column: ref, negated: operator === 'ne' };
      }
      if (operand === null || operand === undefined) throw invalid('a value');
      if (stored && (operator === 'eq' || operator === 'ne')) {
        return equality(ref, castFor(metadata, column, operand, method), operator === 'ne', stored);
      }
      return { kind: 'compare', column: ref, op: COMPARISONS[operator]!, value: cast(operand) };
  }
}

/** A plain object (not a Date, Buffer or array) is an operator object: `{ gte: 18 }`. */
function isOperatorObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `column = value` (or `<>`), over every stored form the value may have. */
function equality(ref: ColumnRef, value: unknown, negated: boolean, stored: ((value: unknown) => unknown[]) | undefined): ConditionNode {
  if (stored === undefined) return { kind: 'compare', column: ref, op: negated ? '<>' : '=', value };
  const forms = stored(value);
  if (forms.length === 1) return { kind: 'compare', column: ref, op: negated ? '<>' : '=', value: forms[0] };
  return { kind: 'in', column: ref, values: forms, negated };
}

/**
 * For a column stored in another form (encrypted, a custom type), the function from a cast value
 * to the stored forms it may have; undefined for ordinary columns. A randomly encrypted column
 * cannot be searched at all.
 */
function storedForms(metadata: ModelMetadata, column: ColumnMetadata, method: string): ((value: unknown) => unknown[]) | undefined {
  if (column.encryption === undefined && column.adapter === undefined) return undefined;
  const runtime = runtimeOf(metadata.target);
  const codec = runtime.codecs?.[runtime.metadata.columns.indexOf(column)];
  if (codec?.filterForms === undefined) throw unsearchable(metadata, column, method, 'eq');
  return codec.filterForms;
}

export function castFor(metadata: ModelMetadata, column: ColumnMetadata, value: unknown, method: string): unknown {
  try {
    return castForFilter(column, value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`${metadata.name}.${method}: '${column.property}' ${reason}`, [
      { attribute: column.property, message: reason },
    ], { model: metadata.name, field: column.property });
  }
}
