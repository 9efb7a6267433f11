import { UnknownColumnError } from '../../errors';
import type { AnyModelClass } from '../metadata';
import type { IncludeTree } from '../relation-state';
import { associationOf } from './resolve';

/**
 * `includes('author', { books: ['tags'] })` as a tree of association names, each checked against
 * its model (a misspelled name from request data is an UnknownColumnError, never a guess), and
 * merged into the tree the relation already has.
 */
export function includeTree(model: AnyModelClass, specs: readonly unknown[], method: string, base?: IncludeTree): IncludeTree {
  const tree = clone(base);
  for (const spec of specs) addSpec(model, tree, spec, method);
  return tree;
}

type MutableTree = Map<string, MutableTree>;

function clone(tree: IncludeTree | undefined): MutableTree {
  const copy: MutableTree = new Map();
  for (const [name, children] of tree ?? []) copy.set(name, clone(children));
  return copy;
}

function addSpec(model: AnyModelClass, tree: MutableTree, spec: unknown, method: string): void {
  if (typeof spec === 'string') {
    child(model, tree, spec, method);
    return;
  }
  if (Array.isArray(spec)) {
    for (const item of spec) addSpec(model, tree, item, method);
    return;
  }
  if (spec !== null && typeof spec === 'object') {
    for (const [name, nested] of Object.entries(spec)) {
      const { target, subtree } = child(model, tree, name, method);
      if (nested !== true && nested !== undefined) addSpec(target, subtree, nested, method);
    }
    return;
  }
  throw new UnknownColumnError(`${model.name}.${method} expects association names, arrays or objects such as { books: ['tags'] }`, {
    model: model.name,
  });
}

function child(model: AnyModelClass, tree: MutableTree, name: string, method: string): { target: AnyModelClass; subtree: MutableTree } {
  const association = associationOf(model, name, method);
  let subtree = tree.get(name);
  if (subtree === undefined) {
    subtree = new Map();
    tree.set(name, subtree);
  }
  return { target: association.target.target, subtree };
}

/** Every path of a tree, parents first: `author`, `author.publisher`. */
export function treePaths(tree: IncludeTree, prefix: readonly string[] = []): string[][] {
  const paths: string[][] = [];
  for (const [name, children] of tree) {
    const path = [...prefix, name];
    paths.push(path, ...treePaths(children, path));
  }
  return paths;
}
