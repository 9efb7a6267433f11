import { ValidationError } from '../errors';
import type { ColumnMetadata, ModelMetadata } from './metadata';
import { castValue } from './type-casting';

export interface AttributeIssue {
  attribute: string;
  message: string;
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
  /** Prefix for attribute names in issues, e.g. `rows[3].` for insertAll. */
  prefix = '',
): unknown[] {
  return metadata.columns.map((column) => {
    const value = read(column);
    const generated = column.primary && column.generation !== 'none';
    if (value === undefined || value === null) {
      const missing = value === undefined;
      if (mode === 'insert' && (generated || (missing && (column.default !== undefined || column.nullable)))) return value;
      if (mode === 'update' && missing) return value;
      if (!column.nullable) issues.push({ attribute: prefix + column.property, message: missing ? 'is required' : 'cannot be null' });
      return value;
    }
    try {
      const cast = castValue(column.type, value);
      if (column.length !== undefined && typeof cast === 'string' && [...cast].length > column.length) {
        issues.push({ attribute: prefix + column.property, message: `is longer than ${column.length} characters` });
      }
      return cast;
    } catch (error) {
      issues.push({ attribute: prefix + column.property, message: error instanceof Error ? error.message : String(error) });
      return value;
    }
  });
}

export function throwIfInvalid(metadata: ModelMetadata, issues: readonly AttributeIssue[]): void {
  if (issues.length === 0) return;
  const summary = issues.map((issue) => `${issue.attribute} ${issue.message}`).join('; ');
  throw new ValidationError(`${metadata.name} is invalid: ${summary}`, issues, { model: metadata.name });
}
