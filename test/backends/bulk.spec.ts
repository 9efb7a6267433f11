import { UniqueConstraintError, ValidationError } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Account, Person, Sample, SUITE_MODELS } from './models';

describeBackends('bulk writes', { models: SUITE_MODELS }, (context) => {
  beforeEach(async () => {
    await Person.deleteAll();
    await Sample.deleteAll();
    await Account.deleteAll();
  });

  it('insertAll writes thousands of rows, beyond one statement\'s parameter limit', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ name: `n${i}`, age: i % 100, email: i % 3 ? `e${i}@x.org` : null }));
    expect(await Person.insertAll(rows)).toBe(5000);
    expect(await Person.count()).toBe(5000);
    expect(await Person.where({ email: null }).count()).toBe(1667);
    expect(await Person.insertAll([])).toBe(0);
  });

  it('insertAll generates UUID keys and mixes rows with different attribute sets', async () => {
    await Sample.insertAll([{ label: 'a' }, { label: 'b', count: 2 }, { count: 3 }]);
    const samples = await Sample.orderBy('count').all();
    expect(samples).toHaveLength(3);
    expect(new Set(samples.map((s) => s.id)).size).toBe(3);
  });

  it('insertAll validates every row first and writes nothing when one is invalid', async () => {
    const rows = [{ name: 'ok' }, { name: null as unknown as string }, { name: 'ok too', age: 'old' as unknown as number }];
    const error = await Person.insertAll(rows).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.attribute)).toEqual(['rows[1].name', 'rows[2].age']);
    expect(await Person.count()).toBe(0);
  });

  it('insertAll is one transaction: a failing statement after others leaves nothing written', async () => {
    // The duplicate is in a later multi-row statement than the first rows.
    const rows = Array.from({ length: 3000 }, (_, i) => ({ email: `a${i}@x.org` }));
    rows.push({ email: 'a1@x.org' });
    await expect(Account.insertAll(rows)).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await Account.count()).toBe(0);
    // The connection (SQLite's only one) is free again.
    expect(await Account.insertAll([{ email: 'fine@x.org' }])).toBe(1);
  });

  it('insertAll inside a transaction joins it, and rolls back with it', async () => {
    const connection = context.registry.get('main');
    const failure = new Error('changed my mind');
    await expect(
      connection.transaction(async () => {
        expect(await Person.insertAll([{ name: 'a' }, { name: 'b' }])).toBe(2);
        expect(await Person.count()).toBe(2);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await Person.count()).toBe(0);
    await connection.transaction(async () => {
      await Person.insertAll([{ name: 'c' }]);
    });
    expect(await Person.pluck('name')).toEqual(['c']);
  });

  it('insertAll rejects unknown attributes', async () => {
    await expect(Person.insertAll([{ name: 'x', nope: 1 } as never])).rejects.toBeInstanceOf(ValidationError);
    expect(await Person.count()).toBe(0);
  });

  it('updateAll and deleteAll touch exactly the matching rows and report how many', async () => {
    await Person.insertAll(Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, age: i })));
    expect(await Person.where({ age: { gte: 5 } }).updateAll({ status: 'old' })).toBe(5);
    expect(await Person.where({ status: 'old' }).count()).toBe(5);
    expect(await Person.where({ age: { lt: 3 } }).deleteAll()).toBe(3);
    expect(await Person.count()).toBe(7);
    await expect(Person.where({ age: 1 }).updateAll({ age: 'x' as unknown as number })).rejects.toBeInstanceOf(ValidationError);
    await expect(Person.limit(1).deleteAll()).rejects.toThrow(/limit or offset/);
    expect(await Person.count()).toBe(7);
  });
});
