import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Account, Order, Person, Sample } from './models';

/** Every exactly-stored type (no decimal): where the database stores what is bound, inserts skip RETURNING. */
@Model({ table: 'suite_exact' })
class Exact extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('string', { nullable: true }) label!: string | null;
  @Column('text', { nullable: true }) body!: string | null;
  @Column('integer', { default: 7 }) count!: number;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('float', { nullable: true }) ratio!: number | null;
  @Column('boolean', { default: true }) flag!: boolean;
  @Column('date', { nullable: true }) day!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
  @Column('binary', { nullable: true }) blob!: Buffer | null;
  @Column('uuid', { nullable: true }) ref!: string | null;
  @Column({ length: 20, default: 'new' }) status!: string;
}

/**
 * `create` gives back the record as the database holds it, whether the backend read it back with
 * RETURNING or knew it without (SQLite, and MariaDB for models without decimals): what a later
 * `find` returns, attribute for attribute, and nothing `save` would mistake for a change.
 */
describeBackends('insert read-back', { models: [Exact, Person, Sample, Account, Order] }, () => {
  interface Stored {
    toJSON(): unknown;
    changedAttributes(): readonly string[];
  }
  const expectSameAsStored = async <M extends Stored>(created: M, find: () => Promise<M>): Promise<M> => {
    const found = await find();
    expect(created.toJSON()).toEqual(found.toJSON());
    expect(created.changedAttributes()).toEqual([]);
    return found;
  };

  it('gives every type back as stored, defaults and nulls included', async () => {
    const created = await Exact.create({
      label: 'trailing space ',
      body: 'Ünïcødé ✓ 😀 and a lone surrogate \uD800 here',
      big: 9007199254740993n,
      ratio: -0,
      day: '2024-02-29',
      at: new Date('2024-03-31T01:59:59.123Z'),
      data: { when: new Date('2024-01-02T03:04:05.006Z'), skipped: undefined, list: [1, 'two', null] },
      blob: Buffer.from([0, 255, 10]),
      ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    });
    expect(typeof created.id).toBe('number');
    expect(created.count).toBe(7);
    expect(created.flag).toBe(true);
    expect(created.status).toBe('new');
    expect(created.ref).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    // JSON holds what JSON can: the Date became its ISO string, the undefined key is gone.
    expect(created.data).toEqual({ when: '2024-01-02T03:04:05.006Z', list: [1, 'two', null] });
    expect(created.at).toBeInstanceOf(Date);
    const found = await expectSameAsStored(created, () => Exact.find(created.id));
    expect(found.big).toBe(9007199254740993n);
  });

  it('takes given keys and values cast from strings', async () => {
    const created = await Exact.create({ id: 4242, count: '12' as unknown as number, flag: 'false' as unknown as boolean });
    expect(created.id).toBe(4242);
    expect(created.count).toBe(12);
    expect(created.flag).toBe(false);
    await expectSameAsStored(created, () => Exact.find(created.id));
  });

  it('a saved change after create is written and read back the same', async () => {
    const created = await Exact.create({ data: { a: 1 } });
    (created.data as { a: number }).a = 2;
    expect(created.changedAttributes()).toEqual(['data']);
    await created.save();
    const found = await expectSameAsStored(created, () => Exact.find(created.id));
    expect(found.data).toEqual({ a: 2 });
  });

  it('reads back what other models store, decimals normalised where the database does', async () => {
    const person = await Person.create({ name: 'Ada' });
    await expectSameAsStored(person, () => Person.find(person.id));
    const sample = await Sample.create({ amount: '12.3', ratio: -2.5, flag: false });
    await expectSameAsStored(sample, () => Sample.find(sample.id));
    const account = await Account.create({ email: 'ada@example.com' });
    const order = await Order.create({ accountId: account.id, total: '12.3' });
    await expectSameAsStored(order, () => Order.find(order.id));
  });
});
