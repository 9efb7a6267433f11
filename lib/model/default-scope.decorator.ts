import { ConfigurationError } from '../errors';
import { declareDefaultScope, type AnyScope } from './default-scope';
import type { Relation } from './relation';

/**
 * A model's default scope: conditions (and an order) applied to every relation that starts from
 * the model — `all`, `find`, `count`, `pluck`, `updateAll`, `deleteAll`, streams, batches, and
 * the associations and includes built on them — until `unscoped()` removes it. Soft delete
 * (`@DeletedAt`) is a default scope too: deleted rows are hidden until `withDeleted()` or
 * `onlyDeleted()` asks for them.
 *
 * ```ts
 * @DefaultScope<Post>((posts) => posts.where({ published: true }).orderBy('createdAt', 'desc'))
 * @Model()
 * class Post extends ActiveRecord { ... }
 * ```
 *
 * The function runs each time a relation is compiled (so a scope may read the clock), on a
 * relation with no scope of its own. It may add conditions and an order, nothing else. Its order
 * applies only to relations that set none. A subclass inherits its parent's default scope and
 * may add one of its own (both apply).
 */
export type DefaultScopeFunction<M extends object> = (relation: Relation<M>) => Relation<M>;

/** Class decorator: give a model a default scope (see DefaultScopeFunction). */
export function DefaultScope<M extends object>(scope: DefaultScopeFunction<M>): (target: abstract new (...args: never[]) => M) => void {
  return (target) => {
    if (typeof scope !== 'function') {
      throw new ConfigurationError(`@DefaultScope on ${target.name} needs a function: (relation) => relation.where({ ... })`, {
        model: target.name,
      });
    }
    declareDefaultScope(target, scope as AnyScope);
  };
}
