import { isColumnType, type ColumnType } from '../../backend/column-types';
import { defaultForeignKeyName } from '../../backend/schema-names';
import { ConfigurationError } from '../../errors';
import type { ColumnDefault, ColumnDefinition, IndexWhere, ReferentialAction } from '../table-definition';

/** The target of a column's foreign key in a migration. */
export interface ReferenceSpec {
  table: string;
  /** Default: `id`. */
  column?: string;
  onDelete?: ReferentialAction;
  onUpdate?: ReferentialAction;
  /** Constraint name; default `fk_<table>_<column>`. */
  name?: string;
}

/** A column in a migration: what `@Column` says, with the same defaults. */
export interface ColumnSpec {
  /** Allow NULL; default false. */
  nullable?: boolean;
  default?: ColumnDefault;
  unique?: boolean;
  /** `string` columns: default 255. */
  length?: number;
  /** `decimal` columns: default 12 and 2. */
  precision?: number;
  scale?: number;
  primary?: boolean;
  /** A generated key (identity / auto-increment); only with `primary`. */
  autoIncrement?: boolean;
  references?: ReferenceSpec;
  /** Also index the column (`true`, or `{ name }`). */
  index?: boolean | { name?: string };
}

/** What `alterColumn` can change: the column's type, nullability, default and size. */
export type AlterColumnSpec = Pick<ColumnSpec, 'nullable' | 'default' | 'length' | 'precision' | 'scale'>;

export interface IndexSpec {
  unique?: boolean;
  /** Partial index condition by column name (see IndexWhere). */
  where?: IndexWhere;
  /** Default `ix_<table>_<columns>` (`ux_` when unique). */
  name?: string;
}

const REFERENTIAL_ACTIONS: readonly ReferentialAction[] = ['cascade', 'set null', 'restrict', 'no action'];
const SPEC_KEYS = ['nullable', 'default', 'unique', 'length', 'precision', 'scale', 'primary', 'autoIncrement', 'references', 'index'];

/** A column definition from a migration's column spec, checked; every message names table and column. */
export function columnFromSpec(table: string, name: string, type: ColumnType, spec: ColumnSpec = {}, allowed = SPEC_KEYS): ColumnDefinition {
  const fail = (message: string): never => {
    throw new ConfigurationError(`Column ${table}.${String(name)}: ${message}`, { field: `${table}.${String(name)}` });
  };
  checkName(name, `column of ${table}`);
  if (!isColumnType(type)) fail(`unknown type ${JSON.stringify(type)} (types: string, text, integer, bigint, float, decimal, boolean, date, datetime, json, binary, uuid)`);
  if (typeof spec !== 'object' || spec === null) fail('options must be an object');
  const unknown = Object.keys(spec).find((key) => !allowed.includes(key));
  if (unknown) fail(`'${unknown}' is not an option here (options: ${allowed.join(', ')})`);
  const positive = (value: unknown, field: string) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) fail(`${field} must be a positive integer`);
  };
  positive(spec.length, 'length');
  positive(spec.precision, 'precision');
  if (spec.scale !== undefined && !(Number.isInteger(spec.scale) && spec.scale >= 0)) fail('scale must be a non-negative integer');
  if (spec.autoIncrement && !spec.primary) fail('autoIncrement needs primary: true');
  const primary = spec.primary ?? false;
  let references: ColumnDefinition['references'];
  if (spec.references !== undefined) {
    const ref = spec.references;
    if (typeof ref !== 'object' || ref === null) fail(`references must be { table, column?, onDelete?, onUpdate? }`);
    checkName(ref.table, `references.table of ${table}.${name}`);
    for (const action of [ref.onDelete, ref.onUpdate]) {
      if (action !== undefined && !REFERENTIAL_ACTIONS.includes(action)) fail(`referential actions are ${REFERENTIAL_ACTIONS.join(', ')}`);
    }
    references = {
      table: ref.table,
      column: ref.column ?? 'id',
      onDelete: ref.onDelete,
      onUpdate: ref.onUpdate,
      name: ref.name ?? defaultForeignKeyName(table, name),
    };
  }
  return {
    name,
    type,
    nullable: primary ? false : (spec.nullable ?? false),
    primary,
    autoIncrement: spec.autoIncrement ?? false,
    unique: spec.unique ?? false,
    default: spec.default,
    length: type === 'string' || (type === 'binary' && spec.length !== undefined) ? (spec.length ?? 255) : undefined,
    precision: type === 'decimal' ? (spec.precision ?? 12) : undefined,
    scale: type === 'decimal' ? (spec.scale ?? 2) : undefined,
    references,
  };
}

export const ALTER_KEYS = ['nullable', 'default', 'length', 'precision', 'scale'];

export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    throw new ConfigurationError(`The ${what} must be a non-empty string, got ${JSON.stringify(name)}`);
  }
}
