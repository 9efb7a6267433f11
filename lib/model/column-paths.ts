import { UnknownColumnError } from '../errors';
import type { ColumnRef } from '../query/nodes';
import { associationsOf } from './associations/resolve';
import { joinAlias } from './join-alias';
import type { ColumnMetadata, ModelMetadata } from './metadata';
import { resolveColumn } from './where-conditions';

/** A column reached from a relation's root: one of its own, or one of a joined association's. */
export interface ResolvedPath {
  readonly column: ColumnMetadata;
  /** Unqualified for the root's own columns (qualified when the statement is built), else by the join's alias. */
  readonly ref: ColumnRef;
  /** The association path (`author.publisher`), empty for the root's own columns. */
  readonly associationPath: string;
}

/**
 * `'title'` or `'author.name'`: checked against the models' metadata, so a name from request
 * data can never become SQL. A path through an association needs that association joined
 * (checked when the statement is built).
 */
export function resolveColumnPath(root: ModelMetadata, path: string, method: string): ResolvedPath {
  if (typeof path !== 'string') {
    throw new UnknownColumnError(`${root.name}.${method} expects attribute names, got ${typeof path}`, { model: root.name });
  }
  const parts = path.split('.');
  if (parts.length === 1) {
    const column = resolveColumn(root, path, method);
    return { column, ref: { name: column.name, type: column.type }, associationPath: '' };
  }
  let metadata = root;
  const associations: string[] = [];
  for (const name of parts.slice(0, -1)) {
    const association = associationsOf(metadata.target).get(name);
    if (association === undefined) {
      const known = [...associationsOf(metadata.target).keys()];
      throw new UnknownColumnError(
        `${root.name}.${method}: '${path}' names no association '${name}' of ${metadata.name}` +
          (known.length > 0 ? ` (associations: ${known.join(', ')})` : ''),
        { model: root.name, field: path },
      );
    }
    associations.push(name);
    metadata = association.target;
  }
  const column = resolveColumn(metadata, parts[parts.length - 1]!, method);
  return {
    column,
    ref: { name: column.name, type: column.type, table: joinAlias(root.table, associations) },
    associationPath: associations.join('.'),
  };
}
