import { ConfigurationError, UnknownColumnError } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Author, Book, Category, Publisher, Tag, seedLibrary, ALL_MODELS } from './models';

describeBackends(
  'joins, subqueries and whereExists',
  { models: ALL_MODELS, extraConnections: { crm: { backend: 'sqlite', database: ':memory:' } } },
  () => {
    beforeAll(async () => {
      await seedLibrary();
    });

    it('filters and orders on a joined association, reading only the root records', async () => {
      const books = await Book.joins('author').where({ author: { name: 'Grace' }, price: { gte: '0.15' } }).orderBy('title').all();
      expect(books.map((b) => b.title)).toEqual(['Bugs', 'Compilers']);
      expect(books[0]).toBeInstanceOf(Book);
      expect(Object.keys(books[0]!.toJSON()).sort()).toEqual(['authorId', 'copies', 'id', 'pages', 'price', 'published', 'releasedOn', 'title']);
      const byAuthor = await Book.joins('author').orderBy({ 'author.name': 'desc', title: 'asc' }).pluck('title', 'author.name');
      expect(byAuthor).toEqual([
        ['Bugs', 'Grace'],
        ['COBOL', 'Grace'],
        ['Compilers', 'Grace'],
        ['Engines', 'Ada'],
        ['Notes', 'Ada'],
      ]);
    });

    it('joins nested paths and many-to-many, and left joins keep rows without a match', async () => {
      expect(await Book.joins({ author: 'publisher' }).where({ author: { publisher: { name: 'Penguin' } } }).count()).toBe(5);
      expect(await Book.joins('tags').where({ tags: { name: 'math' } }).orderBy('id').pluck('id')).toEqual([1, 3]);
      expect(await Tag.joins('books').where({ books: { title: 'Notes' } }).orderBy('name').pluck('name')).toEqual(['history', 'math']);
      const withoutBooks = await Author.leftJoins('books').where({ books: { id: null } }).pluck('name');
      expect(withoutBooks).toEqual(['Linus']);
      expect(await Author.leftJoins('publisher').orderBy('id').pluck('name', 'publisher.name')).toEqual([
        ['Ada', 'Penguin'],
        ['Grace', 'Penguin'],
        ['Linus', null],
      ]);
      // A has-many join repeats the root rows; distinct() folds them.
      expect(await Author.joins('books').count()).toBe(5);
      expect(await Author.joins('books').distinct().count()).toBe(2);
      expect((await Author.joins('books').distinct().orderBy('name').all()).map((a) => a.name)).toEqual(['Ada', 'Grace']);
    });

    it('joins a model to itself under distinct aliases', async () => {
      await Category.deleteAll();
      await Category.insertAll([
        { id: 1, name: 'root', parentId: null },
        { id: 2, name: 'a', parentId: 1 },
        { id: 3, name: 'a1', parentId: 2 },
      ]);
      expect(await Category.joins({ parent: 'parent' }).where({ parent: { parent: { name: 'root' } } }).pluck('name')).toEqual(['a1']);
      expect(await Category.joins('children').where({ children: { name: 'a1' } }).pluck('name')).toEqual(['a']);
    });

    it('says to join first when conditions use an association that is not joined', async () => {
      await expect(Book.where({ author: { name: 'Ada' } }).all()).rejects.toThrow(ConfigurationError);
      await expect(Book.where({ author: { name: 'Ada' } }).all()).rejects.toThrow(
        "Book: the query refers to columns of 'author', which it does not join; add joins('author') (or leftJoins) to the query",
      );
      await expect(Book.orderBy('author.name').all()).rejects.toThrow(/joins\('author'\)/);
      expect(() => Book.joins('author').where({ author: { nmae: 'Ada' } } as never)).toThrow(UnknownColumnError);
      expect(() => Book.orderBy('author.nmae' as never)).toThrow("Author.orderBy: unknown attribute 'nmae' (attributes: id, name, publisherId)");
      expect(() => Book.orderBy('autor.name' as never)).toThrow(/names no association 'autor' of Book/);
    });

    it('compares a belongsTo with a record or null, without a join', async () => {
      const ada = await Author.find(1);
      expect(await Book.where({ author: ada }).orderBy('id').pluck('id')).toEqual([1, 2]);
      expect(await Author.where({ publisher: null }).pluck('name')).toEqual(['Linus']);
    });

    it('uses a relation as an IN (subquery) value, its keys by default', async () => {
      const penguinAuthors = Author.where({ publisherId: 1 }).select('id');
      expect(await Book.where({ authorId: penguinAuthors, published: true }).orderBy('id').pluck('id')).toEqual([1, 3, 4, 5]);
      expect(await Book.where({ authorId: Author.where({ name: 'Ada' }) }).count()).toBe(2);
      expect(await Book.where({ authorId: { notIn: Author.where({ name: 'Ada' }) } }).count()).toBe(3);
      expect(await Author.where({ id: Book.where({ price: { gt: '20.00' } }).select('authorId') }).orderBy('id').pluck('name')).toEqual(['Ada', 'Grace']);
      expect(() => Book.where({ authorId: Author.select('id', 'name') })).toThrow("Book.where: 'authorId': a subquery must select exactly one column; this Author relation selects 2");
    });

    it('whereExists / whereNotExists through any association, with conditions', async () => {
      expect(await Author.whereExists('books').orderBy('id').pluck('name')).toEqual(['Ada', 'Grace']);
      expect(await Author.whereExists('books', { published: false }).pluck('name')).toEqual(['Ada']);
      expect(await Author.whereNotExists('books').pluck('name')).toEqual(['Linus']);
      expect(await Tag.whereNotExists('books').pluck('name')).toEqual(['unused']);
      expect(await Book.whereExists('tags', { name: 'history' }).pluck('title')).toEqual(['Notes']);
      expect(await Publisher.whereExists('authors', { name: 'Grace' }).pluck('name')).toEqual(['Penguin']);
      const parents = await Category.whereExists('children').orderBy('id').pluck('name');
      expect(parents).toEqual(['root', 'a']);
    });

    it('binds every value and quotes every name, whatever the input', async () => {
      const evil = "x'); DROP TABLE qa_books; --";
      expect(await Book.joins('author').where({ author: { name: evil } }).count()).toBe(0);
      expect(await Author.whereExists('books', { title: evil }).count()).toBe(0);
      expect(await Book.count()).toBe(5);
    });
  },
);
