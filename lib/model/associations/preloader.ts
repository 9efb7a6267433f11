import type { ColumnMetadata, AnyModelClass } from '../metadata';
import { runtimeOf } from '../model-runtime';
import type { Relation } from '../relation';
import type { IncludeTree } from '../relation-state';
import { targetRelation, throughRelation } from './association-relation';
import { adoptAssociationFields, associationSlot } from './loaded-associations';
import { associationOf, inverseOf, type ResolvedAssociation } from './resolve';

type RecordObject = Record<string, unknown>;
type Slots = Record<symbol, unknown>;

/**
 * Load the associations of `tree` for `records`: one query per association and level (two for
 * a many-to-many: join rows, then targets), whatever the number of records, each keyed
 * `WHERE key IN (...)` in chunks that fit the target database's bind-parameter limit. Every
 * query runs through the target model's own relation, so it goes to the target's connection
 * (and that connection's open transaction) and honours its default scope.
 */
export async function preload(model: AnyModelClass, records: readonly object[], tree: IncludeTree): Promise<void> {
  if (records.length === 0) return;
  for (const [name, children] of tree) {
    const association = associationOf(model, name, 'includes');
    const loaded = await loadAssociation(association, records);
    if (children.size > 0 && loaded.length > 0) await preload(association.target.target, loaded, children);
  }
}

/** `record.load(name)`: one association of one record, replacing whatever was loaded. */
export async function loadOne(model: AnyModelClass, record: object, name: string): Promise<unknown> {
  const association = associationOf(model, name, 'load');
  adoptAssociationFields(record, [name]);
  await loadAssociation(association, [record]);
  return (record as RecordObject)[name];
}

async function loadAssociation(association: ResolvedAssociation, owners: readonly object[]): Promise<object[]> {
  const normalize = keyNormalizer(association.ownerKey, association.through ? association.through.ownerKey : association.targetKey);
  const ownerProperty = association.ownerKey.property;
  const keys: unknown[] = [];
  const seen = new Set<unknown>();
  for (const owner of owners) {
    const value = (owner as RecordObject)[ownerProperty];
    if (value === null || value === undefined) continue;
    const key = normalize(value);
    if (!seen.has(key)) {
      seen.add(key);
      keys.push(value);
    }
  }

  const matched = new Map<unknown, object[]>();
  let targets: object[] = [];
  if (keys.length > 0) {
    targets = association.through === undefined ? await loadDirect(association, keys, matched, normalize) : await loadThrough(association, keys, matched, normalize);
  }

  const inverse = association.kind === 'belongsTo' ? undefined : inverseOf(association);
  const slot = associationSlot(association.name);
  const inverseSlot = inverse === undefined ? undefined : associationSlot(inverse.name);
  for (const owner of owners) {
    const value = (owner as RecordObject)[ownerProperty];
    const key = value === null || value === undefined ? undefined : normalize(value);
    const found = key === undefined ? undefined : matched.get(key);
    let loaded: unknown;
    if (association.collection) {
      // Each owner gets its own array (two owners share a key only with a non-unique primaryKey).
      loaded = found === undefined ? [] : found;
      if (found !== undefined) matched.set(key, found.slice());
    } else loaded = found?.[0] ?? null;
    (owner as Slots)[slot] = loaded;
    if (inverseSlot !== undefined && found !== undefined) {
      for (let i = 0; i < found.length; i++) {
        const target = found[i] as unknown as Slots;
        if (target[inverseSlot] === undefined) target[inverseSlot] = owner;
      }
    }
  }
  return targets;
}

async function loadDirect(
  association: ResolvedAssociation,
  keys: readonly unknown[],
  matched: Map<unknown, object[]>,
  normalize: (value: unknown) => unknown,
): Promise<object[]> {
  const base = targetRelation(association);
  const targets = await inChunks(base, association.targetClass, keys, (chunk) => base.whereKeys(association.targetKey, chunk).all());
  const property = association.targetKey.property;
  for (const target of targets) {
    const key = normalize((target as unknown as RecordObject)[property]);
    const list = matched.get(key);
    if (list === undefined) matched.set(key, [target]);
    else list.push(target);
  }
  return targets;
}

/** Many-to-many: the join rows' key pairs, then the targets they name (two batched lookups, each on its own connection). */
async function loadThrough(
  association: ResolvedAssociation,
  keys: readonly unknown[],
  matched: Map<unknown, object[]>,
  normalize: (value: unknown) => unknown,
): Promise<object[]> {
  const through = association.through!;
  const joinBase = throughRelation(association);
  const pairs = await inChunks(joinBase, through.modelClass, keys, (chunk) =>
    joinBase.whereKeys(through.ownerKey, chunk).pluckColumns([through.ownerKey, through.targetKey]),
  );
  const targetNormalize = keyNormalizer(through.targetKey, association.targetKey);
  const targetKeys: unknown[] = [];
  const seen = new Set<unknown>();
  for (const pair of pairs) {
    const value = pair[1];
    if (value === null || value === undefined) continue;
    const key = targetNormalize(value);
    if (!seen.has(key)) {
      seen.add(key);
      targetKeys.push(value);
    }
  }
  const base = targetRelation(association);
  const targets = targetKeys.length === 0 ? [] : await inChunks(base, association.targetClass, targetKeys, (chunk) => base.whereKeys(association.targetKey, chunk).all());
  const byKey = new Map<unknown, object>();
  for (const target of targets) byKey.set(targetNormalize((target as unknown as RecordObject)[association.targetKey.property]), target);
  for (const [ownerValue, targetValue] of pairs) {
    const target = targetValue === null || targetValue === undefined ? undefined : byKey.get(targetNormalize(targetValue));
    if (target === undefined) continue; // a join row whose target the target's scope leaves out
    const key = normalize(ownerValue);
    const list = matched.get(key);
    if (list === undefined) matched.set(key, [target]);
    else list.push(target);
  }
  return targets;
}

/**
 * Run `query` once per chunk of keys, each chunk as large as the database's bind-parameter
 * limit allows beside the base relation's own values, and concatenate the results in order.
 */
async function inChunks<T>(
  base: Relation<object, unknown>,
  model: AnyModelClass,
  keys: readonly unknown[],
  query: (chunk: readonly unknown[]) => Promise<T[]>,
): Promise<T[]> {
  const limit = runtimeOf(model).dialect.maxParameters;
  // The base relation's own values (its scope's conditions) share the statement's limit.
  const size = keys.length + 64 <= limit ? keys.length : Math.max(1, limit - base.toSQL().params.length - 1);
  if (size >= keys.length) return query(keys);
  const results: T[] = [];
  for (let start = 0; start < keys.length; start += size) results.push(...(await query(keys.slice(start, start + size))));
  return results;
}

/**
 * Keys compare by value in Maps, except across types: an integer foreign key against a bigint
 * key (or a string against a uuid) is compared as text.
 */
function keyNormalizer(a: ColumnMetadata, b: ColumnMetadata): (value: unknown) => unknown {
  if (a.type === b.type && a.type !== 'uuid') return identity;
  return (value) => (a.type === 'uuid' || b.type === 'uuid' ? String(value).toLowerCase() : String(value));
}

function identity(value: unknown): unknown {
  return value;
}
