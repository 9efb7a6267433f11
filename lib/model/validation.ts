import { ValidationError } from '../errors';
import type { ColumnMetadata, ModelMetadata } from './metadata';
import { checkRules } from './lifecycle/column-rules';
import { castForWrite } from './type-casting';

export interface AttributeIssue {
  attribute: string;
  message: string;
}

export interface CastOptions {
  /** Prefix for attribute names in issues, e.g. `rows[3].` for insertAll. */
  prefix?: string;
  /** Check the columns' `validate` rules too (default true; `updateAll` skips validations). */
  rules?: boolean;
  /** Columns the library fills before the write (timestamps): not required of the caller. */
  filled?: ReadonlySet<ColumnMetadata>;
}

/**
 * Check and cast one set of attribute values before it is written, collecting every problem:
 * a required attribute missing, NULL where the column forbids it, a value that is not of the
 * column's type, a string longer than its column. Nothing reaches the database unless all pass.
 * Returns the cast values, aligned with `metadata.columns` (undefined: not given).
 */
export function castAttributes(
  metadata: ModelMetadata,
  read: (column: ColumnMetadata) => unknown,
  mode: 'insert' | 'update',
  issues: AttributeIssue[],
  options: CastOptions = {},
): unknown[] {
  const { prefix = '', rules = true, filled } = options;
  return metadata.columns.map((column) => {
    const value = read(column);
    const generated = column.primary && column.generation !== 'none';
    const attribute = prefix + column.property;
    if (value === undefined || value === null) {
      const missing = value === undefined;
      // A nullable column left NULL (not by its default's grace) breaks `presence`.
      const presence = rules ? column.rules?.presence : undefined;
      if (presence !== undefined && column.nullable && !(missing && (mode === 'update' || (column.default ?? null) !== null))) {
        issues.push({ attribute, message: presence });
      }
      if (mode === 'insert' && (generated || (missing && (column.default !== undefined || column.nullable)))) return value;
      if (filled?.has(column)) return value;
      if (mode === 'update' && missing) return value;
      if (!column.nullable) issues.push({ attribute, message: missing ? 'is required' : 'cannot be null' });
      return value;
    }
    let cast: unknown;
    try {
      cast = castForWrite(column, value);
    } catch (error) {
      issues.push({ attribute, message: error instanceof Error ? error.message : String(error) });
      return value;
    }
    if (rules && column.rules !== undefined) checkRules(column.rules, cast, (message) => issues.push({ attribute, message }));
    return cast;
  });
}

export function throwIfInvalid(metadata: ModelMetadata, issues: readonly AttributeIssue[]): void {
  if (issues.length === 0) return;
  const summary = issues.map((issue) => `${issue.attribute} ${issue.message}`).join('; ');
  throw new ValidationError(`${metadata.name} is invalid: ${summary}`, issues, { model: metadata.name });
}
