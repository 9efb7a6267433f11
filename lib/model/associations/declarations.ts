import { processWide } from '../../util/process-wide';
import type { AnyModelClass } from '../metadata';

export type AssociationKind = 'belongsTo' | 'hasMany' | 'hasOne';

/** A query refinement applied wherever an association is read: `(books) => books.orderBy('title')`. */
export type AssociationScope = (relation: never) => unknown;

/** An association as its decorator declared it; resolved against both models on first use. */
export interface AssociationDeclaration {
  readonly kind: AssociationKind;
  /** The property the association is read through. */
  readonly property: string;
  /** The associated model, given lazily so that two model files can refer to each other. */
  readonly target: () => AnyModelClass;
  /**
   * The attribute holding the key. belongsTo: on the declaring model; hasMany/hasOne: on the
   * target (or, with `through`, on the join model, pointing at the declaring model).
   */
  readonly foreignKey?: string;
  /**
   * The attribute the foreign key points at. belongsTo: on the target (default its primary key);
   * hasMany/hasOne: on the declaring model (default its primary key).
   */
  readonly primaryKey?: string;
  /** hasMany/hasOne through a join model (many-to-many). */
  readonly through?: () => AnyModelClass;
  /** With `through`: the join model's attribute pointing at the target. */
  readonly otherKey?: string;
  readonly scope?: AssociationScope;
}

// Process-wide (like model metadata), keyed by the prototype the decorator ran on.
const declared = processWide('declared-associations', () => new WeakMap<object, AssociationDeclaration[]>());

export function declareAssociation(prototype: object, declaration: AssociationDeclaration): void {
  const list = declared.get(prototype) ?? [];
  const existing = list.findIndex((d) => d.property === declaration.property);
  if (existing >= 0) list[existing] = declaration;
  else list.push(declaration);
  declared.set(prototype, list);
}

/** The associations declared on a model class and its ancestors (a subclass's own win). */
export function declaredAssociations(model: AnyModelClass): AssociationDeclaration[] {
  const chain: object[] = [];
  for (let proto = model.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  const byProperty = new Map<string, AssociationDeclaration>();
  for (const proto of chain) {
    for (const declaration of declared.get(proto) ?? []) byProperty.set(declaration.property, declaration);
  }
  return [...byProperty.values()];
}

/** Whether a property of a model class is declared as an association. */
export function isAssociationProperty(model: AnyModelClass, property: string): boolean {
  return declaredAssociations(model).some((d) => d.property === property);
}

const names = new WeakMap<object, readonly string[]>();

/** The association property names of a model class (cached: declarations are complete once a class is defined). */
export function associationNames(model: AnyModelClass): readonly string[] {
  let list = names.get(model);
  if (list === undefined) {
    list = declaredAssociations(model).map((d) => d.property);
    names.set(model, list);
  }
  return list;
}
