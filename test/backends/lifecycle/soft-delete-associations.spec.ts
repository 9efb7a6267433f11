import { ActiveRecord, BelongsTo, Column, DefaultScope, DeletedAt, HasMany, Model, PrimaryKey } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';

@Model({ table: 'life_blogs' })
class Blog extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) name!: string;
  @DeletedAt() deletedAt!: Date | null;
  @HasMany(() => Entry) entries!: Entry[];
  @HasMany(() => Reply) replies!: Reply[];
}

@Model({ table: 'life_entries' })
class Entry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) title!: string;
  @Column('integer', { references: () => Blog }) blogId!: number;
  @DeletedAt() deletedAt!: Date | null;
  @BelongsTo(() => Blog) blog!: Blog | null;
}

/** A declared default scope on an association's target: only approved replies. */
@DefaultScope<Reply>((replies) => replies.where({ approved: true }))
@Model({ table: 'life_replies' })
class Reply extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer', { references: () => Blog }) blogId!: number;
  @Column({ default: true }) approved!: boolean;
}

describeBackends('soft delete and default scopes through associations', { models: [Blog, Entry, Reply] }, () => {
  let live: Blog;
  let gone: Blog;

  beforeEach(async () => {
    await Reply.unscoped().reallyDeleteAll();
    await Entry.unscoped().reallyDeleteAll();
    await Blog.unscoped().reallyDeleteAll();
    live = await Blog.create({ name: 'live' });
    gone = await Blog.create({ name: 'gone' });
    await Entry.insertAll([
      { title: 'kept', blogId: live.id },
      { title: 'deleted', blogId: live.id },
      { title: 'orphan', blogId: gone.id },
    ]);
    await (await Entry.findBy({ title: 'deleted' }))!.destroy();
    await gone.destroy();
    await Reply.insertAll([
      { blogId: live.id, approved: true },
      { blogId: live.id, approved: false },
    ]);
  });

  it('includes() and load() leave soft-deleted and out-of-scope rows out', async () => {
    const [blog] = await Blog.where({ id: live.id }).includes('entries', 'replies').all();
    expect(blog!.entries.map((entry) => entry.title)).toEqual(['kept']);
    expect(blog!.replies).toHaveLength(1);
    const fresh = await Blog.find(live.id);
    expect((await fresh.load('entries')).map((entry) => entry.title)).toEqual(['kept']);
    // A belongs-to whose parent is soft-deleted reads as absent.
    const orphan = await Entry.where({ title: 'orphan' }).includes('blog').first();
    expect(orphan!.blog).toBeNull();
  });

  it('related() starts from the target model, default scope included; withDeleted() lifts it', async () => {
    const blog = await Blog.find(live.id);
    expect(await blog.related('entries').count()).toBe(1);
    expect(await blog.related('entries').withDeleted().count()).toBe(2);
    expect(await blog.related('replies').count()).toBe(1);
    expect(await blog.related('replies').unscoped().count()).toBe(2);
  });

  it('joins and whereExists do not match soft-deleted rows', async () => {
    expect(await Blog.joins('entries').where({ entries: { title: 'deleted' } }).count()).toBe(0);
    expect(await Blog.joins('entries').count()).toBe(1);
    expect(await Blog.whereExists('entries', { title: 'deleted' }).count()).toBe(0);
    expect(await Blog.whereExists('entries').pluck('name')).toEqual(['live']);
    expect(await Entry.joins('blog').pluck('title')).toEqual(['kept']);
    expect(await Blog.whereExists('replies', { approved: false }).count()).toBe(0);
  });
});
