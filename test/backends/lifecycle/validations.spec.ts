import { UniqueConstraintError, ValidationError } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { LIFECYCLE_MODELS, Signup } from './models';

async function problems(work: Promise<unknown>): Promise<Array<{ attribute: string; message: string }>> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ValidationError) return [...error.errors];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describeBackends('validations', { models: LIFECYCLE_MODELS }, () => {
  beforeEach(async () => {
    await Signup.deleteAll();
  });

  const valid = { name: 'Ada', email: 'ada@example.com', plan: 'free' };

  it('accepts a valid record', async () => {
    const ada = await Signup.create({ ...valid, age: 36, credit: '12.5', lucky: 7n });
    expect(ada.credit).toBe('12.50');
    expect((await Signup.find(ada.id)).credit).toBe('12.50');
  });

  it('reports every problem of a record at once, with field paths, and writes nothing', async () => {
    const found = await problems(
      Signup.create({ name: ' ', email: 'not-an-address', plan: 'gold', handle: 'admin', age: 12, credit: '1000.01', lucky: 8n }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        { attribute: 'name', message: 'cannot be blank' },
        { attribute: 'name', message: 'is too short (minimum is 2 characters)' },
        { attribute: 'email', message: 'must look like an address' },
        { attribute: 'plan', message: 'is not included in the list' },
        { attribute: 'handle', message: 'is reserved' },
        { attribute: 'age', message: 'must be greater than or equal to 13' },
        { attribute: 'credit', message: 'must be less than or equal to 1000.00' },
        { attribute: 'lucky', message: 'must be odd' },
      ]),
    );
    expect(await Signup.count()).toBe(0);
  });

  it('type problems and rule problems come together', async () => {
    const found = await problems(Signup.create({ ...valid, age: 'forty' as unknown as number, plan: 'x' }));
    expect(found.map((issue) => issue.attribute).sort()).toEqual(['age', 'plan']);
  });

  it('runs @Validate methods, including async ones that read the database, on create and update as declared', async () => {
    expect(await problems(Signup.create({ ...valid, plan: 'pro' }))).toEqual([{ attribute: 'age', message: 'is required on the pro plan' }]);
    await Signup.create({ ...valid, name: 'Grace', email: 'grace@example.com', region: 'us' });
    const ada = await Signup.create(valid);
    ada.name = 'Grace';
    expect(await problems(ada.save())).toEqual([{ attribute: 'name', message: 'is used by someone else' }]);
  });

  it('checks uniqueness in the write transaction, excluding the record itself, and with a scope', async () => {
    const ada = await Signup.create(valid);
    expect(await problems(Signup.create({ ...valid, name: 'Eve', region: 'us' }))).toEqual([
      { attribute: 'email', message: 'has already been taken' },
    ]);
    // Saving the record itself again is not a clash with itself.
    ada.age = 40;
    await ada.save();
    // region is unique per plan: the same region on another plan is fine, on the same plan it is not.
    await Signup.create({ name: 'Bob', email: 'bob@example.com', plan: 'pro', age: 30 });
    expect(await problems(Signup.create({ name: 'Eve', email: 'eve@example.com', plan: 'free' }))).toEqual([
      { attribute: 'region', message: 'is taken on this plan' },
    ]);
  });

  it('concurrent creates of one value: one wins, the others fail (validation, or the unique index in a race)', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => Signup.create({ name: `P${i}`, email: 'same@example.com', plan: 'free', region: `r${i}` })),
    );
    const won = attempts.filter((attempt) => attempt.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') {
        expect(attempt.reason instanceof ValidationError || attempt.reason instanceof UniqueConstraintError).toBe(true);
      }
    }
    expect(await Signup.count()).toBe(1);
  });

  it('insertAll checks column rules (not @Validate or uniqueness) and writes nothing on failure', async () => {
    const found = await problems(Signup.insertAll([valid, { ...valid, email: 'b@example.com', plan: 'gold' }]));
    expect(found).toEqual([{ attribute: 'rows[1].plan', message: 'is not included in the list' }]);
    expect(await Signup.count()).toBe(0);
  });

  it('updateAll skips validation rules but still checks types', async () => {
    await Signup.create(valid);
    expect(await Signup.updateAll({ plan: 'legacy' })).toBe(1);
    await expect(Signup.updateAll({ age: 'x' as unknown as number })).rejects.toBeInstanceOf(ValidationError);
  });
});
