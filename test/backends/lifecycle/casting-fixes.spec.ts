import { ActiveRecord, Column, Model, PrimaryKey, ValidationError, escapeLike } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';

@Model({ table: 'life_values' })
class Value extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) s!: string;
  @Column('integer', { nullable: true }) n!: number | null;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('decimal', { nullable: true, precision: 5, scale: 2 }) amount!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
}

async function validationErrorOf(work: () => Promise<unknown>): Promise<ValidationError> {
  const error = await work().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error;
}

describeBackends('exact value casting (issue #13, fixes 1-7)', { models: [Value] }, () => {
  beforeEach(async () => {
    await Value.deleteAll();
  });

  it('1. updateAll refuses undefined, and NULL for a NOT NULL column, as ValidationErrors', async () => {
    await Value.create({ s: 'keep' });
    const undefinedError = await validationErrorOf(() => Value.updateAll({ s: undefined }));
    expect(undefinedError.errors).toEqual([{ attribute: 's', message: 'is undefined; pass null to set NULL, or leave the key out' }]);
    const nullError = await validationErrorOf(() => Value.updateAll({ s: null as unknown as string }));
    expect(nullError.errors).toEqual([{ attribute: 's', message: 'cannot be null' }]);
    expect(await Value.pluck('s')).toEqual(['keep']);
  });

  it.each(['1', 'foo 12', '2024-02-30T00:00:00Z', '2023-02-29', '2024-01-01T24:00:00Z', '2024-13-01', '12/25/2024'])(
    '2. a datetime column refuses %p (on write and in where)',
    async (text) => {
      await validationErrorOf(() => Value.create({ s: 'x', at: text as unknown as Date }));
      expect(() => Value.where({ at: text as unknown as Date })).toThrow(ValidationError);
    },
  );

  it('2. a datetime column reads ISO-8601 exactly, a string without offset as UTC', async () => {
    const cases: Array<[string, string]> = [
      ['2024-02-29T12:34:56.789Z', '2024-02-29T12:34:56.789Z'],
      ['2024-02-29T12:34:56+02:00', '2024-02-29T10:34:56.000Z'],
      ['2024-02-29 12:34', '2024-02-29T12:34:00.000Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ];
    for (const [text, iso] of cases) {
      const value = await Value.create({ s: text, at: text as unknown as Date });
      expect(value.at?.toISOString()).toBe(iso);
      expect((await Value.find(value.id)).at?.toISOString()).toBe(iso);
    }
  });

  it.each(['0.99999999999999999', '2147483647.0000001', '1.5', '2147483648', '1e10'])('3. an integer column refuses %p', async (text) => {
    await validationErrorOf(() => Value.create({ s: 'x', n: text as unknown as number }));
  });

  it('3. an integer column takes exact integers in any spelling', async () => {
    for (const [text, expected] of [['1e3', 1000], ['12.000', 12], [' -7 ', -7], ['2147483647', 2147483647]] as const) {
      expect((await Value.create({ s: 'x', n: text as unknown as number })).n).toBe(expected);
    }
  });

  it('4. bigint values outside int64 are ValidationErrors', async () => {
    for (const big of [2n ** 63n, -(2n ** 63n) - 1n, '99999999999999999999']) {
      await validationErrorOf(() => Value.create({ s: 'x', big: big as bigint }));
    }
    const edge = await Value.create({ s: 'x', big: 2n ** 63n - 1n });
    expect((await Value.find(edge.id)).big).toBe(2n ** 63n - 1n);
  });

  it('4. decimals over their precision are ValidationErrors; extra scale rounds the same on every backend', async () => {
    for (const amount of ['1e5', '1000', '999.995', '-1000']) {
      const error = await validationErrorOf(() => Value.create({ s: 'x', amount }));
      expect(error.errors[0]!.message).toMatch(/does not fit decimal\(5, 2\)/);
    }
    for (const [given, stored] of [['1.234', '1.23'], ['1.235', '1.24'], ['-1.235', '-1.24'], ['12.3', '12.30'], ['1.5e2', '150.00'], ['999.994', '999.99']]) {
      const value = await Value.create({ s: 'x', amount: given });
      expect(value.amount).toBe(stored);
      expect((await Value.find(value.id)).amount).toBe(stored);
    }
    // Filters compare exactly: 12.3 finds 12.30, 1.234 does not find 1.23.
    expect(await Value.where({ amount: '12.3' }).count()).toBe(1);
    expect(await Value.where({ amount: '1.234' }).count()).toBe(0);
  });

  it('5. datetimes in the years 0-99 (and at both ends of 0000-9999) round-trip', async () => {
    for (const iso of ['0050-06-15T12:00:00.000Z', '0001-01-01T00:00:00.000Z', '0099-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z']) {
      const at = new Date(iso);
      const value = await Value.create({ s: 'x', at });
      expect((await Value.find(value.id)).at?.toISOString()).toBe(iso);
      expect(await Value.where({ at }).count()).toBe(1);
      await Value.deleteAll();
    }
    await validationErrorOf(() => Value.create({ s: 'x', at: new Date('+010000-01-01T00:00:00Z') }));
  });

  it('6. a NUL character in a string or JSON value is a ValidationError on every backend', async () => {
    const stringError = await validationErrorOf(() => Value.create({ s: 'a\0b' }));
    expect(stringError.errors[0]).toMatchObject({ attribute: 's', message: expect.stringContaining('NUL') });
    await validationErrorOf(() => Value.create({ s: 'x', data: { text: 'a\0b' } }));
    await validationErrorOf(() => Value.insertAll([{ s: 'ok' }, { s: '\0' }]));
    expect(await Value.count()).toBe(0);
  });

  it('7. LIKE: % and _ are wildcards and a backslash escapes, on every backend', async () => {
    await Value.insertAll([{ s: '50%_off\\x' }, { s: '50 percent off' }, { s: 'a\\' }, { s: 'ab' }]);
    expect(await Value.where({ s: { like: '50%' } }).count()).toBe(2);
    expect(await Value.where({ s: { like: '50\\%%' } }).pluck('s')).toEqual(['50%_off\\x']);
    expect(await Value.where({ s: { like: `${escapeLike('50%_off\\')}%` } }).pluck('s')).toEqual(['50%_off\\x']);
    expect(await Value.where({ s: { like: 'a\\\\' } }).pluck('s')).toEqual(['a\\']);
    expect(await Value.where({ s: { like: 'a_' } }).count()).toBe(2);
    expect(await Value.where({ s: { like: 'a\\_' } }).count()).toBe(0);
    expect(() => Value.where({ s: { like: 'a\\' } })).toThrow(ValidationError);
    expect(escapeLike('100%_\\')).toBe('100\\%\\_\\\\');
  });
});
