import type { ColumnDefault, IndexWhere, IndexWhereValue, ReferentialAction } from '../schema/table-definition';

/**
 * Helpers every backend's introspection shares: reading what catalogs print (default
 * expressions, partial index conditions, referential actions) back into the library's values.
 * Pure functions over text, so they are tested with catalog output as data.
 */

/** `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION` (any case, or PostgreSQL's one-letter codes). */
export function referentialAction(value: unknown): ReferentialAction {
  const text = String(value ?? '').trim().toUpperCase().replace(/_/g, ' ');
  switch (text) {
    case 'CASCADE':
    case 'C':
      return 'cascade';
    case 'SET NULL':
    case 'N':
      return 'set null';
    case 'RESTRICT':
    case 'R':
      return 'restrict';
    default:
      return 'no action';
  }
}

/** Remove parentheses that wrap the whole text: `((0))` -> `0`. */
export function unwrapParentheses(text: string): string {
  let result = text.trim();
  while (result.startsWith('(') && result.endsWith(')') && closesAtEnd(result)) result = result.slice(1, -1).trim();
  return result;
}

function closesAtEnd(text: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return depth === 0;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A default as catalogs print it, read back as a literal: `'placed'`, `'it''s'::character
 * varying`, `N'x'`, `((0))`, `12.50`, `true`, `NULL`. Anything else (a function call, an
 * expression) gives undefined: the default is then known only as SQL text.
 */
export function parseDefaultLiteral(sql: string | null | undefined): ColumnDefault | undefined {
  if (sql === null || sql === undefined) return undefined;
  let text = unwrapParentheses(sql);
  // PostgreSQL casts: 'x'::character varying, '12.30'::numeric, (-1)::integer
  text = unwrapParentheses(text.replace(/::[a-z][a-z0-9_ ]*(\([0-9, ]*\))?(\[\])?$/i, ''));
  if (/^null$/i.test(text)) return null;
  if (/^true$/i.test(text)) return true;
  if (/^false$/i.test(text)) return false;
  if (NUMBER.test(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) || !/^[+-]?\d+$/.test(text) ? value : text;
  }
  // Oracle writes date defaults as typed literals: DATE '2024-01-01', TIMESTAMP '...'.
  const quoted = /^(N|E|_[a-z0-9]+\s*|DATE\s+|TIMESTAMP\s+)?'((?:[^']|'')*)'$/is.exec(text);
  if (quoted) {
    const body = quoted[2]!.replace(/''/g, "'");
    return quoted[1]?.toUpperCase() === 'E' ? body.replace(/\\(.)/g, '$1') : body;
  }
  return undefined;
}

/**
 * A partial index condition read back into the library's form, when it is a conjunction of
 * simple comparisons (`"deleted_at" IS NULL AND status = 'active'::text`); undefined otherwise.
 */
export function parseIndexPredicate(sql: string | null | undefined): IndexWhere | undefined {
  if (!sql) return undefined;
  const parts = splitTopLevelAnd(unwrapParentheses(sql));
  const where: Record<string, IndexWhereValue | { not: IndexWhereValue }> = {};
  for (const part of parts) {
    const text = unwrapParentheses(part);
    const match = /^((?:"(?:[^"]|"")+")|(?:`(?:[^`]|``)+`)|(?:\[(?:[^\]]|\]\])+\])|[A-Za-z_][A-Za-z0-9_$]*)\s*(IS\s+NOT\s+NULL|IS\s+NULL|=|<>|!=)\s*(.*)$/is.exec(text);
    if (!match) return undefined;
    const column = unquoteIdentifier(match[1]!);
    const operator = match[2]!.toUpperCase().replace(/\s+/g, ' ');
    if (operator === 'IS NULL') where[column] = null;
    else if (operator === 'IS NOT NULL') where[column] = { not: null };
    else {
      const value = parseDefaultLiteral(match[3]!);
      if (value === undefined) return undefined;
      where[column] = operator === '=' ? value : { not: value };
    }
  }
  return where;
}

function splitTopLevelAnd(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0 && /^\sAND\s/i.test(text.slice(i, i + 5))) {
      parts.push(text.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

export function unquoteIdentifier(name: string): string {
  if (name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1).replace(/""/g, '"');
  if (name.startsWith('`') && name.endsWith('`')) return name.slice(1, -1).replace(/``/g, '`');
  if (name.startsWith('[') && name.endsWith(']')) return name.slice(1, -1).replace(/]]/g, ']');
  return name;
}

/** A catalog value as a number, or undefined (drivers return numbers, bigints or strings). */
export function numberOrUndefined(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** Catalog flags arrive as booleans, 0/1, 'YES'/'NO', 'Y'/'N' or 't'/'f' depending on the database. */
export function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  const text = String(value ?? '').trim().toUpperCase();
  return text === 'YES' || text === 'Y' || text === 'T' || text === 'TRUE' || text === '1';
}

/** A JSON array of names (json_agg output, parsed or not). */
export function nameList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('[')) return (JSON.parse(value) as unknown[]).map(String);
  return [];
}

/** Rows grouped by a key, keeping first-seen order. */
export function groupRows<R>(rows: readonly R[], key: (row: R) => string): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/**
 * A default read back as the column's type: DDL writes some defaults quoted (a bigint default
 * is `'18'`), and catalogs print numbers and booleans as text. Leaves what it cannot read.
 */
export function typedDefault(type: string | undefined, value: ColumnDefault | undefined): ColumnDefault | undefined {
  if (value === undefined || value === null) return value;
  switch (type) {
    case 'integer':
    case 'bigint':
    case 'float': {
      if (typeof value === 'string' && NUMBER.test(value.trim())) {
        const number = Number(value);
        return Number.isSafeInteger(number) || !/^[+-]?\d+$/.test(value.trim()) ? number : value;
      }
      return value;
    }
    case 'boolean':
      if (value === 1 || value === '1' || value === 't' || value === 'true') return true;
      if (value === 0 || value === '0' || value === 'f' || value === 'false') return false;
      return value;
    default:
      return value;
  }
}
