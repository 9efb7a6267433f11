import {
  ActiveRecord,
  AfterCommit,
  BeforeSave,
  Column,
  CreatedAt,
  DefaultScope,
  DeletedAt,
  Model,
  PrimaryKey,
  Validate,
  Version,
  defineColumnType,
  type RecordErrors,
} from 'nestjs-activerecord';

/**
 * Compile-time guarantees of the lifecycle API, checked by `tsc` (every `@ts-expect-error` must
 * stay an error); the runtime half checks the decorators' own refusals.
 */

const Upper = defineColumnType<string>('types_upper', {
  storedAs: 'string',
  toDatabase: (value) => value.toUpperCase(),
  fromDatabase: (value) => String(value).toLowerCase(),
});

@DefaultScope<TypedPost>((posts) => posts.where({ published: true }).orderBy('title'))
@Model({ table: 'typed_posts' })
class TypedPost extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80, validate: { presence: true, length: { max: 80 }, format: /^[A-Z]/ } }) title!: string;
  @Column({ default: true }) published!: boolean;
  @Column(Upper) code!: string;
  @Column('string', { encrypted: { deterministic: true } }) email!: string;
  @CreatedAt() createdAt!: Date;
  @DeletedAt() deletedAt!: Date | null;
  @Version() lockVersion!: number;

  @BeforeSave normalize() {
    this.title = this.title.trim();
  }
  @AfterCommit({ on: ['create', 'update'] }) async announce() {}
  @Validate({ on: 'create' }) check(errors: RecordErrors) {
    if (this.title === 'x') errors.add('title', 'is x');
  }
}

function compileTimeChecks(): void {
  // @ts-expect-error a default scope is typed by its model: misspelled attribute
  DefaultScope<TypedPost>((posts) => posts.where({ publishd: true }));
  // @ts-expect-error unknown validation rule
  Column('string', { validate: { presense: true } });
  // @ts-expect-error encrypted takes true or { deterministic }
  Column('string', { encrypted: 'yes' });
  // @ts-expect-error callbacks filter by create, update or destroy
  AfterCommit({ on: 'save' });
  // @ts-expect-error updateAll's options know only touch
  void TypedPost.updateAll({ title: 'A' }, { touched: false });

  // These compile: lifecycle methods on records and relations, and callback methods are no attributes.
  void TypedPost.withDeleted().onlyDeleted().unscoped().count();
  void TypedPost.updateAll({ title: 'A' }, { touch: false });
  void TypedPost.reencrypt({ batchSize: 10, onProgress: ({ scanned, total }) => void [scanned, total] });
  const post = new TypedPost();
  void post.restore();
  void post.reallyDestroy();
  // @ts-expect-error callback methods are not attributes
  void TypedPost.pluck('normalize');
}
void compileTimeChecks;

describe('lifecycle decorators refuse what cannot work', () => {
  it.each<[string, () => void, RegExp]>([
    ['an unknown rule', () => Column('string', { validate: { presense: true } as never })({}, 'x'), /validate\.presense is not a rule/],
    ['numericality on a string', () => Column('string', { validate: { numericality: { gt: 1 } } })({}, 'x'), /applies to number columns/],
    ['a global format', () => Column('string', { validate: { format: /a/g } })({}, 'x'), /must not be global/],
    ['encrypting an integer', () => Column('integer', { encrypted: true })({}, 'x'), /only 'string' and 'text' columns can be encrypted/],
    ['a default on an encrypted column', () => Column('string', { encrypted: true, default: 'a' })({}, 'x'), /cannot have a default/],
    ['unique random encryption', () => Column('string', { encrypted: true, unique: true })({}, 'x'), /deterministic: true/],
    ['a callback on a property', () => BeforeSave()({}, 'x', {}), /decorate an instance method/],
    ['two version columns', () => {
      const proto = {};
      Version()(proto, 'a');
      Version()(proto, 'b');
    }, /two @Version columns/],
  ])('%s', (_what, declare, message) => {
    expect(declare).toThrow(message);
  });
});
