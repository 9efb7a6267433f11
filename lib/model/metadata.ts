import type { ColumnType } from '../backend/column-types';
import { ConfigurationError } from '../errors';
import { processWide } from '../util/process-wide';
import type { ColumnDefault, ReferentialAction } from '../schema/table-definition';
import type { ColumnTypeAdapter } from './column-type-adapter';
import type { CompiledRules } from './lifecycle/column-rules';

/** A model class as the metadata layer sees it (any class; typing lives in model-types.ts). */
export type AnyModelClass = abstract new (...args: never[]) => object;

/** The target of a foreign key, given lazily so that two model files can refer to each other. */
export type ReferenceOption =
  | (() => AnyModelClass)
  | { model: () => AnyModelClass; onDelete?: ReferentialAction; onUpdate?: ReferentialAction };

/** How a primary key gets its value when a new record has none. */
export type KeyGeneration = 'increment' | 'uuid' | 'none';

export interface ColumnMetadata {
  /** Property name on the model. */
  readonly property: string;
  /** Column name in the database. */
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly primary: boolean;
  readonly generation: KeyGeneration;
  readonly unique: boolean;
  readonly default?: ColumnDefault;
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly references?: ReferenceOption;
  /** Declarative validation rules (`validate`), checked on save. */
  readonly rules?: CompiledRules;
  /** Stored encrypted (`encrypted`); `length` is then the stored (ciphertext) length. */
  readonly encryption?: ColumnEncryption;
  /** A custom column type; `type` is then the logical type it is stored as. */
  readonly adapter?: ColumnTypeAdapter<unknown>;
}

export interface ColumnEncryption {
  /** Equal plaintexts give equal stored values, so `where({ column: value })` can find them. */
  readonly deterministic: boolean;
  /** Most characters of plaintext (`string` columns). */
  readonly maxLength?: number;
}

export interface ModelMetadata {
  readonly target: AnyModelClass;
  /** Class name, for messages. */
  readonly name: string;
  readonly table: string;
  /** Connection named by @Model; absent means the application's default connection. */
  readonly connection?: string;
  readonly columns: readonly ColumnMetadata[];
  readonly primaryKey: ColumnMetadata;
  readonly byProperty: ReadonlyMap<string, ColumnMetadata>;
  /** Some column needs 64-bit integers read exactly. */
  readonly hasBigInt: boolean;
}

// Process-wide, so that a model decorated through one copy of the library is known to another.
const declaredColumns = processWide('declared-columns', () => new WeakMap<object, ColumnMetadata[]>());
const models = processWide('models', () => new WeakMap<object, ModelMetadata>());

/** Called by @Column/@PrimaryKey: remember a column on the class being declared. */
export function declareColumn(prototype: object, column: ColumnMetadata): void {
  const list = declaredColumns.get(prototype) ?? [];
  const existing = list.findIndex((c) => c.property === column.property);
  if (existing >= 0) list[existing] = column;
  else list.push(column);
  declaredColumns.set(prototype, list);
}

/**
 * Called by @Model: gather the columns declared on the class and its ancestors (an abstract base
 * class may carry shared columns) and freeze them into the model's metadata.
 */
export function defineModel(target: AnyModelClass, options: { table: string; connection?: string }): ModelMetadata {
  const columns = collectColumns(target);
  const name = target.name;
  const primaryKeys = columns.filter((c) => c.primary);
  if (primaryKeys.length !== 1) {
    throw new ConfigurationError(
      primaryKeys.length === 0
        ? `Model ${name} has no primary key: mark one property with @PrimaryKey()`
        : `Model ${name} has ${primaryKeys.length} primary keys (${primaryKeys.map((c) => c.property).join(', ')}); ` +
            `composite keys are not supported, mark exactly one with @PrimaryKey()`,
      { model: name },
    );
  }
  const seen = new Map<string, string>();
  for (const column of columns) {
    const other = seen.get(column.name);
    if (other) {
      throw new ConfigurationError(
        `Model ${name}: properties ${other} and ${column.property} both map to column '${column.name}'`,
        { model: name, field: column.property },
      );
    }
    seen.set(column.name, column.property);
  }
  const metadata: ModelMetadata = {
    target,
    name,
    table: options.table,
    connection: options.connection,
    columns,
    primaryKey: primaryKeys[0]!,
    byProperty: new Map(columns.map((c) => [c.property, c])),
    hasBigInt: columns.some((c) => c.type === 'bigint'),
  };
  models.set(target, metadata);
  return metadata;
}

function collectColumns(target: AnyModelClass): ColumnMetadata[] {
  const chain: object[] = [];
  for (let proto = target.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  const byProperty = new Map<string, ColumnMetadata>();
  for (const proto of chain) {
    for (const column of declaredColumns.get(proto) ?? []) byProperty.set(column.property, column);
  }
  return [...byProperty.values()];
}

/** The metadata of a model class (or of a subclass of one), or undefined if it is not a model. */
export function findModelMetadata(target: object): ModelMetadata | undefined {
  for (let current: object | null = target; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const metadata = models.get(current);
    if (metadata) return metadata;
  }
  return undefined;
}

export function modelMetadata(target: object): ModelMetadata {
  const metadata = findModelMetadata(target);
  if (!metadata) {
    const name = typeof target === 'function' ? target.name : String(target);
    throw new ConfigurationError(`${name} is not a model: decorate the class with @Model()`, { model: name });
  }
  return metadata;
}
