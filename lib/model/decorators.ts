import { isColumnType, type ColumnType } from '../backend/column-types';
import { ConfigurationError } from '../errors';
import type { ColumnDefault } from '../schema/table-definition';
import { tableNameFor } from '../util/inflection';
import { declareColumn, defineModel, type AnyModelClass, type KeyGeneration, type ReferenceOption } from './metadata';
import { declareConnectionName } from '../connection/declared-names';
import { isColumnTypeAdapter, type ColumnTypeAdapter } from './column-type-adapter';
import { columnExtras, type EncryptedColumnOptions } from './lifecycle/column-extras';
import type { ColumnRules } from './lifecycle/column-rules';
import { declareColumnIndex, type ColumnIndexOption } from './index-metadata';

export interface ModelOptions {
  /** Table name; default: the class name in snake_case, pluralised (`InvoiceLine` -> `invoice_lines`). */
  table?: string;
  /** Connection the model lives on; default: the application's default connection. */
  connection?: string;
}

export interface ColumnOptions {
  /**
   * Logical type (inferred from the TypeScript type where that is unambiguous), or a custom
   * type made with `defineColumnType`.
   */
  type?: ColumnType | ColumnTypeAdapter<unknown>;
  /** Column name in the database; default: the property name. */
  name?: string;
  /** Allow NULL; default false. */
  nullable?: boolean;
  /** Default written into the table definition (a literal). */
  default?: ColumnDefault;
  unique?: boolean;
  /** `string` columns: maximum length; default 255. */
  length?: number;
  /** `decimal` columns: total digits (default 12) and digits after the point (default 2). */
  precision?: number;
  scale?: number;
  /** Foreign key to another model's primary key: `references: () => User`. */
  references?: ReferenceOption;
  /** Validation rules checked on save: `{ length: { min: 2 }, format: /^[a-z]+$/ }` (see docs/model-lifecycle.md). */
  validate?: ColumnRules;
  /**
   * Store the value encrypted (AES-256-GCM, keys from the `encryption` option); `length` is
   * then the most characters of plaintext. `{ deterministic: true }` lets `where` find values.
   */
  encrypted?: boolean | EncryptedColumnOptions;
  /** Index this column (`true`, or `{ name }`); for several columns or a partial index, use @Index. */
  index?: ColumnIndexOption;
}

export interface PrimaryKeyOptions {
  /** Key type; default inferred (`number` -> `integer`). */
  type?: 'integer' | 'bigint' | 'uuid' | 'string';
  name?: string;
  /**
   * Generate the key for new records: database auto-increment for integer keys, a random UUID
   * (made in the application) for uuid keys. Default true for both, false for string keys.
   */
  generated?: boolean;
  length?: number;
}

/** Marks a class as a model stored in `table` on `connection`. */
export function Model(options: ModelOptions = {}): ClassDecorator {
  return (target) => {
    const name = target.name;
    if (options.table !== undefined && (typeof options.table !== 'string' || options.table.trim() === '')) {
      throw new ConfigurationError(`@Model on ${name}: table must be a non-empty string`, { model: name, field: 'table' });
    }
    if (options.connection !== undefined) {
      if (typeof options.connection !== 'string' || options.connection.trim() === '') {
        throw new ConfigurationError(`@Model on ${name}: connection must be a non-empty string`, {
          model: name,
          field: 'connection',
        });
      }
      declareConnectionName(options.connection);
    }
    defineModel(target as unknown as AnyModelClass, {
      table: options.table ?? tableNameFor(name),
      connection: options.connection,
    });
  };
}

/**
 * A persisted attribute: `@Column()`, `@Column({ unique: true })`, or with the type first,
 * `@Column('integer', { nullable: true }) age!: number | null`. The type can be inferred from
 * `string`, `number` (integer), `boolean`, `Date`, `Buffer` and `bigint`; a union such as
 * `number | null` compiles to `Object` under strictNullChecks, so nullable columns name theirs.
 */
export function Column(options?: ColumnOptions): PropertyDecorator;
export function Column(type: ColumnType | ColumnTypeAdapter<unknown>, options?: Omit<ColumnOptions, 'type'>): PropertyDecorator;
export function Column(
  typeOrOptions: ColumnType | ColumnTypeAdapter<unknown> | ColumnOptions = {},
  more: Omit<ColumnOptions, 'type'> = {},
): PropertyDecorator {
  const options: ColumnOptions =
    typeof typeOrOptions === 'string' || isColumnTypeAdapter(typeOrOptions) ? { ...more, type: typeOrOptions } : typeOrOptions;
  return (prototype, property) => {
    const { model, prop } = names(prototype, property);
    const adapter = isColumnTypeAdapter(options.type) ? options.type : undefined;
    const type = adapter?.storedAs ?? (options.type as ColumnType | undefined) ?? inferType(prototype, prop, model);
    checkColumnOptions(options, type, model, prop);
    const extras = columnExtras(options, type, adapter, model, prop);
    declareColumn(prototype, {
      property: prop,
      name: options.name ?? prop,
      type,
      nullable: options.nullable ?? false,
      primary: false,
      generation: 'none',
      unique: extras.unique ?? options.unique ?? false,
      default: options.default,
      length: extras.length ?? (type === 'string' ? (options.length ?? 255) : undefined),
      precision: type === 'decimal' ? (options.precision ?? 12) : undefined,
      scale: type === 'decimal' ? (options.scale ?? 2) : undefined,
      references: options.references,
      rules: extras.rules,
      encryption: extras.encryption,
      adapter: extras.adapter,
    });
    declareColumnIndex(prototype, prop, options.index);
  };
}

/** The model's primary key (exactly one per model). */
export function PrimaryKey(options: PrimaryKeyOptions = {}): PropertyDecorator {
  return (prototype, property) => {
    const { model, prop } = names(prototype, property);
    const type = options.type ?? inferType(prototype, prop, model);
    if (!['integer', 'bigint', 'uuid', 'string'].includes(type)) {
      throw new ConfigurationError(
        `@PrimaryKey on ${model}.${prop}: a key must be integer, bigint, uuid or string, not ${type}`,
        { model, field: prop },
      );
    }
    const generated = options.generated ?? type !== 'string';
    const generation: KeyGeneration = !generated ? 'none' : type === 'uuid' ? 'uuid' : 'increment';
    if (generation === 'increment' && type === 'string') {
      throw new ConfigurationError(`@PrimaryKey on ${model}.${prop}: string keys cannot be generated`, {
        model,
        field: prop,
      });
    }
    declareColumn(prototype, {
      property: prop,
      name: options.name ?? prop,
      type,
      nullable: false,
      primary: true,
      generation,
      unique: false,
      length: type === 'string' ? (options.length ?? 255) : undefined,
    });
  };
}

function names(prototype: object, property: string | symbol): { model: string; prop: string } {
  const model = (prototype as { constructor: { name: string } }).constructor.name;
  if (typeof property !== 'string') {
    throw new ConfigurationError(`${model}: symbol properties cannot be columns`, { model });
  }
  return { model, prop: property };
}

const INFERRED: ReadonlyMap<unknown, ColumnType> = new Map<unknown, ColumnType>([
  [String, 'string'],
  [Number, 'integer'],
  [Boolean, 'boolean'],
  [Date, 'datetime'],
  [Buffer, 'binary'],
  [Uint8Array, 'binary'],
  [BigInt, 'bigint'],
  [Array, 'json'],
]);

/** Infer a column type from TypeScript's emitted `design:type`, or ask for an explicit one. */
function inferType(prototype: object, property: string, model: string): ColumnType {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, prop: string) => unknown };
  const designType = reflect.getMetadata?.('design:type', prototype, property);
  const inferred = INFERRED.get(designType);
  if (inferred) return inferred;
  const seen =
    designType === undefined
      ? 'no type information (is emitDecoratorMetadata on?)'
      : designType === Object
        ? 'type Object (what TypeScript emits for a union such as `number | null` under strictNullChecks, or for an object type)'
        : `type ${(designType as { name?: string }).name ?? 'unknown'}`;
  throw new ConfigurationError(
    `${model}.${property}: cannot infer a column type from ${seen}; give it explicitly, ` +
      `e.g. @Column('integer', { nullable: true }) or @Column({ type: 'json' }) (types: string, text, integer, bigint, float, decimal, boolean, date, datetime, json, binary, uuid)`,
    { model, field: property },
  );
}

function checkColumnOptions(options: ColumnOptions, type: ColumnType, model: string, prop: string): void {
  const fail = (message: string, field: string) => {
    throw new ConfigurationError(`@Column on ${model}.${prop}: ${message}`, { model, field: `${prop}.${field}` });
  };
  if (!isColumnType(type)) fail(`unknown type '${String(type)}'`, 'type');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '' || options.name.includes('\0'))) {
    fail('name must be a non-empty string', 'name');
  }
  const positive = (value: number | undefined, field: string) => {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) fail(`${field} must be a positive integer`, field);
  };
  positive(options.length, 'length');
  positive(options.precision, 'precision');
  if (options.scale !== undefined && !(Number.isInteger(options.scale) && options.scale >= 0)) {
    fail('scale must be a non-negative integer', 'scale');
  }
  if ((options.scale ?? 0) > (options.precision ?? 12)) fail('scale cannot exceed precision', 'scale');
}
