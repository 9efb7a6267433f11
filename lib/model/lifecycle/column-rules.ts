import type { ColumnType } from '../../backend/column-types';
import { compareDecimals, exactIntegerText } from '../../backend/exact-numbers';
import { ConfigurationError } from '../../errors';

/** A rule's options with an optional message of your own (replacing the default one). */
interface WithMessage {
  /** Shown after the attribute's name: `email` + ` must look like an address`. */
  message?: string;
}

export type NumericBound = number | bigint | string;

/**
 * Declarative validation rules of one column: `@Column('string', { validate: { length: { min: 2 } } })`.
 * Every rule but `presence` passes a null or missing value (nullability is the column's
 * `nullable` option); every problem of a record is reported at once.
 */
export interface ColumnRules {
  /** Not null, and for strings not blank (only spaces): "cannot be blank". */
  presence?: boolean | WithMessage;
  /** Length in characters (strings) or elements (JSON arrays). */
  length?: { min?: number; max?: number; is?: number } & WithMessage;
  /** The string matches (use anchors: `/^\d{5}$/`). */
  format?: RegExp | ({ with: RegExp } & WithMessage);
  /** The value is one of these (compared with `===`; decimals and bigints by value). */
  inclusion?: readonly unknown[] | ({ in: readonly unknown[] } & WithMessage);
  /** The value is none of these. */
  exclusion?: readonly unknown[] | ({ in: readonly unknown[] } & WithMessage);
  /** A number (integer, float, bigint or decimal column) within bounds, compared exactly. */
  numericality?: {
    integer?: boolean;
    gt?: NumericBound;
    gte?: NumericBound;
    lt?: NumericBound;
    lte?: NumericBound;
    odd?: boolean;
    even?: boolean;
  } & WithMessage;
  /**
   * No other row has this value (with the same values of `scope`, attribute names), checked in
   * the write's transaction across every row (the default scope and soft delete do not hide
   * rows from it). A race between two writers is still caught by the database's unique index:
   * `uniqueness: true` without a scope makes the column UNIQUE; with a scope, add a unique index
   * over the scope and the column.
   */
  uniqueness?: boolean | ({ scope?: readonly string[] } & WithMessage);
}

/** Rules as checked: every option resolved once, at class definition. */
export interface CompiledRules {
  readonly presence?: string;
  readonly length?: { readonly min?: number; readonly max?: number; readonly is?: number; readonly message?: string };
  readonly format?: { readonly pattern: RegExp; readonly message: string };
  readonly inclusion?: { readonly values: readonly unknown[]; readonly message: string };
  readonly exclusion?: { readonly values: readonly unknown[]; readonly message: string };
  readonly numericality?: NonNullable<ColumnRules['numericality']>;
  readonly uniqueness?: { readonly scope: readonly string[]; readonly message: string };
}

const RULE_NAMES = ['presence', 'length', 'format', 'inclusion', 'exclusion', 'numericality', 'uniqueness'];
const NUMERIC_TYPES: readonly ColumnType[] = ['integer', 'bigint', 'float', 'decimal'];

/** Check a column's `validate` option at class definition; throws ConfigurationError naming the rule. */
export function compileRules(rules: ColumnRules, type: ColumnType, model: string, property: string): CompiledRules {
  const fail = (rule: string, message: string): never => {
    throw new ConfigurationError(`@Column on ${model}.${property}: validate.${rule} ${message}`, {
      model,
      field: `${property}.validate.${rule}`,
    });
  };
  if (!rules || typeof rules !== 'object') fail('', 'must be an object of rules');
  for (const name of Object.keys(rules)) {
    if (!RULE_NAMES.includes(name)) fail(name, `is not a rule (rules: ${RULE_NAMES.join(', ')})`);
  }
  const compiled: {
    -readonly [K in keyof CompiledRules]: CompiledRules[K];
  } = {};
  const message = (options: unknown, fallback: string, rule: string): string => {
    const given = typeof options === 'object' && options !== null ? (options as WithMessage).message : undefined;
    if (given !== undefined && (typeof given !== 'string' || given === '')) fail(rule, 'message must be a non-empty string');
    return given ?? fallback;
  };
  if (rules.presence) compiled.presence = message(rules.presence, 'cannot be blank', 'presence');
  if (rules.length !== undefined) {
    const { min, max, is } = rules.length;
    for (const [name, bound] of [['min', min], ['max', max], ['is', is]] as const) {
      if (bound !== undefined && !(Number.isInteger(bound) && bound >= 0)) fail(`length.${name}`, 'must be a non-negative integer');
    }
    if (min === undefined && max === undefined && is === undefined) fail('length', 'needs min, max or is');
    if (min !== undefined && max !== undefined && min > max) fail('length', 'min cannot exceed max');
    compiled.length = { min, max, is, message: rules.length.message };
  }
  if (rules.format !== undefined) {
    const pattern = rules.format instanceof RegExp ? rules.format : rules.format.with;
    if (!(pattern instanceof RegExp)) fail('format', 'must be a RegExp or { with: RegExp }');
    if (pattern.global || pattern.sticky) fail('format', 'must not be global or sticky (lastIndex would make it answer differently each time)');
    compiled.format = { pattern, message: message(rules.format, 'is invalid', 'format') };
  }
  for (const rule of ['inclusion', 'exclusion'] as const) {
    const option = rules[rule];
    if (option === undefined) continue;
    const values = Array.isArray(option) ? option : (option as { in?: unknown }).in;
    if (!Array.isArray(values)) fail(rule, 'must be an array of values or { in: [...] }');
    compiled[rule] = {
      values: values as unknown[],
      message: message(option, rule === 'inclusion' ? 'is not included in the list' : 'is reserved', rule),
    };
  }
  if (rules.numericality !== undefined) {
    if (!NUMERIC_TYPES.includes(type)) fail('numericality', `applies to number columns (integer, bigint, float, decimal), not ${type}`);
    const options = rules.numericality;
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = options[bound];
      if (value === undefined) continue;
      const ok =
        typeof value === 'bigint' ||
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && safeCompare(value, '0') !== undefined);
      if (!ok) fail(`numericality.${bound}`, 'must be a finite number, a bigint or a decimal string');
    }
    if (options.odd && options.even) fail('numericality', 'cannot ask for odd and even at once');
    compiled.numericality = options;
  }
  if (rules.uniqueness) {
    const scope = typeof rules.uniqueness === 'object' ? (rules.uniqueness.scope ?? []) : [];
    if (!Array.isArray(scope) || scope.some((name) => typeof name !== 'string')) fail('uniqueness.scope', 'must be an array of attribute names');
    compiled.uniqueness = { scope, message: message(rules.uniqueness, 'has already been taken', 'uniqueness') };
  }
  return compiled;
}

function safeCompare(a: string, b: string): number | undefined {
  try {
    return compareDecimals(a, b);
  } catch {
    return undefined;
  }
}

/**
 * Check one cast, non-null value (or a null/missing one, for presence) against a column's
 * rules; calls `report` once per broken rule. Uniqueness needs the database: see uniqueness.ts.
 */
export function checkRules(rules: CompiledRules, value: unknown, report: (message: string) => void): void {
  if (value === null || value === undefined) {
    if (rules.presence !== undefined) report(rules.presence);
    return;
  }
  if (rules.presence !== undefined && typeof value === 'string' && value.trim() === '') report(rules.presence);
  if (rules.length !== undefined) checkLength(rules.length, value, report);
  if (rules.format !== undefined && typeof value === 'string' && !rules.format.pattern.test(value)) report(rules.format.message);
  if (rules.inclusion !== undefined && !includes(rules.inclusion.values, value)) report(rules.inclusion.message);
  if (rules.exclusion !== undefined && includes(rules.exclusion.values, value)) report(rules.exclusion.message);
  if (rules.numericality !== undefined) checkNumber(rules.numericality, value, report);
}

function checkLength(rule: NonNullable<CompiledRules['length']>, value: unknown, report: (message: string) => void): void {
  let length: number;
  let unit: string;
  if (typeof value === 'string') {
    // Characters are code points, as the column's own length limit counts them.
    length = value.length;
    if (/[\uD800-\uDBFF]/.test(value)) length = [...value].length;
    unit = 'characters';
  } else if (Array.isArray(value)) {
    length = value.length;
    unit = 'elements';
  } else return;
  if (rule.is !== undefined && length !== rule.is) report(rule.message ?? `is the wrong length (should be ${rule.is} ${unit})`);
  if (rule.min !== undefined && length < rule.min) report(rule.message ?? `is too short (minimum is ${rule.min} ${unit})`);
  if (rule.max !== undefined && length > rule.max) report(rule.message ?? `is too long (maximum is ${rule.max} ${unit})`);
}

function includes(values: readonly unknown[], value: unknown): boolean {
  for (const candidate of values) {
    if (candidate === value) return true;
    if (typeof value === 'bigint' && (typeof candidate === 'number' || typeof candidate === 'string')) {
      if (String(candidate) === value.toString()) return true;
    }
    if (typeof value === 'string' && typeof candidate !== 'object' && safeCompare(value, String(candidate)) === 0 && /^[+-]?[\d.]/.test(value)) {
      return true;
    }
  }
  return false;
}

function checkNumber(rule: NonNullable<ColumnRules['numericality']>, value: unknown, report: (message: string) => void): void {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? numberText(value) : undefined) : typeof value === 'bigint' ? value.toString() : typeof value === 'string' ? value : undefined;
  if (text === undefined || safeCompare(text, '0') === undefined) {
    report(rule.message ?? 'is not a number');
    return;
  }
  const integer = exactIntegerText(text);
  if (rule.integer && integer === undefined) report(rule.message ?? 'must be an integer');
  const bound = (name: 'gt' | 'gte' | 'lt' | 'lte', words: string, ok: (order: number) => boolean) => {
    const limit = rule[name];
    if (limit === undefined) return;
    const limitText = typeof limit === 'number' ? numberText(limit) : String(limit);
    if (!ok(compareDecimals(text, limitText))) report(rule.message ?? `must be ${words} ${limitText}`);
  };
  bound('gt', 'greater than', (order) => order > 0);
  bound('gte', 'greater than or equal to', (order) => order >= 0);
  bound('lt', 'less than', (order) => order < 0);
  bound('lte', 'less than or equal to', (order) => order <= 0);
  if ((rule.odd || rule.even) && integer !== undefined) {
    const lastDigit = Number(integer.slice(-1));
    if (rule.odd && lastDigit % 2 === 0) report(rule.message ?? 'must be odd');
    if (rule.even && lastDigit % 2 === 1) report(rule.message ?? 'must be even');
  }
}

/** A finite number's exact decimal text (`1e21` and `1e-7` forms included: parseDecimal reads them). */
function numberText(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}
