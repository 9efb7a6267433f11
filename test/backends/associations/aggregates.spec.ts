import { avg, count, max, min, sum, UnknownColumnError } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Author, Book, seedLibrary, ALL_MODELS } from './models';

describeBackends('aggregates, grouping and projections', { models: ALL_MODELS, extraConnections: { crm: { backend: 'sqlite', database: ':memory:' } } }, () => {
  beforeAll(async () => {
    await seedLibrary();
  });

  it('sums exactly: decimal text for decimals, bigint for bigints, numbers for integers', async () => {
    const total = await Book.sum('price');
    expect(total).toBe('60.90'); // 10.10 + 20.20 + 30.30 + 0.10 + 0.20, no float drift
    expect(await Book.where({ price: { lt: '1.00' } }).sum('price')).toBe('0.30');
    expect(await Book.sum('copies')).toBe(9007199254741001n); // past 2^53, exact
    expect(await Book.sum('pages')).toBe(800);
    // Sums of no rows are zero of the column's type.
    expect(await Book.where({ id: -1 }).sum('price')).toBe('0.00');
    expect(await Book.where({ id: -1 }).sum('copies')).toBe(0n);
    expect(await Book.where({ id: -1 }).sum('pages')).toBe(0);
  });

  it('averages, minimums and maximums in the column type; null over no rows', async () => {
    expect(await Book.avg('pages')).toBe(160);
    expect(Number(await Book.avg('price'))).toBeCloseTo(12.18, 10);
    expect(typeof (await Book.avg('price'))).toBe('string');
    expect(await Book.min('price')).toBe('0.10');
    expect(await Book.max('price')).toBe('30.30'); // numeric, not textual, order
    expect(await Book.max('title')).toBe('Notes');
    expect(await Book.min('releasedOn')).toBe('1842-01-01');
    expect(await Book.max('copies')).toBe(9007199254740993n);
    expect(await Book.where({ id: -1 }).max('pages')).toBeNull();
    expect(await Book.where({ id: -1 }).avg('pages')).toBeNull();
    // Over a page, the aggregate covers the page's rows.
    expect(await Book.orderBy('id').limit(2).sum('pages')).toBe(420);
  });

  it('counts rows, non-null values and distinct values', async () => {
    expect(await Book.count()).toBe(5);
    expect(await Book.count('copies')).toBe(4);
    expect(await Book.distinct().count('authorId')).toBe(2);
    expect(await Book.distinct().pluck('authorId').then((ids) => ids.sort())).toEqual([1, 2]);
  });

  it('groups: typed rows per group, having on aggregates, order by an aggregate', async () => {
    const counts = await Book.groupBy('authorId').orderBy('authorId').count();
    expect(counts).toEqual([
      { authorId: 1, count: 2 },
      { authorId: 2, count: 3 },
    ]);
    expect(await Book.groupBy('authorId').orderBy('authorId').sum('price')).toEqual([
      { authorId: 1, sum: '30.30' },
      { authorId: 2, sum: '30.60' },
    ]);
    expect(await Book.groupBy('authorId').having(count(), { gt: 2 }).count()).toEqual([{ authorId: 2, count: 3 }]);
    expect(await Book.groupBy('authorId').having(sum('price'), { lt: '30.50' }).sum('price')).toEqual([{ authorId: 1, sum: '30.30' }]);
    const rows = await Book.groupBy('authorId', 'published')
      .orderBy(count(), 'desc')
      .orderBy('authorId')
      .orderBy('published')
      .select({ authorId: 'authorId', published: 'published', books: count(), pages: sum('pages'), cheapest: min('price'), latest: max('releasedOn'), avgPages: avg('pages') })
      .all();
    expect(rows).toEqual([
      { authorId: 2, published: true, books: 3, pages: 380, cheapest: '0.10', latest: '1952-05-01', avgPages: expect.closeTo(126.667, 2) },
      { authorId: 1, published: false, books: 1, pages: 300, cheapest: '20.20', latest: '1842-01-01', avgPages: 300 },
      { authorId: 1, published: true, books: 1, pages: 120, cheapest: '10.10', latest: '1843-10-01', avgPages: 120 },
    ]);
  });

  it('groups by a joined column', async () => {
    const rows = await Book.joins('author').groupBy('author.name').orderBy('author.name').select({ author: 'author.name', books: count(), total: sum('price') }).all();
    expect(rows).toEqual([
      { author: 'Ada', books: 2, total: '30.30' },
      { author: 'Grace', books: 3, total: '30.60' },
    ]);
  });

  it('selects partial records that save only what changed', async () => {
    const partial = await Book.select('id', 'title').where({ id: 1 }).first();
    expect(partial).toBeInstanceOf(Book);
    expect(partial!.title).toBe('Notes');
    expect((partial as unknown as Record<string, unknown>).price).toBeUndefined();
    partial!.title = 'Notes (2nd ed.)';
    await partial!.save();
    const full = await Book.find(1);
    expect(full.title).toBe('Notes (2nd ed.)');
    expect(full.price).toBe('10.10'); // untouched: never read, never written
    await full.update({ title: 'Notes' });
    const keyless = await Book.select('title').where({ id: 1 }).first();
    keyless!.title = 'x';
    await expect(keyless!.save()).rejects.toThrow("Cannot save a partial Book: it was read without its key 'id'; include it in select(...)");
    const [withAuthor] = await Book.select('id', 'authorId').where({ id: 1 }).includes('author').all();
    expect(withAuthor!.author.name).toBe('Ada');
    await expect(Book.select('id', 'title').includes('author').all()).rejects.toThrow("Book.includes('author') needs 'authorId' among the selected attributes");
  });

  it('plucks several columns as typed tuples', async () => {
    const tuples = await Book.where({ authorId: 1 }).orderBy('id').pluck('id', 'price', 'copies', 'published');
    expect(tuples).toEqual([
      [1, '10.10', 9007199254740993n, true],
      [2, '20.20', 1n, false],
    ]);
  });

  it('refuses aggregates of unsuitable columns and unknown names', async () => {
    await expect(Book.sum('title' as never)).rejects.toThrow("Book.sum: sum('title') needs a integer, bigint, float, decimal column; 'title' is string");
    await expect(Book.max('nope' as never)).rejects.toThrow(UnknownColumnError);
    expect(() => Book.select({ 'bad alias': 'title' } as never)).toThrow(/cannot name a result column/);
    expect(() => Book.groupBy('authorId').having(count(), { gtt: 1 } as never)).toThrow("Book.having: unknown operator 'gtt' (operators: eq, ne, gt, gte, lt, lte, between)");
    expect(await Author.count()).toBe(3);
  });
});
