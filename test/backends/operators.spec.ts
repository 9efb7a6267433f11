import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

describeBackends('query operators', { models: SUITE_MODELS }, () => {
  beforeAll(async () => {
    await Person.deleteAll();
    await Person.insertAll([
      { name: 'Ada', age: 36, email: 'ada@example.com', status: 'active' },
      { name: 'Grace', age: 85, email: 'grace@example.com', status: 'retired' },
      { name: 'Linus', age: 17, email: null, status: 'active' },
      { name: 'Margaret', age: null, email: 'margaret@example.com', status: 'away' },
      { name: '50% off_sale', age: 50, email: null, status: 'active' },
    ]);
  });

  const names = async (query: { pluck(attribute: 'name'): Promise<string[]> }) => (await query.pluck('name')).sort();

  it('eq, ne and plain values', async () => {
    expect(await names(Person.where({ name: 'Ada' }))).toEqual(['Ada']);
    expect(await names(Person.where({ name: { eq: 'Ada' } }))).toEqual(['Ada']);
    expect(await names(Person.where({ status: { ne: 'active' } }))).toEqual(['Grace', 'Margaret']);
  });

  it('gt, gte, lt, lte (NULL never matches a comparison)', async () => {
    expect(await names(Person.where({ age: { gt: 36 } }))).toEqual(['50% off_sale', 'Grace']);
    expect(await names(Person.where({ age: { gte: 36 } }))).toEqual(['50% off_sale', 'Ada', 'Grace']);
    expect(await names(Person.where({ age: { lt: 36 } }))).toEqual(['Linus']);
    expect(await names(Person.where({ age: { lte: 36 } }))).toEqual(['Ada', 'Linus']);
    expect(await names(Person.where({ age: { gte: 18, lt: 60 } }))).toEqual(['50% off_sale', 'Ada']);
  });

  it('in, notIn, arrays as IN, and empty lists', async () => {
    expect(await names(Person.where({ name: ['Ada', 'Grace', 'Nobody'] }))).toEqual(['Ada', 'Grace']);
    expect(await names(Person.where({ age: { in: [17, 85] } }))).toEqual(['Grace', 'Linus']);
    expect(await names(Person.where({ status: { notIn: ['active', 'away'] } }))).toEqual(['Grace']);
    expect(await Person.where({ name: [] }).count()).toBe(0);
    expect(await Person.where({ name: { notIn: [] } }).count()).toBe(5);
  });

  it('like and notLike', async () => {
    expect(await names(Person.where({ email: { like: '%@example.com' } }))).toEqual(['Ada', 'Grace', 'Margaret']);
    expect(await names(Person.where({ name: { like: 'G%' } }))).toEqual(['Grace']);
    expect(await names(Person.where({ name: { notLike: '%a%' } }))).toEqual(['Linus']);
  });

  it('between, inclusive', async () => {
    expect(await names(Person.where({ age: { between: [17, 36] } }))).toEqual(['Ada', 'Linus']);
  });

  it('null as IS NULL, isNull, and eq/ne null', async () => {
    expect(await names(Person.where({ email: null }))).toEqual(['50% off_sale', 'Linus']);
    expect(await names(Person.where({ email: { isNull: true } }))).toEqual(['50% off_sale', 'Linus']);
    expect(await names(Person.where({ age: { isNull: false } }))).toEqual(['50% off_sale', 'Ada', 'Grace', 'Linus']);
    expect(await names(Person.where({ age: { eq: null } }))).toEqual(['Margaret']);
    expect(await names(Person.where({ age: { ne: null } }))).toEqual(['50% off_sale', 'Ada', 'Grace', 'Linus']);
  });

  it('combines where calls with AND, whereNot and whereAny', async () => {
    expect(await names(Person.where({ status: 'active' }).where({ age: { gte: 18 } }))).toEqual(['50% off_sale', 'Ada']);
    expect(await names(Person.whereNot({ status: 'active' }))).toEqual(['Grace', 'Margaret']);
    expect(await names(Person.whereAny([{ name: 'Ada' }, { age: { gt: 80 } }]))).toEqual(['Ada', 'Grace']);
    expect(await Person.whereAny([]).count()).toBe(0);
  });

  it('casts route-parameter strings for numeric columns', async () => {
    expect(await names(Person.where({ age: '36' as unknown as number }))).toEqual(['Ada']);
  });
});
