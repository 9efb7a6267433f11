import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

describeBackends('ordering, paging and aggregates', { models: SUITE_MODELS }, () => {
  beforeAll(async () => {
    await Person.deleteAll();
    await Person.insertAll(
      Array.from({ length: 25 }, (_, i) => ({ name: `p${String(i).padStart(2, '0')}`, age: i % 5, status: i % 2 ? 'odd' : 'even' })),
    );
  });

  it('orders by one or several attributes in either direction', async () => {
    expect((await Person.orderBy('name', 'desc').limit(3).pluck('name'))).toEqual(['p24', 'p23', 'p22']);
    const rows = await Person.orderBy({ age: 'desc', name: 'asc' }).limit(3).all();
    expect(rows.map((p) => [p.age, p.name])).toEqual([[4, 'p04'], [4, 'p09'], [4, 'p14']]);
  });

  it('pages with limit and offset, and offset alone', async () => {
    expect(await Person.orderBy('name').limit(5).offset(10).pluck('name')).toEqual(['p10', 'p11', 'p12', 'p13', 'p14']);
    expect(await Person.orderBy('name').offset(22).pluck('name')).toEqual(['p22', 'p23', 'p24']);
    expect(await Person.orderBy('name').limit(0).all()).toEqual([]);
  });

  it('first follows the order, else the primary key', async () => {
    expect((await Person.orderBy('name', 'desc').first())?.name).toBe('p24');
    expect((await Person.first())?.name).toBe('p00');
    expect(await Person.where({ name: 'nobody' }).first()).toBeNull();
  });

  it('counts matching rows, and counts a page as the page', async () => {
    expect(await Person.count()).toBe(25);
    expect(await Person.where({ status: 'odd' }).count()).toBe(12);
    expect(await Person.orderBy('name').limit(5).offset(22).count()).toBe(3);
  });

  it('answers exists and plucks typed values', async () => {
    expect(await Person.where({ age: 4 }).exists()).toBe(true);
    expect(await Person.exists({ age: 99 })).toBe(false);
    const ages = await Person.where({ status: 'even' }).orderBy('name').limit(3).pluck('age');
    expect(ages).toEqual([0, 2, 4]);
  });

  it('keeps query builders immutable: refining one never changes another', async () => {
    const base = Person.where({ status: 'odd' });
    const young = base.where({ age: { lt: 2 } });
    const ordered = base.orderBy('name', 'desc').limit(2);
    expect(await base.count()).toBe(12);
    expect(await young.count()).toBe(5);
    expect(await ordered.pluck('name')).toEqual(['p23', 'p21']);
    expect(await base.orderBy('name').first().then((p) => p?.name)).toBe('p01');
    expect(base.toSQL()).toEqual(Person.where({ status: 'odd' }).toSQL());
  });
});
