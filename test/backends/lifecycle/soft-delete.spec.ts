import { ConfigurationError, RecordNotFoundError } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Article, LIFECYCLE_MODELS, Note, Post } from './models';

describeBackends('soft delete and default scope', { models: LIFECYCLE_MODELS }, (context) => {
  beforeEach(async () => {
    await Post.reallyDeleteAll();
    await Post.onlyDeleted().reallyDeleteAll();
    await Article.unscoped().reallyDeleteAll();
  });

  it('destroy() marks the row deleted; every read hides it', async () => {
    const kept = await Post.create({ title: 'kept' });
    const gone = await Post.create({ title: 'gone', score: 5 });
    await gone.destroy();
    expect(gone.isDestroyed).toBe(true);
    expect(gone.deletedAt).toBeInstanceOf(Date);

    await expect(Post.find(gone.id)).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await Post.findBy({ title: 'gone' })).toBeNull();
    expect(await Post.count()).toBe(1);
    expect(await Post.exists({ id: gone.id })).toBe(false);
    expect(await Post.pluck('title')).toEqual(['kept']);
    expect((await Post.all()).map((post) => post.id)).toEqual([kept.id]);
    expect((await Post.first())?.id).toBe(kept.id);
    expect(await Post.where({ score: { gte: 0 } }).count()).toBe(1);
    const streamed: number[] = [];
    for await (const post of Post.stream()) streamed.push(post.id);
    expect(streamed).toEqual([kept.id]);
    const batches: number[] = [];
    for await (const batch of Post.findInBatches({ batchSize: 1 })) batches.push(...batch.map((post) => post.id));
    expect(batches).toEqual([kept.id]);

    // The row is still there.
    const raw = await context.registry.get().query('SELECT COUNT(*) AS n FROM life_posts');
    expect(Number(raw[0]!.n)).toBe(2);
  });

  it('withDeleted() and onlyDeleted() bring deleted rows back into view', async () => {
    await Post.create({ title: 'kept' });
    const gone = await Post.create({ title: 'gone' });
    await gone.destroy();
    expect(await Post.withDeleted().count()).toBe(2);
    expect(await Post.onlyDeleted().pluck('title')).toEqual(['gone']);
    expect((await Post.withDeleted().find(gone.id)).deletedAt).toBeInstanceOf(Date);
    expect(await Post.unscoped().count()).toBe(2);
  });

  it('restore() brings a record back; reallyDestroy() removes the row', async () => {
    const post = await Post.create({ title: 'p' });
    await post.destroy();
    await post.restore();
    expect(post.deletedAt).toBeNull();
    expect(post.isDestroyed).toBe(false);
    expect((await Post.find(post.id)).title).toBe('p');

    const loaded = await Post.find(post.id);
    await loaded.destroy();
    const again = await Post.onlyDeleted().find(post.id);
    await again.restore();
    expect(await Post.count()).toBe(1);

    await again.reallyDestroy();
    expect(await Post.withDeleted().count()).toBe(0);
    // reallyDestroy also works on a record that is already soft-deleted.
    const other = await Post.create({ title: 'q' });
    await other.destroy();
    await other.reallyDestroy();
    expect(await Post.withDeleted().count()).toBe(0);
  });

  it('deleteAll() soft-deletes what is in scope; reallyDeleteAll() removes it', async () => {
    await Post.insertAll([{ title: 'a' }, { title: 'b' }, { title: 'c' }]);
    expect(await Post.where({ title: ['a', 'b'] }).deleteAll()).toBe(2);
    expect(await Post.count()).toBe(1);
    expect(await Post.onlyDeleted().count()).toBe(2);
    // Already deleted rows are out of scope: deleting again changes nothing.
    expect(await Post.where({ title: 'a' }).deleteAll()).toBe(0);
    expect(await Post.onlyDeleted().reallyDeleteAll()).toBe(2);
    expect(await Post.withDeleted().count()).toBe(1);
  });

  it('updateAll does not touch deleted rows unless asked', async () => {
    const gone = await Post.create({ title: 'gone' });
    await gone.destroy();
    await Post.create({ title: 'kept' });
    expect(await Post.updateAll({ score: 9 })).toBe(1);
    expect((await Post.withDeleted().find(gone.id)).score).toBe(0);
    expect(await Post.withDeleted().updateAll({ score: 7 })).toBe(2);
  });

  it('a declared default scope filters and orders every query, unscoped() removes it', async () => {
    await Article.insertAll([
      { title: 'alpha', published: true },
      { title: 'beta', published: false },
      { title: 'gamma', published: true },
    ]);
    expect(await Article.pluck('title')).toEqual(['gamma', 'alpha']);
    expect(await Article.count()).toBe(2);
    expect((await Article.first())?.title).toBe('gamma');
    // An order of the relation's own replaces the default order, not the default conditions.
    expect(await Article.orderBy('title').pluck('title')).toEqual(['alpha', 'gamma']);
    expect(await Article.unscoped().orderBy('title').pluck('title')).toEqual(['alpha', 'beta', 'gamma']);
    const beta = await Article.unscoped().findBy({ title: 'beta' });
    await expect(Article.find(beta!.id)).rejects.toBeInstanceOf(RecordNotFoundError);
    // Soft delete stacks with the declared scope; withDeleted lifts only soft delete.
    const gamma = await Article.findBy({ title: 'gamma' });
    await gamma!.destroy();
    expect(await Article.pluck('title')).toEqual(['alpha']);
    expect(await Article.withDeleted().pluck('title')).toEqual(['gamma', 'alpha']);
    expect(await Article.unscoped().count()).toBe(3);
    // Bulk writes honour the scope too.
    expect(await Article.updateAll({ title: 'changed' })).toBe(1);
    expect(await Article.unscoped().where({ title: 'changed' }).count()).toBe(1);
  });

  it('withDeleted() on a model without soft delete is a clear error', () => {
    expect(() => Note.withDeleted()).toThrow(ConfigurationError);
    expect(() => Note.withDeleted()).toThrow(/@DeletedAt/);
  });

  it('the scope appears in the SQL', () => {
    expect(Post.where({ score: 1 }).toSQL().sql).toMatch(/deleted_at. IS NULL/);
    expect(Post.onlyDeleted().toSQL().sql).toMatch(/deleted_at. IS NOT NULL/);
    expect(Post.withDeleted().toSQL().sql).not.toMatch(/WHERE/);
  });
});
