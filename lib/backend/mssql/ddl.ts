import type { ColumnDefault, ForeignKeyDefinition } from '../../schema/table-definition';
import type { ColumnType } from '../column-types';
import { toDateOnly, toDecimalString, toInstant, toJsonText, toUuid } from '../value-conversion';

/** A Unicode string literal (N'...'), quotes doubled. Only used for DDL text from decorators. */
export function quoteMssqlString(value: string): string {
  if (value.includes('\0')) throw new TypeError('a default cannot contain a NUL character');
  return `N'${value.replace(/'/g, "''")}'`;
}

/** A default value as a T-SQL literal; values come from decorators, never from requests. */
export function mssqlLiteral(type: ColumnType, value: ColumnDefault): string {
  if (value === null) return 'NULL';
  switch (type) {
    case 'boolean':
      if (value === true || value === 1) return '1';
      if (value === false || value === 0) return '0';
      throw new TypeError('a boolean default must be true or false');
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'float':
      if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('default must be a finite number');
      // Validated against a strict number pattern, so it is safe unquoted.
      return toDecimalString(value);
    case 'string':
    case 'text':
      return quoteMssqlString(String(value));
    case 'json':
      return quoteMssqlString(toJsonText(value));
    case 'date':
      return `'${toDateOnly(value)}'`;
    case 'datetime': {
      const iso = toInstant(value).toISOString();
      return `'${iso.slice(0, 10)} ${iso.slice(11, 23)} +00:00'`;
    }
    case 'uuid':
      return `'${toUuid(value)}'`;
    case 'binary':
      throw new TypeError('a binary column cannot take a literal default');
  }
}

/** RESTRICT is SQL Server's NO ACTION, its default: only CASCADE and SET NULL are written. */
export function mssqlReferentialActions(ref: ForeignKeyDefinition): string {
  const action = (event: 'DELETE' | 'UPDATE', choice: ForeignKeyDefinition['onDelete']) =>
    choice === 'cascade' ? ` ON ${event} CASCADE` : choice === 'set null' ? ` ON ${event} SET NULL` : '';
  return action('DELETE', ref.onDelete) + action('UPDATE', ref.onUpdate);
}
