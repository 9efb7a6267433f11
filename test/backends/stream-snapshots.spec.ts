import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

const TOTAL = 2500;

/** This process's stream spill files still in the temporary folder. */
const spillFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith('nestjs-activerecord-') && name.includes(`-${process.pid}-`));

/**
 * stream() reads a result as it goes (the first rows after one batch), yet each stream sees its
 * result as it was when it started: writes by the loop body, by a transaction around it, or by
 * other code running meanwhile neither break it nor show up in it.
 */
describeBackends('stream() reads as it goes, from a stable result', { models: SUITE_MODELS }, (context) => {
  beforeEach(async () => {
    await Person.deleteAll();
    await Person.insertAll(Array.from({ length: TOTAL }, (_, i) => ({ name: `s${String(i).padStart(5, '0')}`, age: i % 5 })));
  });

  it('inside a transaction: reads the transaction\'s own writes, and rows the loop body adds do not join the stream', async () => {
    const seen: string[] = [];
    await context.registry.get().transaction(async () => {
      await Person.create({ name: 'before-stream', age: 0 });
      for await (const person of Person.where({ age: 0 }).orderBy('name').stream({ batchSize: 100 })) {
        seen.push(person.name);
        // Would be streamed again (and again) if the stream read a moving result.
        if (seen.length <= 50) await Person.create({ name: `zz-added-${seen.length}`, age: 0 });
        person.status = 'seen';
        await person.save();
      }
    });
    expect(seen).toHaveLength(TOTAL / 5 + 1);
    expect(seen).toContain('before-stream');
    expect(seen.some((name) => name.startsWith('zz-added'))).toBe(false);
    expect(await Person.where({ status: 'seen' }).count()).toBe(TOTAL / 5 + 1);
    expect(await Person.where({ name: { like: 'zz-added%' } }).count()).toBe(50);
    // Where the rest of a result had to wait on disk (the loop body wrote), the file is gone.
    expect(spillFiles()).toEqual([]);
  });

  it('outside a transaction: other code commits transactions while a stream is open, and the stream ends as it began', async () => {
    const stream = Person.orderBy('id').stream({ batchSize: 200 })[Symbol.asyncIterator]();
    const first = await stream.next();
    expect(first.done).toBe(false);
    // Other work, in other async contexts, while the stream is between batches.
    await Promise.all(
      Array.from({ length: 3 }, (_, k) =>
        context.registry.get().transaction(async () => {
          await Person.create({ name: `other-${k}`, age: 9 });
        }),
      ),
    );
    await Person.where({ age: 1 }).updateAll({ status: 'touched' });
    let count = 1;
    for (let step = await stream.next(); !step.done; step = await stream.next()) {
      expect(step.value.name.startsWith('other-')).toBe(false);
      count++;
    }
    expect(count).toBe(TOTAL);
    expect(await Person.count()).toBe(TOTAL + 3);
  });

  it('two streams at once, one left early, and a transaction after them', async () => {
    const a = Person.where({ age: 2 }).stream({ batchSize: 50 })[Symbol.asyncIterator]();
    let fromB = 0;
    for await (const _person of Person.where({ age: 3 }).stream({ batchSize: 30 })) {
      if (++fromB === 40) break;
    }
    let fromA = 0;
    for (let step = await a.next(); !step.done; step = await a.next()) fromA++;
    expect(fromA).toBe(TOTAL / 5);
    expect(fromB).toBe(40);
    await context.registry.get().transaction(async () => {
      await Person.where({ age: 4 }).deleteAll();
    });
    expect(await Person.count()).toBe(TOTAL - TOTAL / 5);
  });
});

describeBackends('stream() when its connection closes', { models: SUITE_MODELS, only: (target) => target.name === 'sqlite-file' }, (context) => {
  it('closing the application with a stream open succeeds, and the stream fails with a ConnectionError', async () => {
    await Person.deleteAll();
    await Person.insertAll(Array.from({ length: 300 }, (_, i) => ({ name: `c${i}`, age: 1 })));
    const stream = Person.stream({ batchSize: 100 })[Symbol.asyncIterator]();
    expect((await stream.next()).done).toBe(false);
    const { ConnectionRegistry, ConnectionError } = await import('nestjs-activerecord');
    // A second application on the same database, whose close must not be blocked by the open read.
    const other = await ConnectionRegistry.open({ connections: { main: context.options }, models: [Person] });
    // Started in the second application's scope (two applications bind Person now).
    const reading = await other.run(async () => {
      const iterator = Person.stream({ batchSize: 100 })[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      return iterator;
    });
    await other.close();
    let failure: unknown;
    try {
      for (let step = await reading.next(); !step.done; step = await reading.next()) {
        // drain
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConnectionError);
    // The first application's stream is untouched.
    let rest = 1;
    for (let step = await stream.next(); !step.done; step = await stream.next()) rest++;
    expect(rest).toBe(300);
  });
});
