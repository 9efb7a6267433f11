import { isColumnType, type ColumnType } from '../backend/column-types';
import { ConfigurationError } from '../errors';
import { processWide } from '../util/process-wide';

/**
 * A custom column type: how values of your own JavaScript type are stored in one of the logical
 * column types, per dialect if need be.
 *
 * ```ts
 * const Money = defineColumnType<Money>('money', {
 *   storedAs: 'decimal',
 *   cast: (value) => (value instanceof Money ? value : Money.parse(String(value))),
 *   toDatabase: (money) => money.toFixed(2),            // a decimal string
 *   fromDatabase: (text) => Money.parse(text as string), // what the dialect read for a decimal
 * });
 * @Column(Money, { precision: 12, scale: 2 }) price!: Money;
 * ```
 */
export interface ColumnTypeAdapter<T> {
  /** The name it was defined with, for messages. */
  readonly name: string;
  /** The logical type values are stored as: its DDL, driver conversion and readers apply. */
  readonly storedAs: ColumnType;
  /**
   * Bring an assigned or filter value to T (a route parameter arrives as a string). Throw a
   * TypeError whose message says what was expected, without quoting the value. Default: as is.
   */
  cast?(value: unknown): T;
  /** T to a JavaScript value of `storedAs` (a string for 'decimal', a Date for 'datetime', ...). */
  toDatabase(value: T, dialect: string): unknown;
  /** A JavaScript value of `storedAs`, as the dialect read it, back to T. */
  fromDatabase(value: unknown, dialect: string): T;
  /**
   * A comparable form of a value, to tell whether a record's attribute changed (also when it
   * was changed in place). Default: the stored form, `toDatabase(value)`, fingerprinted as its
   * `storedAs` type is.
   */
  fingerprint?(value: T): unknown;
}

export type ColumnTypeSpec<T> = Omit<ColumnTypeAdapter<T>, 'name'>;

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const defined = processWide('column-type-adapters', () => new Map<string, ColumnTypeAdapter<unknown>>());

/**
 * Define (and register under `name`) a custom column type, to pass to `@Column(adapter, options)`.
 * Names are unique per process: defining one twice is an error (two types with one name would
 * be indistinguishable in messages and migrations).
 */
export function defineColumnType<T>(name: string, spec: ColumnTypeSpec<T>): ColumnTypeAdapter<T> {
  const fail = (message: string): never => {
    throw new ConfigurationError(`defineColumnType('${String(name)}'): ${message}`, { field: 'columnType' });
  };
  if (typeof name !== 'string' || !NAME.test(name)) fail('the name must start with a letter and hold only letters, digits and _');
  if (!spec || typeof spec !== 'object') fail('needs { storedAs, toDatabase, fromDatabase }');
  if (!isColumnType(spec.storedAs)) fail(`storedAs must be one of the logical types, not ${JSON.stringify(spec.storedAs)}`);
  for (const method of ['toDatabase', 'fromDatabase'] as const) {
    if (typeof spec[method] !== 'function') fail(`${method} must be a function`);
  }
  for (const method of ['cast', 'fingerprint'] as const) {
    if (spec[method] !== undefined && typeof spec[method] !== 'function') fail(`${method} must be a function when given`);
  }
  if (defined.has(name)) fail('a column type with this name is already defined');
  const adapter: ColumnTypeAdapter<T> = Object.freeze({ ...spec, name });
  defined.set(name, adapter as ColumnTypeAdapter<unknown>);
  return adapter;
}

/** A registered custom column type by name. */
export function columnTypeNamed(name: string): ColumnTypeAdapter<unknown> | undefined {
  return defined.get(name);
}

export function isColumnTypeAdapter(value: unknown): value is ColumnTypeAdapter<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ColumnTypeAdapter<unknown>).toDatabase === 'function' &&
    typeof (value as ColumnTypeAdapter<unknown>).fromDatabase === 'function' &&
    isColumnType((value as ColumnTypeAdapter<unknown>).storedAs)
  );
}
