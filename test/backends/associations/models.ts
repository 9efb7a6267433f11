import { ActiveRecord, BelongsTo, Column, HasMany, HasOne, Model, PrimaryKey } from 'nestjs-activerecord';

/** Models of the associations and queries suite; all on the suite's `main` except Customer. */

@Model({ table: 'qa_publishers' })
export class Publisher extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @HasMany(() => Author) authors!: Author[];
}

@Model({ table: 'qa_authors' })
export class Author extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @Column('integer', { nullable: true, references: () => Publisher }) publisherId!: number | null;
  @BelongsTo(() => Publisher) publisher!: Publisher | null;
  @HasMany(() => Book) books!: Book[];
  @HasMany(() => Book, { foreignKey: 'authorId', scope: (books) => books.where({ published: true }).orderBy('title') })
  publishedBooks!: Book[];
  @HasOne(() => Profile) profile!: Profile | null;
}

@Model({ table: 'qa_profiles' })
export class Profile extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer', { references: () => Author }) authorId!: number;
  @Column() bio!: string;
  @BelongsTo(() => Author) author!: Author;
}

@Model({ table: 'qa_books' })
export class Book extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() title!: string;
  @Column('integer', { references: () => Author }) authorId!: number;
  @Column('decimal', { precision: 10, scale: 2, default: '0.00' }) price!: string;
  @Column('integer', { default: 100 }) pages!: number;
  @Column({ default: true }) published!: boolean;
  @Column('bigint', { nullable: true }) copies!: bigint | null;
  @Column('date', { nullable: true }) releasedOn!: string | null;
  @BelongsTo(() => Author) author!: Author;
  @HasMany(() => Tag, { through: () => BookTag }) tags!: Tag[];
}

@Model({ table: 'qa_tags' })
export class Tag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @HasMany(() => Book, { through: () => BookTag }) books!: Book[];
}

@Model({ table: 'qa_book_tags' })
export class BookTag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer', { references: () => Book }) bookId!: number;
  @Column('integer', { references: () => Tag }) tagId!: number;
  @BelongsTo(() => Book) book!: Book;
  @BelongsTo(() => Tag) tag!: Tag;
}

@Model({ table: 'qa_categories' })
export class Category extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @Column('integer', { nullable: true }) parentId!: number | null;
  @BelongsTo(() => Category, { foreignKey: 'parentId' }) parent!: Category | null;
  @HasMany(() => Category, { foreignKey: 'parentId' }) children!: Category[];
}

/** Lives on another database ('crm'): orders reach it by batched lookups, never by joins. */
@Model({ table: 'qa_customers', connection: 'crm' })
export class Customer extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Model({ table: 'qa_orders' })
export class PurchaseOrder extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') customerId!: number;
  @Column('decimal', { precision: 10, scale: 2 }) total!: string;
  @BelongsTo(() => Customer) customer!: Customer;
}

export const MAIN_MODELS = [Publisher, Author, Profile, Book, Tag, BookTag, Category, PurchaseOrder];
export const ALL_MODELS = [...MAIN_MODELS, Customer];

/** A small library: two publishers, three authors, five books, three tags. */
export async function seedLibrary(): Promise<void> {
  await BookTag.deleteAll();
  await Tag.deleteAll();
  await Book.deleteAll();
  await Profile.deleteAll();
  await Author.deleteAll();
  await Publisher.deleteAll();
  await Publisher.insertAll([
    { id: 1, name: 'Penguin' },
    { id: 2, name: 'Vintage' },
  ]);
  await Author.insertAll([
    { id: 1, name: 'Ada', publisherId: 1 },
    { id: 2, name: 'Grace', publisherId: 1 },
    { id: 3, name: 'Linus', publisherId: null },
  ]);
  await Profile.insertAll([{ id: 1, authorId: 1, bio: 'First programmer' }]);
  await Book.insertAll([
    { id: 1, title: 'Notes', authorId: 1, price: '10.10', pages: 120, published: true, copies: 9007199254740993n, releasedOn: '1843-10-01' },
    { id: 2, title: 'Engines', authorId: 1, price: '20.20', pages: 300, published: false, copies: 1n, releasedOn: '1842-01-01' },
    { id: 3, title: 'Compilers', authorId: 2, price: '30.30', pages: 250, published: true, copies: 5n, releasedOn: '1952-05-01' },
    { id: 4, title: 'COBOL', authorId: 2, price: '0.10', pages: 80, published: true, copies: null, releasedOn: null },
    { id: 5, title: 'Bugs', authorId: 2, price: '0.20', pages: 50, published: true, copies: 2n, releasedOn: '1947-09-09' },
  ]);
  await Tag.insertAll([
    { id: 1, name: 'math' },
    { id: 2, name: 'history' },
    { id: 3, name: 'unused' },
  ]);
  await BookTag.insertAll([
    { id: 1, bookId: 1, tagId: 1 },
    { id: 2, bookId: 1, tagId: 2 },
    { id: 3, bookId: 3, tagId: 1 },
  ]);
}
