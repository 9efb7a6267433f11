import { ConfigurationError } from '../../errors';
import type { ModelClass } from '../model-types';
import type { Relation } from '../relation';
import { isSubquery } from '../subquery';
import type { ResolvedAssociation } from './resolve';

type Queryable = { query(): Relation<object> };

/**
 * The target's rows as the association reads them: the target model's own query (so its default
 * scope applies, as to any query of it), refined by the association's `scope`.
 */
export function targetRelation(association: ResolvedAssociation): Relation<object> {
  const base = queryOf(association.targetClass);
  if (association.scope === undefined) return base;
  const scoped = (association.scope as (relation: Relation<object>) => unknown)(base);
  if (!isSubquery(scoped)) {
    throw new ConfigurationError(
      `${association.owner.name}.${association.name}: scope must return a relation of ${association.target.name} ` +
        `(e.g. scope: (books) => books.orderBy('title'))`,
      { model: association.owner.name, field: `${association.name}.scope` },
    );
  }
  return scoped as Relation<object>;
}

/** The join model's rows, as its own query reads them. */
export function throughRelation(association: ResolvedAssociation): Relation<object> {
  return queryOf(association.through!.modelClass);
}

function queryOf(model: ModelClass): Relation<object> {
  return (model as unknown as Queryable).query();
}

/** `record.related(name)`: a relation over the records the association holds for one owner. */
export function relatedRelation(record: object, association: ResolvedAssociation): Relation<object> {
  const key = (record as Record<string, unknown>)[association.ownerKey.property];
  const target = targetRelation(association);
  if (key === null || key === undefined) return target.whereKeys(association.targetKey, []);
  if (association.through === undefined) return target.whereKeys(association.targetKey, [key]);
  const through = association.through;
  const joinRows = throughRelation(association).whereKeys(through.ownerKey, [key]).selectColumns([through.targetKey]);
  return target.whereKeyIn(association.targetKey, joinRows);
}
