import {
  ActiveRecord,
  BelongsTo,
  Column,
  ConnectionRegistry,
  count,
  HasMany,
  Model,
  PrimaryKey,
  rank,
  sum,
  UnknownColumnError,
  type PartialRecord,
} from 'nestjs-activerecord';

/**
 * Compile-time guarantees of the association and query API, checked by `tsc` (`npm test` runs
 * the typecheck first): every `@ts-expect-error` must stay an error. The runtime half shows that
 * names arriving at runtime are refused as clearly.
 */

@Model({ table: 'ta_authors' })
class TAuthor extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @HasMany(() => TBook) books!: TBook[];
}

@Model({ table: 'ta_books' })
class TBook extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() title!: string;
  @Column('integer') authorId!: number;
  @Column('decimal') price!: string;
  @Column('bigint') copies!: bigint;
  @BelongsTo(() => TAuthor) author!: TAuthor;
}

function declarationChecks(): void {
  class Wrong extends ActiveRecord {
    @PrimaryKey() id!: number;
    @Column('integer') authorId!: number;
    // @ts-expect-error the property's type must be the target model
    @BelongsTo(() => TAuthor) author!: TBook;
    // @ts-expect-error a foreign key this model does not have
    @BelongsTo(() => TAuthor, { foreignKey: 'writerId' }) writer!: TAuthor;
    // @ts-expect-error hasMany needs an array of the target
    @HasMany(() => TBook) books!: TBook;
    // @ts-expect-error a foreign key the target does not have
    @HasMany(() => TBook, { foreignKey: 'authrId' }) more!: TBook[];
  }
  void Wrong;
}
void declarationChecks;

function queryChecks(): void {
  // Associations are not attributes.
  // @ts-expect-error an association is not an attribute of create
  void TBook.create({ author: new TAuthor() });
  // @ts-expect-error nor of pluck
  void TBook.pluck('author');
  // @ts-expect-error misspelled association in includes
  void TAuthor.includes('bokks');
  // @ts-expect-error misspelled nested association
  void TAuthor.includes({ books: ['autor'] });
  // @ts-expect-error misspelled association in joins
  void TBook.joins('autor');
  // @ts-expect-error misspelled column of a joined association
  void TBook.joins('author').where({ author: { nmae: 'Ada' } });
  // @ts-expect-error misspelled joined column path
  void TBook.joins('author').orderBy('author.nmae');
  // @ts-expect-error whereExists takes associations only
  void TAuthor.whereExists('name');
  // @ts-expect-error misspelled attribute in an aggregate
  void TBook.sum('prise');
  // @ts-expect-error misspelled attribute in groupBy
  void TBook.groupBy('authrId');
  // @ts-expect-error misspelled attribute in a projection
  void TBook.select({ total: sum('prise') });
  // @ts-expect-error misspelled attribute in a window
  void TBook.select({ place: rank().over({ orderBy: { prise: 'desc' } }) });
  // @ts-expect-error having compares a count with numbers
  void TBook.groupBy('authorId').having(count(), { gt: 'two' });
  // @ts-expect-error unselected attributes of a partial record are not there
  void TBook.select('id', 'title').first().then((book) => book?.price);
  // @ts-expect-error load takes association names
  void new TBook().load('title');

  // Results are typed: these compile.
  const author: Promise<TAuthor> = new TBook().load('author');
  const authors: Promise<TAuthor[]> = TAuthor.includes('books').joins('books').where({ books: { title: 'x' } }).all();
  const related: Promise<string[]> = new TAuthor().related('books').pluck('title');
  const total: Promise<string> = TBook.sum('price');
  const copies: Promise<bigint> = TBook.sum('copies');
  const tuples: Promise<Array<[number, string]>> = TBook.joins('author').pluck('id', 'author.name');
  const grouped: Promise<Array<{ authorId: number; count: number }>> = TBook.groupBy('authorId').count();
  const rows: Promise<Array<{ authorId: number; books: number; total: string | null; place: number }>> = TBook.groupBy('authorId')
    .having(sum('price'), { gt: '10.00' })
    .select({ authorId: 'authorId', books: count(), total: sum('price'), place: rank().over({ orderBy: { authorId: 'asc' } }) })
    .all();
  const partial: Promise<Array<PartialRecord<TBook, 'id' | 'title'>>> = TBook.select('id', 'title').all();
  const subquery = TBook.where({ authorId: TAuthor.where({ name: 'Ada' }).select('id') });
  const byRecord = TBook.where({ author: new TAuthor() });
  void [author, authors, related, total, copies, tuples, grouped, rows, partial, subquery, byRecord];
}
void queryChecks;

describe('typed associations and queries', () => {
  let registry: ConnectionRegistry;
  beforeAll(async () => {
    registry = await ConnectionRegistry.open({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [TAuthor, TBook] });
  });
  afterAll(() => registry.close());

  it('refuses names from request data that the compiler could not see', () => {
    const fromRequest = (json: string) => JSON.parse(json) as never;
    expect(() => TAuthor.includes(fromRequest('"bokks"'))).toThrow(UnknownColumnError);
    expect(() => TBook.joins('author').where(fromRequest('{"author":{"nmae":"Ada"}}'))).toThrow("TAuthor.where: unknown attribute 'nmae' (attributes: id, name; associations: books)");
    expect(() => TBook.groupBy(fromRequest('"authrId"'))).toThrow(UnknownColumnError);
    expect(() => TBook.select({ total: sum(fromRequest('"x; DROP TABLE ta_books"')) })).toThrow("TBook.select: unknown attribute 'x; DROP TABLE ta_books'");
  });
});
