import { ConfigurationError } from '../../errors';
import { processWide } from '../../util/process-wide';
import { declareColumn, modelMetadata, type ColumnMetadata, type ModelMetadata } from '../metadata';

/**
 * Columns the library fills itself: `@CreatedAt`, `@UpdatedAt` (set on insert and update),
 * `@DeletedAt` (soft delete: set by `destroy()`, hidden by the default scope) and `@Version`
 * (optimistic locking: checked and bumped by every update and destroy).
 */
export type ManagedRole = 'createdAt' | 'updatedAt' | 'deletedAt' | 'version';

export interface ManagedColumnOptions {
  /** Column name in the database; default: the property name. */
  name?: string;
}

/** The managed columns of one model, resolved from its class and ancestors. */
export interface ManagedColumns {
  readonly createdAt?: ColumnMetadata;
  readonly updatedAt?: ColumnMetadata;
  readonly deletedAt?: ColumnMetadata;
  readonly version?: ColumnMetadata;
  /** Indexes into `metadata.columns`, aligned with the fields above (-1 when absent). */
  readonly createdAtIndex: number;
  readonly updatedAtIndex: number;
  readonly deletedAtIndex: number;
  readonly versionIndex: number;
  /** Any managed column at all. */
  readonly any: boolean;
}

// Process-wide, as the column declarations themselves (metadata.ts).
const declaredRoles = processWide('managed-column-roles', () => new WeakMap<object, Map<ManagedRole, string>>());
const resolved = processWide('managed-columns', () => new WeakMap<ModelMetadata, ManagedColumns>());

/** `@CreatedAt() createdAt!: Date`: set once, when the record is inserted. */
export function CreatedAt(options: ManagedColumnOptions = {}): PropertyDecorator {
  return managed('createdAt', options, { type: 'datetime', nullable: false });
}

/** `@UpdatedAt() updatedAt!: Date`: set on insert and on every update that changes something. */
export function UpdatedAt(options: ManagedColumnOptions = {}): PropertyDecorator {
  return managed('updatedAt', options, { type: 'datetime', nullable: false });
}

/**
 * `@DeletedAt() deletedAt!: Date | null`: soft delete. `destroy()` sets it instead of deleting
 * the row, and the model's default scope hides rows where it is set.
 */
export function DeletedAt(options: ManagedColumnOptions = {}): PropertyDecorator {
  return managed('deletedAt', options, { type: 'datetime', nullable: true });
}

/**
 * `@Version() lockVersion!: number`: optimistic locking. Starts at 0; every update and destroy
 * of a record checks it still holds the value the record was read with, and bumps it.
 */
export function Version(options: ManagedColumnOptions = {}): PropertyDecorator {
  return managed('version', options, { type: 'integer', nullable: false, default: 0 });
}

function managed(
  role: ManagedRole,
  options: ManagedColumnOptions,
  shape: Pick<ColumnMetadata, 'type' | 'nullable' | 'default'>,
): PropertyDecorator {
  return (prototype, property) => {
    const model = (prototype as { constructor: { name: string } }).constructor.name;
    const decorator = `@${role === 'version' ? 'Version' : role[0]!.toUpperCase() + role.slice(1)}`;
    if (typeof property !== 'string') {
      throw new ConfigurationError(`${model}: ${decorator} cannot be used on a symbol property`, { model });
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '' || options.name.includes('\0'))) {
      throw new ConfigurationError(`${decorator} on ${model}.${property}: name must be a non-empty string`, {
        model,
        field: `${property}.name`,
      });
    }
    const roles = declaredRoles.get(prototype) ?? new Map<ManagedRole, string>();
    const other = roles.get(role);
    if (other !== undefined && other !== property) {
      throw new ConfigurationError(`${model} has two ${decorator} columns (${other} and ${property}); keep one`, {
        model,
        field: property,
      });
    }
    roles.set(role, property);
    declaredRoles.set(prototype, roles);
    declareColumn(prototype, {
      property,
      name: options.name ?? property,
      primary: false,
      generation: 'none',
      unique: false,
      ...shape,
    });
  };
}

/** The managed columns of a model (cached per model). */
export function managedColumns(metadata: ModelMetadata): ManagedColumns {
  let found = resolved.get(metadata);
  if (found === undefined) {
    found = resolve(metadata);
    resolved.set(metadata, found);
  }
  return found;
}

/** The managed columns of a model class. */
export function managedColumnsOf(model: object): ManagedColumns {
  return managedColumns(modelMetadata(model));
}

function resolve(metadata: ModelMetadata): ManagedColumns {
  const byRole = new Map<ManagedRole, string>();
  const chain: object[] = [];
  for (let proto = metadata.target.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  for (const proto of chain) {
    for (const [role, property] of declaredRoles.get(proto) ?? []) {
      const previous = byRole.get(role);
      if (previous !== undefined && previous !== property) {
        throw new ConfigurationError(
          `${metadata.name} inherits a ${role} column (${previous}) and declares another (${property}); keep one`,
          { model: metadata.name, field: property },
        );
      }
      byRole.set(role, property);
    }
  }
  const column = (role: ManagedRole): ColumnMetadata | undefined => {
    const property = byRole.get(role);
    const found = property === undefined ? undefined : metadata.byProperty.get(property);
    // A subclass may redeclare the property with @Column: then it is no longer managed.
    if (found !== undefined && role !== 'version' && found.type !== 'datetime') return undefined;
    return found;
  };
  const createdAt = column('createdAt');
  const updatedAt = column('updatedAt');
  const deletedAt = column('deletedAt');
  const version = column('version');
  const index = (c: ColumnMetadata | undefined) => (c === undefined ? -1 : metadata.columns.indexOf(c));
  return {
    createdAt,
    updatedAt,
    deletedAt,
    version,
    createdAtIndex: index(createdAt),
    updatedAtIndex: index(updatedAt),
    deletedAtIndex: index(deletedAt),
    versionIndex: index(version),
    any: createdAt !== undefined || updatedAt !== undefined || deletedAt !== undefined || version !== undefined,
  };
}
