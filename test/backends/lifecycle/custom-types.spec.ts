import { ActiveRecord, Column, ConfigurationError, Model, PrimaryKey, ValidationError, defineColumnType } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';

/** Exact money in cents, stored as a decimal. */
class Money {
  constructor(readonly cents: bigint) {}
  static parse(text: string): Money {
    const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
    if (!match) throw new TypeError('expected an amount such as 12.30');
    const cents = BigInt(match[2]!) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
    return new Money(match[1] === '-' ? -cents : cents);
  }
  toFixed(): string {
    const sign = this.cents < 0n ? '-' : '';
    const abs = this.cents < 0n ? -this.cents : this.cents;
    return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  }
}

const dialectsSeen = new Set<string>();

const MoneyType = defineColumnType<Money>('test_money', {
  storedAs: 'decimal',
  cast: (value) => (value instanceof Money ? value : Money.parse(String(value))),
  toDatabase: (money, dialect) => {
    dialectsSeen.add(dialect);
    return money.toFixed();
  },
  fromDatabase: (text) => Money.parse(text as string),
});

/** A mutable value: a list of tags kept as one comma-separated string (per dialect: upper case on MySQL-family). */
const TagsType = defineColumnType<string[]>('test_tags', {
  storedAs: 'string',
  cast: (value) => {
    if (Array.isArray(value) && value.every((tag) => typeof tag === 'string' && !tag.includes(','))) return [...value];
    throw new TypeError('expected an array of tags without commas');
  },
  toDatabase: (tags, dialect) => (dialect === 'mariadb' || dialect === 'mysql' ? tags.join(',').toUpperCase() : tags.join(',')),
  fromDatabase: (text) => ((text as string) === '' ? [] : (text as string).toLowerCase().split(',')),
});

@Model({ table: 'life_products' })
class Product extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column(MoneyType, { precision: 10, scale: 2 }) price!: Money;
  @Column({ type: TagsType, length: 200 }) tags!: string[];
}

describeBackends('custom column types', { models: [Product] }, (context) => {
  beforeEach(async () => {
    await Product.deleteAll();
  });

  it('stores through the adapter and reads back the custom value', async () => {
    const product = await Product.create({ price: Money.parse('12.30'), tags: ['red', 'sale'] });
    const read = await Product.find(product.id);
    expect(read.price).toBeInstanceOf(Money);
    expect(read.price.cents).toBe(1230n);
    expect(read.tags).toEqual(['red', 'sale']);
    const rows = await context.registry.get().query('SELECT tags FROM life_products');
    expect(rows[0]!.tags).toBe(context.target.name === 'mariadb' ? 'RED,SALE' : 'red,sale');
    expect(dialectsSeen.has(context.registry.get().dialect.name)).toBe(true);
  });

  it('casts assigned values and filters through the adapter', async () => {
    await Product.create({ price: '9.99' as unknown as Money, tags: [] });
    await Product.create({ price: Money.parse('20'), tags: ['x'] });
    expect((await Product.findBy({ price: '9.99' as unknown as Money }))?.price.cents).toBe(999n);
    expect(await Product.where({ price: [Money.parse('20.00'), Money.parse('1')] }).count()).toBe(1);
    // An array means IN: an array-valued type is compared with eq.
    expect(await Product.where({ tags: { eq: ['x'] } }).count()).toBe(1);
    const error = await Product.create({ price: 'lots' as unknown as Money, tags: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ attribute: 'price', message: 'expected an amount such as 12.30' }]);
  });

  it('notices in-place changes of a mutable custom value', async () => {
    const product = await Product.create({ price: Money.parse('1'), tags: ['a'] });
    expect(product.changedAttributes()).toEqual([]);
    product.tags.push('b');
    expect(product.changedAttributes()).toEqual(['tags']);
    await product.save();
    expect((await Product.find(product.id)).tags).toEqual(['a', 'b']);
    expect(product.changedAttributes()).toEqual([]);
  });

  it('insertAll and updateAll go through the adapter', async () => {
    await Product.insertAll([
      { price: Money.parse('1.5'), tags: ['p'] },
      { price: Money.parse('2.5'), tags: ['q'] },
    ]);
    await Product.where({ price: Money.parse('1.50') }).updateAll({ tags: ['z', 'y'] });
    expect((await Product.findBy({ price: Money.parse('1.5') }))?.tags).toEqual(['z', 'y']);
  });

  it('refuses a bad definition', () => {
    expect(() => defineColumnType('test_bad', { storedAs: 'money' as never, toDatabase: String, fromDatabase: String })).toThrow(ConfigurationError);
    expect(() => defineColumnType('test_money', { storedAs: 'decimal', toDatabase: String, fromDatabase: String })).toThrow(/already defined/);
    expect(() => defineColumnType('test_nofn', { storedAs: 'string' } as never)).toThrow(/toDatabase must be a function/);
  });
});
