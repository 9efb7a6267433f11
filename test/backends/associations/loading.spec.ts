import { AssociationNotLoadedError, ConfigurationError, transactional, UnknownColumnError, type Connection } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Author, Book, Category, Customer, Profile, Publisher, PurchaseOrder, Tag, seedLibrary, ALL_MODELS } from './models';

/** Every statement the suite's connections run, by connection name. */
const statements: Array<{ connection: string; sql: string }> = [];
const logger = {
  log: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
  debug: (m: string) => {
    const match = /^\[(\w+)\] ([\s\S]*)$/.exec(m);
    if (match) statements.push({ connection: match[1]!, sql: match[2]! });
  },
};

async function counting<T>(work: () => Promise<T>): Promise<{ result: T; selects: string[] }> {
  statements.length = 0;
  const result = await work();
  return { result, selects: statements.filter((s) => /^(WITH|SELECT)/i.test(s.sql)).map((s) => `${s.connection}: ${s.sql}`) };
}

describeBackends(
  'associations: includes, load, related, strict loading',
  {
    models: ALL_MODELS,
    connection: { logging: true, pool: { max: 2 } },
    extraConnections: { crm: { backend: 'sqlite', database: ':memory:', logging: true } },
    logger,
  },
  (context) => {
    beforeAll(async () => {
      await seedLibrary();
    });

    it('loads belongsTo, hasMany, hasOne and many-to-many with one batched query per association', async () => {
      const { result: authors, selects } = await counting(() => Author.orderBy('id').includes('books', 'profile', 'publisher').all());
      // authors, then books, profiles and publishers: never one query per author.
      expect(selects).toHaveLength(4);
      expect(authors.map((a) => a.books.map((b) => b.title).sort())).toEqual([['Engines', 'Notes'], ['Bugs', 'COBOL', 'Compilers'], []]);
      expect(authors.map((a) => a.profile?.bio ?? null)).toEqual(['First programmer', null, null]);
      expect(authors.map((a) => a.publisher?.name ?? null)).toEqual(['Penguin', 'Penguin', null]);
      // The inverse is set from what was loaded: no query to read a book's author back.
      expect(authors[0]!.books[0]!.author).toBe(authors[0]);
      // A has-many of the same key shares records with nobody else.
      expect(authors[1]!.books).not.toBe(authors[0]!.books);

      const { result: books, selects: bookSelects } = await counting(() => Book.where({ id: [1, 2, 3] }).orderBy('id').includes('tags').all());
      expect(bookSelects).toHaveLength(3); // books, join rows, tags
      expect(books.map((b) => b.tags.map((t) => t.name).sort())).toEqual([['history', 'math'], [], ['math']]);
    });

    it('loads nested associations a level at a time: includes({ books: ["tags"] })', async () => {
      const { result: publishers, selects } = await counting(() => Publisher.where({ id: 1 }).includes({ authors: { books: ['tags'] } }).all());
      expect(selects).toHaveLength(5); // publishers, authors, books, book_tags, tags
      const [penguin] = publishers;
      const titles = penguin!.authors.flatMap((a) => a.books.map((b) => `${b.title}:${b.tags.map((t) => t.name).sort().join('+')}`)).sort();
      expect(titles).toEqual(['Bugs:', 'COBOL:', 'Compilers:math', 'Engines:', 'Notes:history+math']);
    });

    it('serves many concurrent includes on a pool of two, each caller its own graph', async () => {
      const calls = Array.from({ length: 24 }, (_, i) => {
        const id = (i % 3) + 1;
        return Author.where({ id }).includes({ books: ['tags'] }, 'publisher').first();
      });
      const authors = await Promise.all(calls);
      authors.forEach((author, i) => {
        const id = (i % 3) + 1;
        expect(author!.id).toBe(id);
        expect(author!.books.length).toBe([2, 3, 0][id - 1]);
        expect(author!.books.every((book) => book.authorId === id && book.author === author)).toBe(true);
        expect(author!.publisher?.name ?? null).toBe(id === 3 ? null : 'Penguin');
      });
      // Different calls never share records.
      expect(authors[0]).not.toBe(authors[3]);
    });

    it('serializes a loaded graph as a tree: an inverse pointing back up is left out', async () => {
      const [ada] = await Author.where({ id: 1 }).includes({ books: ['tags'] }, 'profile').all();
      const json = JSON.parse(JSON.stringify(ada));
      expect(json.name).toBe('Ada');
      expect(json.books.map((b: { title: string }) => b.title).sort()).toEqual(['Engines', 'Notes']);
      expect(json.books[0].author).toBeUndefined(); // the inverse, set in memory, would recurse
      expect(ada!.books[0]!.author).toBe(ada);
      expect(json.profile.bio).toBe('First programmer');
      expect(json.books.find((b: { title: string }) => b.title === 'Notes').tags.map((t: { name: string }) => t.name).sort()).toEqual(['history', 'math']);
      // A book serialized on its own still shows its author.
      expect(JSON.parse(JSON.stringify(ada!.books[0])).author.name).toBe('Ada');
      expect(json.copies).toBeUndefined();
    });

    it('applies an association scope (conditions and order) wherever the association is read', async () => {
      const [ada, grace] = await Author.where({ id: [1, 2] }).orderBy('id').includes('publishedBooks').all();
      expect(ada!.publishedBooks.map((b) => b.title)).toEqual(['Notes']);
      expect(grace!.publishedBooks.map((b) => b.title)).toEqual(['Bugs', 'COBOL', 'Compilers']);
      expect(await grace!.related('publishedBooks').pluck('title')).toEqual(['Bugs', 'COBOL', 'Compilers']);
    });

    it('throws AssociationNotLoadedError for an association that was not loaded, naming how to load it', async () => {
      const book = await Book.find(1);
      expect(() => book.author).toThrow(AssociationNotLoadedError);
      expect(() => book.author).toThrow(/Book\.author is not loaded: include it in the query \(Book\.where\(\.\.\.\)\.includes\('author'\)\)/);
      const author = await book.load('author');
      expect(author.name).toBe('Ada');
      expect(book.author).toBe(author);
      expect(JSON.parse(JSON.stringify(book)).author.name).toBe('Ada');
    });

    it('load() works on a record built with new (class fields do not hide the association)', async () => {
      const book = await Book.create({ id: 100, title: 'Fresh', authorId: 3, price: '1.00' });
      expect((await book.load('author')).name).toBe('Linus');
      expect(book.author.name).toBe('Linus');
      expect(await book.load('tags')).toEqual([]);
      await book.destroy();
    });

    it('related() is a relation over the association, to refine and run', async () => {
      const grace = await Author.find(2);
      expect(await grace.related('books').where({ price: { lt: '1.00' } }).orderBy('title').pluck('title')).toEqual(['Bugs', 'COBOL']);
      expect(await grace.related('books').count()).toBe(3);
      const notes = await Book.find(1);
      expect(await notes.related('tags').orderBy('name').pluck('name')).toEqual(['history', 'math']);
      expect((await notes.related('author').first())?.name).toBe('Ada');
      const linus = await Author.find(3);
      expect(await linus.related('publisher').first()).toBeNull();
      expect(await (await Tag.find(1)).related('books').orderBy('id').pluck('id')).toEqual([1, 3]);
    });

    it('refuses unknown association names, from code or from request data', () => {
      expect(() => Author.includes('bokks' as never)).toThrow(UnknownColumnError);
      expect(() => Author.includes('bokks' as never)).toThrow("Author.includes: unknown association 'bokks' (associations: publisher, books, publishedBooks, profile)");
      expect(() => Author.includes({ books: ['tagz'] } as never)).toThrow("Book.includes: unknown association 'tagz' (associations: author, tags)");
      expect(() => Author.includes(JSON.parse('{"books": {"author": {"x": true}}}'))).toThrow(UnknownColumnError);
    });

    it('walks a self-referencing association both ways', async () => {
      await Category.deleteAll();
      await Category.insertAll([
        { id: 1, name: 'root', parentId: null },
        { id: 2, name: 'a', parentId: 1 },
        { id: 3, name: 'b', parentId: 1 },
        { id: 4, name: 'a1', parentId: 2 },
      ]);
      const [root] = await Category.where({ id: 1 }).includes({ children: ['children'] }).all();
      expect(root!.children.map((c) => c.name).sort()).toEqual(['a', 'b']);
      expect(root!.children.find((c) => c.name === 'a')!.children.map((c) => c.name)).toEqual(['a1']);
      const leaf = await Category.where({ id: 4 }).includes({ parent: 'parent' }).first();
      expect(leaf!.parent!.name).toBe('a');
      expect(leaf!.parent!.parent!.name).toBe('root');
    });

    it('splits IN lists to fit the database bind-parameter limit, with the same result', async () => {
      const dialect = context.registry.get().dialect;
      const original = dialect.maxParameters;
      Object.defineProperty(dialect, 'maxParameters', { value: 2, configurable: true, writable: true });
      try {
        const { result: authors, selects } = await counting(() => Author.orderBy('id').includes('books').all());
        expect(selects.filter((s) => /qa_books/.test(s))).toHaveLength(3); // 3 authors in chunks of 1
        expect(authors.map((a) => a.books.length)).toEqual([2, 3, 0]);
      } finally {
        Object.defineProperty(dialect, 'maxParameters', { value: original, configurable: true, writable: true });
      }
    });

    it('keeps strict loading for records read in bulk: no hidden query per record', async () => {
      const authors = await Author.all();
      const { selects } = await counting(async () => {
        for (const author of authors) {
          try {
            void author.books;
          } catch (error) {
            expect(error).toBeInstanceOf(AssociationNotLoadedError);
          }
        }
      });
      expect(selects).toEqual([]);
    });

    describe('across connections', () => {
      let crm: Connection;
      beforeAll(async () => {
        crm = context.registry.get('crm');
        await PurchaseOrder.deleteAll();
        await Customer.deleteAll();
        await Customer.insertAll([
          { id: 1, name: 'Acme' },
          { id: 2, name: 'Globex' },
        ]);
        await PurchaseOrder.insertAll([
          { id: 1, customerId: 1, total: '10.00' },
          { id: 2, customerId: 2, total: '20.00' },
          { id: 3, customerId: 1, total: '30.00' },
        ]);
      });

      it('includes a belongsTo on another database by one batched lookup there', async () => {
        const { result: orders, selects } = await counting(() => PurchaseOrder.orderBy('id').includes('customer').all());
        expect(selects).toHaveLength(2);
        expect(selects[1]).toMatch(/^crm: SELECT .* IN \(\?, \?\)$/);
        expect(orders.map((o) => o.customer.name)).toEqual(['Acme', 'Globex', 'Acme']);
      });

      it("reads the other connection inside that connection's open transaction", async () => {
        await transactional({ connection: crm }, async () => {
          const customer = await Customer.create({ id: 3, name: 'Initech (uncommitted)' });
          const order = await PurchaseOrder.create({ id: 4, customerId: customer.id, total: '1.00' });
          const [loaded] = await PurchaseOrder.where({ id: order.id }).includes('customer').all();
          expect(loaded!.customer.name).toBe('Initech (uncommitted)');
          await order.destroy();
          throw new RollBack();
        }).catch((error) => {
          if (!(error instanceof RollBack)) throw error;
        });
        expect(await Customer.exists({ id: 3 })).toBe(false);
        expect(await PurchaseOrder.exists({ id: 4 })).toBe(false);
      });

      it('refuses a join or a subquery across connections, saying what to use instead', async () => {
        await expect(PurchaseOrder.joins('customer').all()).rejects.toThrow(ConfigurationError);
        await expect(PurchaseOrder.joins('customer').all()).rejects.toThrow(
          /PurchaseOrder joins\('customer'\): Customer lives on connection 'crm' and PurchaseOrder on 'main'; .* includes\(\.\.\.\)/,
        );
        await expect(PurchaseOrder.where({ customerId: Customer.where({ name: 'Acme' }) }).all()).rejects.toThrow(/lives on connection 'crm'/);
        await expect(PurchaseOrder.whereExists('customer').count()).rejects.toThrow(/lives on connection 'crm'/);
      });
    });

    it('profiles load through hasOne and know their author by inverse', async () => {
      const [profile] = await Profile.includes('author').all();
      expect(profile!.author.name).toBe('Ada');
      const [ada] = await Author.where({ id: 1 }).includes('profile').all();
      expect(ada!.profile!.author).toBe(ada);
    });
  },
);

class RollBack extends Error {}
