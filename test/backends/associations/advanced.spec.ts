import { count, denseRank, rank, rowNumber, sum } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Author, Book, Category, seedLibrary, ALL_MODELS } from './models';

describeBackends('unions, CTEs, window functions, toSQL and explain', { models: ALL_MODELS, extraConnections: { crm: { backend: 'sqlite', database: ':memory:' } } }, (context) => {
  beforeAll(async () => {
    await seedLibrary();
    await Category.deleteAll();
    await Category.insertAll([
      { id: 1, name: 'root', parentId: null },
      { id: 2, name: 'a', parentId: 1 },
      { id: 3, name: 'b', parentId: 1 },
      { id: 4, name: 'a1', parentId: 2 },
      { id: 5, name: 'a1x', parentId: 4 },
      { id: 6, name: 'other', parentId: null },
    ]);
  });

  it('union and unionAll combine records of one model; conditions and order apply to the whole', async () => {
    const cheap = Book.where({ price: { lt: '1.00' } });
    const long = Book.where({ pages: { gte: 250 } });
    expect((await cheap.union(long).orderBy('id').all()).map((b) => b.id)).toEqual([2, 3, 4, 5]);
    expect(await cheap.unionAll(Book.where({ id: 4 })).count()).toBe(3);
    expect(await cheap.union(Book.where({ id: 4 })).count()).toBe(2);
    expect(await cheap.union(long).where({ published: true }).orderBy('title', 'desc').pluck('title')).toEqual(['Compilers', 'COBOL', 'Bugs']);
    // Parts keep their own limits.
    const firstTwo = Book.orderBy('id').limit(2);
    const lastOne = Book.orderBy('id', 'desc').limit(1);
    expect((await firstTwo.unionAll(lastOne).orderBy('id').all()).map((b) => b.id)).toEqual([1, 2, 5]);
    const [withAuthor] = await Book.where({ id: 1 }).union(Book.where({ id: 1 })).includes('author').all();
    expect(withAuthor!.author.name).toBe('Ada');
  });

  it('withRecursive walks a tree down (children) or up (parent) in one statement', async () => {
    const subtree = await Category.query().withRecursive('subtree', Category.where({ id: 2 }), 'children').orderBy('id').pluck('name');
    expect(subtree).toEqual(['a', 'a1', 'a1x']);
    const ancestors = await Category.query().withRecursive('up', Category.where({ id: 5 }), 'parent').where({ id: { ne: 5 } }).orderBy('id').pluck('name');
    expect(ancestors).toEqual(['root', 'a', 'a1']);
    expect(await Category.query().withRecursive('everything', Category.where({ parentId: null }), 'children').count()).toBe(6);
    expect(() => Category.query().withRecursive('x', Category.where({ id: 1 }), 'nope' as never)).toThrow(/unknown association 'nope'/);
    expect(() => Author.query().withRecursive('x', Author.query(), 'books')).toThrow(/a recursive walk needs an association of Author to itself/);
    expect(() => Category.query().withRecursive('bad name; --', Category.query(), 'children')).toThrow(/cannot name a common table expression/);
  });

  it('withCte reads the relation from a common table expression', async () => {
    const published = Book.where({ published: true });
    expect(await Book.query().withCte('published_books', published).where({ authorId: 2 }).orderBy('id').pluck('id')).toEqual([3, 4, 5]);
    expect(await Book.query().withCte('published_books', published).count()).toBe(4);
  });

  it('window functions rank rows within partitions, beside plain columns', async () => {
    const rows = await Book.select({
      title: 'title',
      authorId: 'authorId',
      place: rowNumber().over({ partitionBy: 'authorId', orderBy: { price: 'desc' } }),
      pricier: rank().over({ orderBy: { pages: 'desc' } }),
      dense: denseRank().over({ orderBy: 'authorId' }),
      authorTotal: sum('pages').over({ partitionBy: 'authorId' }),
      books: count().over({ partitionBy: 'authorId' }),
    })
      .orderBy('id')
      .all();
    expect(rows).toEqual([
      { title: 'Notes', authorId: 1, place: 2, pricier: 3, dense: 1, authorTotal: 420, books: 2 },
      { title: 'Engines', authorId: 1, place: 1, pricier: 1, dense: 1, authorTotal: 420, books: 2 },
      { title: 'Compilers', authorId: 2, place: 1, pricier: 2, dense: 2, authorTotal: 380, books: 3 },
      { title: 'COBOL', authorId: 2, place: 3, pricier: 4, dense: 2, authorTotal: 380, books: 3 },
      { title: 'Bugs', authorId: 2, place: 2, pricier: 5, dense: 2, authorTotal: 380, books: 3 },
    ]);
  });

  it('toSQL shows the statement with its bind values; explain asks the database for its plan', async () => {
    const relation = Book.joins('author').where({ author: { name: 'Ada' }, pages: { gt: 100 } }).orderBy('title');
    const { sql, params } = relation.toSQL();
    expect(params).toEqual(['Ada', 100]);
    expect(sql).toContain('JOIN');
    expect(sql).not.toContain('Ada');
    const plan = await relation.explain();
    expect(typeof plan).toBe('string');
    const mentions: Record<string, RegExp> = {
      'sqlite-file': /SCAN|SEARCH/,
      'sqlite-memory': /SCAN|SEARCH/,
      postgres: /Scan|Join/,
      mariadb: /qa_books|qa_authors/,
    };
    expect(plan).toMatch(mentions[context.target.name] ?? /./);
  });
});
