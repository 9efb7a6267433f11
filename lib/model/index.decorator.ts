import { checkIndexDeclaration, declareIndex, type IndexOptions } from './index-metadata';

/**
 * An index on a model's table, over one or more properties (in index order):
 *
 * ```ts
 * @Model({ table: 'people' })
 * @Index(['lastName', 'firstName'])
 * @Index(['email'], { unique: true, where: { deletedAt: null } })
 * export class Person extends ActiveRecord { ... }
 * ```
 *
 * `synchronize` creates it with the table; `migration:generate` adds, changes and drops it.
 * For a single column, `@Column(type, { index: true })` says the same.
 */
export function Index(columns: string | readonly string[], options?: IndexOptions): ClassDecorator {
  return (target) => {
    checkIndexDeclaration(target.name, columns, options);
    declareIndex(target, { properties: typeof columns === 'string' ? [columns] : [...columns], options: options ?? {}, origin: '@Index' });
  };
}
