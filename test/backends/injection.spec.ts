import { ActiveRecord, Column, Model, PrimaryKey, UnknownColumnError } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

/** Names that try to break out of every quoting style the dialects use. */
@Model({ table: 'evil"`] table; DROP TABLE suite_people; --' })
class EvilNames extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ name: 'col"`]; DELETE FROM suite_people; --' }) value!: string;
}

const PAYLOADS = [
  "Robert'); DROP TABLE suite_people;--",
  "' OR '1'='1",
  '" OR ""="',
  '`; DROP TABLE suite_people; --',
  "\\'; DELETE FROM suite_people; --",
  '%\' OR 1=1 --',
  '\u0000nul',
];

describeBackends('malicious input', { models: [...SUITE_MODELS, EvilNames] }, (context) => {
  beforeEach(async () => {
    await Person.deleteAll();
    await Person.create({ name: 'bystander' });
  });

  const stillIntact = async () => {
    expect(await Person.where({ name: 'bystander' }).count()).toBe(1);
  };

  it('stores and finds malicious strings literally, in every value position', async () => {
    for (const payload of PAYLOADS.filter((p) => !p.includes('\u0000'))) {
      const person = await Person.create({ name: payload, email: payload });
      expect((await Person.find(person.id)).name).toBe(payload);
      expect(await Person.where({ name: payload }).count()).toBe(1);
      expect(await Person.where({ name: [payload, 'x'] }).count()).toBe(1);
      expect(await Person.where({ email: { like: payload } }).count()).toBeLessThanOrEqual(1);
      await Person.where({ id: person.id }).updateAll({ status: payload.slice(0, 20) });
      expect((await Person.find(person.id)).status).toBe(payload.slice(0, 20));
      await stillIntact();
    }
    expect(await Person.count()).toBe(PAYLOADS.length);
  });

  it('binds malicious values in raw SQL too', async () => {
    const connection = context.registry.get();
    const { quoteIdentifier: q, placeholder } = connection.dialect;
    const sql = `SELECT ${q.call(connection.dialect, 'name')} FROM ${q.call(connection.dialect, 'suite_people')} WHERE ${q.call(connection.dialect, 'name')} = ${placeholder.call(connection.dialect, 1)}`;
    for (const payload of PAYLOADS.filter((p) => !p.includes('\u0000'))) {
      expect(await connection.query(sql, [payload])).toEqual([]);
    }
    await stillIntact();
  });

  it('never turns an attribute name into SQL', async () => {
    for (const payload of PAYLOADS) {
      expect(() => Person.where({ [payload]: 1 } as never)).toThrow(UnknownColumnError);
      expect(() => Person.orderBy(payload as never)).toThrow(UnknownColumnError);
      expect(() => Person.where({ name: { [payload]: 1 } } as never)).toThrow(UnknownColumnError);
    }
    await expect(Person.pluck("name; DROP TABLE suite_people" as never)).rejects.toBeInstanceOf(UnknownColumnError);
    await stillIntact();
  });

  it('quotes hostile table and column names declared on a model', async () => {
    const row = await EvilNames.create({ value: 'harmless' });
    expect((await EvilNames.find(row.id)).value).toBe('harmless');
    expect(await EvilNames.where({ value: 'harmless' }).count()).toBe(1);
    await stillIntact();
  });
});
