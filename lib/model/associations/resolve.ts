import type { ColumnType } from '../../backend/column-types';
import { ConfigurationError, UnknownColumnError } from '../../errors';
import { findModelMetadata, type AnyModelClass, type ColumnMetadata, type ModelMetadata } from '../metadata';
import type { ModelClass } from '../model-types';
import { declaredAssociations, type AssociationDeclaration, type AssociationKind, type AssociationScope } from './declarations';

/** The join model of a many-to-many association and its two keys. */
export interface ThroughAssociation {
  readonly model: ModelMetadata;
  readonly modelClass: ModelClass;
  /** The join model's column holding the owner's key. */
  readonly ownerKey: ColumnMetadata;
  /** The join model's column holding the target's key. */
  readonly targetKey: ColumnMetadata;
}

/**
 * An association with both ends resolved to columns. Whatever the kind, a target record belongs
 * to an owner record when `target[targetKey] == owner[ownerKey]` (directly, or through a join
 * row holding both keys).
 */
export interface ResolvedAssociation {
  readonly name: string;
  readonly kind: AssociationKind;
  readonly owner: ModelMetadata;
  readonly target: ModelMetadata;
  readonly targetClass: ModelClass;
  /** hasMany: an array of records; otherwise one record or null. */
  readonly collection: boolean;
  /** belongsTo: this model's foreign key; hasMany/hasOne: the key it points at (its primary key by default). */
  readonly ownerKey: ColumnMetadata;
  /** belongsTo: the key the foreign key points at; hasMany/hasOne: the target's foreign key (or, through, the target's key). */
  readonly targetKey: ColumnMetadata;
  readonly through?: ThroughAssociation;
  readonly scope?: AssociationScope;
}

const resolved = new WeakMap<object, ReadonlyMap<string, ResolvedAssociation>>();

/** Every association of a model, resolved and checked; cached per class. Throws ConfigurationError. */
export function associationsOf(model: AnyModelClass): ReadonlyMap<string, ResolvedAssociation> {
  let associations = resolved.get(model);
  if (associations === undefined) {
    const owner = requireModel(model, `${model.name}`);
    const map = new Map<string, ResolvedAssociation>();
    for (const declaration of declaredAssociations(model)) {
      if (owner.byProperty.has(declaration.property)) {
        throw new ConfigurationError(`${owner.name}.${declaration.property} is declared both as a column and as an association`, {
          model: owner.name,
          field: declaration.property,
        });
      }
      map.set(declaration.property, resolveAssociation(owner, declaration));
    }
    associations = map;
    resolved.set(model, associations);
  }
  return associations;
}

/** One association by name, or UnknownColumnError listing the model's associations. */
export function associationOf(model: AnyModelClass, name: string, method: string): ResolvedAssociation {
  const associations = associationsOf(model);
  const association = associations.get(name);
  if (association === undefined) {
    const owner = requireModel(model, model.name);
    const known = [...associations.keys()];
    throw new UnknownColumnError(
      `${owner.name}.${method}: unknown association '${name}' (${known.length > 0 ? `associations: ${known.join(', ')}` : `${owner.name} declares none`})`,
      { model: owner.name, field: name },
    );
  }
  return association;
}

/** The association on the target that leads back to the owner over the same keys, if one is declared. */
export function inverseOf(association: ResolvedAssociation): ResolvedAssociation | undefined {
  if (association.through !== undefined) return undefined;
  for (const candidate of associationsOf(association.targetClass).values()) {
    if (candidate.target !== association.owner || candidate.through !== undefined) continue;
    const backwards = candidate.ownerKey === association.targetKey && candidate.targetKey === association.ownerKey;
    if (!backwards) continue;
    // A belongsTo's inverse must be single-valued: a partial collection would be a lie.
    if (association.kind === 'belongsTo' && candidate.kind !== 'hasOne') continue;
    if (association.kind !== 'belongsTo' && candidate.kind !== 'belongsTo') continue;
    return candidate;
  }
  return undefined;
}

function resolveAssociation(owner: ModelMetadata, declaration: AssociationDeclaration): ResolvedAssociation {
  const label = `${owner.name}.${declaration.property}`;
  const targetClass = callTarget(declaration.target, label, 'target');
  const target = requireModel(targetClass, `${label}: the target`);
  const base = {
    name: declaration.property,
    kind: declaration.kind,
    owner,
    target,
    targetClass: targetClass as unknown as ModelClass,
    collection: declaration.kind === 'hasMany',
    scope: declaration.scope,
  };
  if (declaration.kind === 'belongsTo') {
    const ownerKey = declaration.foreignKey
      ? attribute(owner, declaration.foreignKey, `${label}: foreignKey`)
      : inferBelongsToKey(owner, target, label, declaration.property);
    const targetKey = declaration.primaryKey ? attribute(target, declaration.primaryKey, `${label}: primaryKey`) : target.primaryKey;
    checkCompatible(label, owner, ownerKey, target, targetKey);
    return { ...base, ownerKey, targetKey };
  }
  const ownerKey = declaration.primaryKey ? attribute(owner, declaration.primaryKey, `${label}: primaryKey`) : owner.primaryKey;
  if (declaration.through === undefined) {
    const targetKey = declaration.foreignKey
      ? attribute(target, declaration.foreignKey, `${label}: foreignKey`)
      : inferForeignKeyTo(target, owner, label, 'foreignKey');
    checkCompatible(label, owner, ownerKey, target, targetKey);
    return { ...base, ownerKey, targetKey };
  }
  const throughClass = callTarget(declaration.through, label, 'through');
  const join = requireModel(throughClass, `${label}: through`);
  const throughOwnerKey = declaration.foreignKey
    ? attribute(join, declaration.foreignKey, `${label}: foreignKey`)
    : inferForeignKeyTo(join, owner, label, 'foreignKey');
  const throughTargetKey = declaration.otherKey
    ? attribute(join, declaration.otherKey, `${label}: otherKey`)
    : inferForeignKeyTo(join, target, label, 'otherKey');
  if (throughOwnerKey === throughTargetKey) {
    throw new ConfigurationError(
      `${label}: ${join.name}.${throughOwnerKey.property} cannot point at both ${owner.name} and ${target.name}; ` +
        `give foreignKey and otherKey`,
      { model: owner.name, field: declaration.property },
    );
  }
  const targetKey = target.primaryKey;
  checkCompatible(label, owner, ownerKey, join, throughOwnerKey);
  checkCompatible(label, join, throughTargetKey, target, targetKey);
  return {
    ...base,
    ownerKey,
    targetKey,
    through: { model: join, modelClass: throughClass as unknown as ModelClass, ownerKey: throughOwnerKey, targetKey: throughTargetKey },
  };
}

/**
 * belongsTo's foreign key on `owner`: `<property>Id` if the model has it, else the one column
 * whose `references` names the target. Two candidates is an error naming both models.
 */
function inferBelongsToKey(owner: ModelMetadata, target: ModelMetadata, label: string, property: string): ColumnMetadata {
  const conventional = owner.byProperty.get(`${property}Id`);
  if (conventional) return conventional;
  const referencing = owner.columns.filter((column) => referencedModel(column) === target);
  if (referencing.length === 1) return referencing[0]!;
  throw keyNotInferred(label, owner, target, referencing, `${property}Id`, 'foreignKey');
}

/**
 * The column of `holder` pointing at `pointee`: from the one @BelongsTo on `holder` targeting
 * `pointee`, else `<pointee in camelCase>Id`, else the one column whose `references` names it.
 */
function inferForeignKeyTo(holder: ModelMetadata, pointee: ModelMetadata, label: string, option: string): ColumnMetadata {
  const belongsTo = declaredAssociations(holder.target).filter(
    (d) => d.kind === 'belongsTo' && findModelMetadata(safeTarget(d.target) ?? {}) === pointee,
  );
  if (belongsTo.length === 1) {
    const declaration = belongsTo[0]!;
    return declaration.foreignKey
      ? attribute(holder, declaration.foreignKey, `${holder.name}.${declaration.property}: foreignKey`)
      : inferBelongsToKey(holder, pointee, `${holder.name}.${declaration.property}`, declaration.property);
  }
  if (belongsTo.length > 1) {
    throw new ConfigurationError(
      `${label}: ${holder.name} has ${belongsTo.length} @BelongsTo associations to ${pointee.name} ` +
        `(${belongsTo.map((d) => d.property).join(', ')}); say which key to use with ${option}`,
      { model: label.split('.')[0], field: option },
    );
  }
  const name = `${pointee.name.charAt(0).toLowerCase()}${pointee.name.slice(1)}Id`;
  const conventional = holder.byProperty.get(name);
  if (conventional) return conventional;
  const referencing = holder.columns.filter((column) => referencedModel(column) === pointee);
  if (referencing.length === 1) return referencing[0]!;
  throw keyNotInferred(label, holder, pointee, referencing, name, option);
}

function keyNotInferred(
  label: string,
  holder: ModelMetadata,
  pointee: ModelMetadata,
  candidates: readonly ColumnMetadata[],
  conventional: string,
  option: string,
): ConfigurationError {
  const reason =
    candidates.length > 1
      ? `${holder.name} has ${candidates.length} columns referencing ${pointee.name} (${candidates.map((c) => c.property).join(', ')})`
      : `${holder.name} has no attribute '${conventional}' and no column with references: () => ${pointee.name}`;
  return new ConfigurationError(`${label}: cannot tell which key of ${holder.name} points at ${pointee.name}: ${reason}; give ${option}`, {
    model: label.split('.')[0],
    field: option,
  });
}

function referencedModel(column: ColumnMetadata): ModelMetadata | undefined {
  const option = column.references;
  if (option === undefined) return undefined;
  const target = safeTarget(typeof option === 'function' ? option : option.model);
  return target === undefined ? undefined : findModelMetadata(target);
}

function safeTarget(thunk: () => AnyModelClass): AnyModelClass | undefined {
  try {
    const target = thunk();
    return typeof target === 'function' ? target : undefined;
  } catch {
    return undefined;
  }
}

function callTarget(thunk: () => AnyModelClass, label: string, option: string): AnyModelClass {
  const target = safeTarget(thunk);
  if (target === undefined) {
    throw new ConfigurationError(
      `${label}: ${option} must be a function returning a model class, e.g. () => Author ` +
        `(it returned undefined: often an import cycle; keep the arrow function)`,
      { model: label.split('.')[0], field: option },
    );
  }
  return target;
}

function requireModel(model: AnyModelClass, label: string): ModelMetadata {
  const metadata = findModelMetadata(model);
  if (!metadata) {
    throw new ConfigurationError(`${label} (${model.name}) is not a model: decorate it with @Model()`, { model: model.name });
  }
  return metadata;
}

function attribute(metadata: ModelMetadata, property: string, label: string): ColumnMetadata {
  const column = metadata.byProperty.get(property);
  if (!column) {
    throw new ConfigurationError(
      `${label}: ${metadata.name} has no attribute '${property}' (attributes: ${[...metadata.byProperty.keys()].join(', ')})`,
      { model: metadata.name, field: property },
    );
  }
  return column;
}

const FAMILIES: Readonly<Record<ColumnType, string>> = {
  integer: 'integer',
  bigint: 'integer',
  string: 'text',
  text: 'text',
  uuid: 'uuid',
  float: 'float',
  decimal: 'decimal',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  json: 'json',
  binary: 'binary',
};

function checkCompatible(label: string, a: ModelMetadata, aKey: ColumnMetadata, b: ModelMetadata, bKey: ColumnMetadata): void {
  if (FAMILIES[aKey.type] === FAMILIES[bKey.type] || (aKey.type === 'string' && bKey.type === 'uuid') || (aKey.type === 'uuid' && bKey.type === 'string')) return;
  throw new ConfigurationError(
    `${label}: ${a.name}.${aKey.property} (${aKey.type}) cannot hold ${b.name}.${bKey.property} (${bKey.type}); the key types must match`,
    { model: a.name, field: aKey.property },
  );
}
