import { ConnectionError, QueryError } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Person, Sample, SUITE_MODELS } from './models';

const ROWS = 2000;
/** Past every backend's placeholder limit: SQLite 32,766, PostgreSQL and MySQL 65,535. */
const LONG = 70_000;

/**
 * IN lists of any length work on every backend, through every method that takes conditions:
 * past a couple of hundred values they bind as one array-like parameter (PostgreSQL arrays,
 * SQLite json_each, MariaDB JSON_TABLE), so no placeholder limit applies.
 */
describeBackends('IN lists of any length', { models: SUITE_MODELS }, (context) => {
  beforeAll(async () => {
    await Person.deleteAll();
    await Person.insertAll(Array.from({ length: ROWS }, (_, i) => ({ name: `p${i}`, age: i % 50 })));
  });

  const ids = async () => (await Person.orderBy('id').pluck('id')) as number[];

  it(`selects, counts, updates and deletes with ${LONG.toLocaleString('en-US')} ids`, async () => {
    const all = await ids();
    // Every real id plus tens of thousands that match nothing.
    const many = [...all, ...Array.from({ length: LONG - all.length }, (_, i) => 10_000_000 + i)];
    expect(await Person.where({ id: many }).count()).toBe(ROWS);
    const found = await Person.where({ id: many }).orderBy('id').all();
    expect(found.map((p) => p.id)).toEqual(all);
    expect(await Person.where({ id: { notIn: many } }).count()).toBe(0);
    const half = all.filter((_, i) => i % 2 === 0);
    const padded = [...half, ...Array.from({ length: LONG }, (_, i) => 20_000_000 + i)];
    expect(await Person.where({ id: { notIn: padded } }).count()).toBe(ROWS - half.length);
    expect(await Person.where({ id: padded }).updateAll({ status: 'even' })).toBe(half.length);
    expect(await Person.where({ status: 'even' }).count()).toBe(half.length);
    await context.registry.get().transaction(async () => {
      expect(await Person.where({ id: padded }).deleteAll()).toBe(half.length);
      throw new Error('roll back');
    }).catch((error: Error) => expect(error.message).toBe('roll back'));
    expect(await Person.count()).toBe(ROWS);
  });

  it('keeps SQL\'s answers for NULLs in long lists, negated and doubly negated', async () => {
    // age = i % 50; the list names ages 0..9 and, past the array threshold, values no row has.
    const list = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 400 }, (_, i) => 1000 + i)];
    const inList = ROWS / 5;
    for (const values of [list, list.slice(0, 12)]) {
      expect(await Person.where({ age: values }).count()).toBe(inList);
      expect(await Person.where({ age: { notIn: values } }).count()).toBe(ROWS - inList);
      // x NOT IN (..., NULL) is never true; NOT (x NOT IN (..., NULL)) is true exactly where x is listed.
      // The typed API takes no null in a list; JavaScript callers can pass one all the same.
      const withNull = [...values, null] as unknown as number[];
      expect(await Person.where({ age: withNull }).count()).toBe(inList);
      expect(await Person.where({ age: { notIn: withNull } }).count()).toBe(0);
      expect(await Person.whereNot({ age: { notIn: withNull } }).count()).toBe(inList);
      expect(await Person.whereNot({ age: withNull }).count()).toBe(0);
    }
  });

  it('matches long lists of every column type exactly as short ones do', async () => {
    await Sample.deleteAll();
    const samples = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        Sample.create({
          label: `it's "${i}" ü`,
          count: i,
          big: 2n ** 60n + BigInt(i),
          ratio: i + 0.25,
          amount: `${i}.5000`,
          flag: i % 2 === 0,
          day: `2024-01-0${i + 1}`,
          at: new Date(Date.UTC(2024, 0, 1, 12, 0, i, 123)),
          blob: Buffer.from([i, 255, 0]),
          ref: `00000000-0000-4000-8000-00000000000${i}`,
        }),
      ),
    );
    const pick = [1, 3];
    const noise = <T>(make: (i: number) => T) => Array.from({ length: 400 }, (_, i) => make(i + 100));
    const cases: Array<[string, unknown[]]> = [
      ['label', [...pick.map((i) => samples[i]!.label), ...noise((i) => `x${i}`)]],
      ['count', [...pick, ...noise((i) => i)]],
      ['big', [...pick.map((i) => samples[i]!.big), ...noise((i) => BigInt(i))]],
      ['ratio', [...pick.map((i) => i + 0.25), ...noise((i) => i + 0.5)]],
      ['amount', [...pick.map((i) => `${i}.5000`), ...noise((i) => `${i}.2500`)]],
      ['day', [...pick.map((i) => `2024-01-0${i + 1}`), ...noise((i) => `2023-03-${String((i % 28) + 1).padStart(2, '0')}`)]],
      ['at', [...pick.map((i) => samples[i]!.at), ...noise((i) => new Date(Date.UTC(2020, 0, 1, 0, 0, i)))]],
      ['blob', [...pick.map((i) => Buffer.from([i, 255, 0])), ...noise((i) => Buffer.from([i & 255, 1]))]],
      ['ref', [...pick.map((i) => samples[i]!.ref), ...noise((i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)]],
    ];
    for (const [attribute, values] of cases) {
      const short = await Sample.where({ [attribute]: values.slice(0, 2) } as never).pluck('count');
      const long = await Sample.where({ [attribute]: values } as never).pluck('count');
      expect({ attribute, found: [...long].sort() }).toEqual({ attribute, found: [1, 3] });
      expect({ attribute, found: [...short].sort() }).toEqual({ attribute, found: [1, 3] });
    }
    // Booleans: only two values exist, but a long list must still mean the same.
    expect(await Sample.where({ flag: Array.from({ length: 300 }, () => false) }).count()).toBe(2);
  });

  it('too many parameters in raw SQL fails as a QueryError naming the statement, and the connection goes on', async () => {
    const connection = context.registry.get();
    const n = 70_000;
    const placeholders = Array.from({ length: n }, (_, i) => (context.target.name === 'postgres' ? `$${i + 1}` : '?')).join(', ');
    const failure = await connection.query(`SELECT 1 AS one FROM suite_people WHERE id IN (${placeholders})`, Array.from({ length: n }, (_, i) => i)).catch((e: unknown) => e);
    // MariaDB's text protocol would take it; the library prepares every statement with values.
    expect(failure).toBeInstanceOf(QueryError);
    expect(failure).not.toBeInstanceOf(ConnectionError);
    expect(await Person.count()).toBe(ROWS);
  });
});
