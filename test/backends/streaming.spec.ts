import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

const TOTAL = 3000;

describeBackends('streaming and batches', { models: SUITE_MODELS }, (context) => {
  beforeEach(async () => {
    await Person.deleteAll();
    await Person.insertAll(Array.from({ length: TOTAL }, (_, i) => ({ name: `n${String(i).padStart(5, '0')}`, age: i % 7 })));
  });

  it('stream() yields every matching record in order', async () => {
    const seen: string[] = [];
    for await (const person of Person.where({ age: { lt: 3 } }).orderBy('name', 'desc').stream({ batchSize: 50 })) {
      expect(person).toBeInstanceOf(Person);
      seen.push(person.name);
    }
    const expected = await Person.where({ age: { lt: 3 } }).orderBy('name', 'desc').pluck('name');
    expect(seen).toEqual(expected);
  });

  it('stream() lets the loop body write to the same connection', async () => {
    let updated = 0;
    for await (const person of Person.where({ age: 0 }).stream({ batchSize: 25 })) {
      person.status = 'streamed';
      await person.save();
      updated++;
    }
    expect(updated).toBe(Math.ceil(TOTAL / 7));
    expect(await Person.where({ status: 'streamed' }).count()).toBe(updated);
  });

  it('stream() can be left early, and the connection is usable afterwards', async () => {
    let taken = 0;
    for await (const person of Person.stream({ batchSize: 10 })) {
      expect(person.name).toBeDefined();
      if (++taken === 15) break;
    }
    expect(taken).toBe(15);
    expect(await Person.count()).toBe(TOTAL);
    await context.registry.get().transaction(async () => {
      expect(await Person.count()).toBe(TOTAL);
    });
  });

  it('stream() inside a transaction sees the transaction\'s own writes', async () => {
    await context.registry.get().transaction(async () => {
      await Person.create({ name: 'in-tx', age: 100 });
      const names: string[] = [];
      for await (const person of Person.where({ age: 100 }).stream({ batchSize: 10 })) {
        names.push(person.name);
        await Person.where({ id: person.id }).updateAll({ status: 'seen' });
      }
      expect(names).toEqual(['in-tx']);
    });
    expect(await Person.where({ status: 'seen' }).count()).toBe(1);
  });

  it('findInBatches() walks the table in key order, in bounded batches, with writes in between', async () => {
    const sizes: number[] = [];
    let previous = 0;
    for await (const batch of Person.where({ age: { gte: 1 } }).findInBatches({ batchSize: 400 })) {
      sizes.push(batch.length);
      for (const person of batch) {
        expect(person.id).toBeGreaterThan(previous);
        previous = person.id;
      }
      await Person.where({ id: batch.map((p) => p.id) }).updateAll({ status: 'batched' });
    }
    const matching = await Person.where({ age: { gte: 1 } }).count();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(matching);
    expect(Math.max(...sizes)).toBe(400);
    expect(await Person.where({ status: 'batched' }).count()).toBe(matching);
  });

  it('findInBatches() honours a limit and refuses a custom order', async () => {
    let total = 0;
    for await (const batch of Person.limit(250).findInBatches({ batchSize: 100 })) total += batch.length;
    expect(total).toBe(250);
    const batches = Person.orderBy('name').findInBatches();
    await expect(batches.next()).rejects.toThrow(/orderBy/);
  });
});
