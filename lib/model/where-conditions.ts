import { UnknownColumnError, ValidationError } from '../errors';
import type { ColumnRef, ComparisonOperator, ConditionNode } from '../query/nodes';
import type { ColumnMetadata, ModelMetadata } from './metadata';
import { unsearchable } from './column-codec';
import { likePatternProblem } from './like-pattern';
import { runtimeOf } from './model-runtime';
import { castForFilter } from './type-casting';

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
): ConditionNode[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UnknownColumnError(`${metadata.name}.${method} expects an object such as { name: 'Ada' }`, {
      model: metadata.name,
    });
  }
  const given = input as Record<string, unknown>;
  for (const property of Object.keys(given)) {
    const value = given[property];
    const column = resolveColumn(metadata, property, method);
    if (value === undefined) {
      throw new ValidationError(
        `${metadata.name}.${method}: '${property}' is undefined; pass null to match NULL, or leave the key out ` +
          `(an undefined filter silently matching every row is how data gets deleted by accident)`,
        [{ attribute: property, message: 'is undefined' }],
        { model: metadata.name },
      );
    }
    conditionsFor(metadata, column, value, method, conditions);
  }
  return conditions;
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
function conditionsFor(metadata: ModelMetadata, column: ColumnMetadata, value: unknown, method: string, out: ConditionNode[]): void {
  const ref: ColumnRef = { name: column.name, type: column.type };
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
  for (const operator of names) out.push(operatorCondition(metadata, column, ref, operator, operators[operator], method));
}

function operatorCondition(
  metadata: ModelMetadata,
  column: ColumnMetadata,
  ref: ColumnRef,
  operator: string,
  operand: unknown,
  method: string,
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
      if (!Array.isArray(operand)) throw invalid('an array');
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
