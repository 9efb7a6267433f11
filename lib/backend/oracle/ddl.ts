import { ConfigurationError } from '../../errors';
import type { ColumnDefault, ColumnDefinition, ForeignKeyDefinition } from '../../schema/table-definition';
import type { ColumnType } from '../column-types';
import { toDateOnly, toDecimalString, toInstant, toJsonText, toUuid } from '../value-conversion';

/**
 * Oracle DDL pieces. Oracle wants `DEFAULT` before the column's constraints, has no boolean
 * literals and no `ON UPDATE` actions, and (before 23ai) no `IF [NOT] EXISTS`: the dialect wraps
 * those statements in PL/SQL blocks that swallow only "already exists" / "does not exist".
 */

/** ORA-00955: name is already used by an existing object. */
const ALREADY_EXISTS = -955;
/** ORA-00942: table or view does not exist. */
const DOES_NOT_EXIST = -942;

export function quoteOracleString(value: string): string {
  if (value.includes('\0')) throw new TypeError('a default cannot contain a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Run `ddl` in a PL/SQL block, ignoring the one error code that means "nothing to do". The
 * DDL text goes into a string literal (quotes doubled), so no identifier or default in it can
 * end the literal early.
 */
export function ignoringOracleError(ddl: string, sqlcode: 'already exists' | 'does not exist'): string {
  const code = sqlcode === 'already exists' ? ALREADY_EXISTS : DOES_NOT_EXIST;
  return (
    `BEGIN\n  EXECUTE IMMEDIATE ${quoteOracleString(ddl)};\n` +
    `EXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != ${code} THEN RAISE; END IF;\nEND;`
  );
}

/** A default value as an Oracle literal; values come from decorators, never from requests. */
export function oracleLiteral(type: ColumnType, value: ColumnDefault): string {
  if (value === null) return 'NULL';
  switch (type) {
    case 'boolean':
      if (value === true || value === 1) return '1';
      if (value === false || value === 0) return '0';
      throw new TypeError('a boolean default must be true or false');
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'float': {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('default must be a finite number');
      // Validated against a strict number pattern, so it is safe unquoted.
      return toDecimalString(value);
    }
    case 'string':
    case 'text':
      return quoteOracleString(String(value));
    case 'json':
      return quoteOracleString(toJsonText(value));
    case 'date':
      return `DATE '${toDateOnly(value)}'`;
    case 'datetime': {
      const iso = toInstant(value).toISOString();
      return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)} +00:00'`;
    }
    case 'uuid':
      return `HEXTORAW('${toUuid(value).replace(/-/g, '')}')`;
    case 'binary':
      throw new TypeError('a binary column cannot take a literal default');
  }
}

/** Oracle knows ON DELETE CASCADE / SET NULL only; NO ACTION (= RESTRICT here) is its default. */
export function oracleReferentialActions(ref: ForeignKeyDefinition, column: ColumnDefinition): string {
  let sql = '';
  if (ref.onDelete === 'cascade') sql += ' ON DELETE CASCADE';
  else if (ref.onDelete === 'set null') sql += ' ON DELETE SET NULL';
  if (ref.onUpdate === 'cascade' || ref.onUpdate === 'set null') {
    throw new ConfigurationError(
      `Column '${column.name}': Oracle has no ON UPDATE ${ref.onUpdate.toUpperCase()} for foreign keys; ` +
        `remove onUpdate (primary keys are not updated in place) or use 'no action'`,
      { field: column.name },
    );
  }
  return sql;
}
