import { ActiveRecord, Column, Model, PrimaryKey, QueryError, UnknownColumnError, ValidationError } from 'nestjs-activerecord';
import { describeMariadb, useMariadb, withAdmin } from './harness';

@Model({ table: 'inj_people' })
class Person extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 200 }) name!: string;
  @Column('text', { nullable: true }) note!: string | null;
}

/** Names built to break out of backtick quoting, and the other quoting styles too. */
@Model({ table: 'we`ird``; DROP TABLE inj_people; -- "x" [y]' })
class Hostile extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ name: 'va`lue`); DELETE FROM inj_people; --', length: 200, default: "d`'\\\"" }) value!: string;
  @Column('string', { name: '`', length: 20, nullable: true }) tick!: string | null;
}

/** Values that would do harm if concatenated into MySQL SQL (backslash escapes included). */
const PAYLOADS = [
  "Robert'); DROP TABLE inj_people;--",
  "' OR '1'='1",
  "\\' OR 1=1 -- ",
  "\\\\'; DELETE FROM inj_people; #",
  '`; DROP TABLE inj_people; --',
  '" OR ""="',
  "%' OR 1=1 /*",
  "0x27 OR 1=1",
  "'\u0000'; DROP TABLE inj_people; --",
  '\u00bf\u0027 OR 1=1 -- ', // a multi-byte lead before a quote (the GBK trick)
  '?',
  ':name $1 @p1',
];

/** What a text column may hold (no NUL); raw SQL binds take every payload. */
const TEXT_PAYLOADS = PAYLOADS.filter((payload) => !payload.includes('\u0000'));

describeMariadb('malicious input does nothing but what it says', () => {
  const db = useMariadb({}, [Person, Hostile]);

  beforeEach(async () => {
    await Person.deleteAll();
    await Person.create({ name: 'bystander' });
  });

  const intact = async () => {
    expect(await Person.where({ name: 'bystander' }).count()).toBe(1);
    const [tables] = await withAdmin((admin) =>
      admin.query<import('mysql2').RowDataPacket[]>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [db.database]),
    );
    expect(tables.map((t) => t.name)).toEqual(['inj_people', 'we`ird``; DROP TABLE inj_people; -- "x" [y]']);
  };

  it('stores and finds every payload literally, in every value position', async () => {
    // A NUL is refused in text on every backend (a ValidationError before any SQL), so it is no payload here.
    await expect(Person.create({ name: '\u0000' })).rejects.toBeInstanceOf(ValidationError);
    for (const payload of TEXT_PAYLOADS) {
      const person = await Person.create({ name: payload, note: payload.repeat(3) });
      expect((await Person.find(person.id)).name).toBe(payload);
      expect(await Person.where({ name: payload }).count()).toBe(1);
      expect(await Person.where({ name: [payload, 'x'] }).count()).toBe(1);
      expect(await Person.where({ note: { like: payload } }).count()).toBeLessThanOrEqual(1);
      expect(await Person.where({ name: { between: [payload, payload] } }).count()).toBe(1);
      await Person.where({ id: person.id }).updateAll({ note: payload });
      expect((await Person.find(person.id)).note).toBe(payload);
      await Person.upsert({ id: person.id, name: payload }, { conflict: ['id'], update: ['name'] });
      await intact();
    }
    expect(await Person.count()).toBe(TEXT_PAYLOADS.length + 1);
  });

  it('binds values in raw SQL too, whatever the session sql_mode', async () => {
    const connection = db.connection;
    for (const payload of PAYLOADS) {
      expect(await connection.query('SELECT `name` FROM `inj_people` WHERE `name` = ?', [payload])).toEqual([]);
      expect(await connection.query('SELECT ? AS `echo`', [payload])).toEqual([{ echo: payload }]);
    }
    // With NO_BACKSLASH_ESCAPES (or without), a bound value is never re-read as SQL.
    await connection.transaction(async () => {
      await connection.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
      try {
        for (const payload of PAYLOADS) expect(await connection.query('SELECT ? AS `echo`', [payload])).toEqual([{ echo: payload }]);
      } finally {
        await connection.execute("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
      }
    });
    await intact();
  });

  it('never runs a second statement smuggled into raw SQL', async () => {
    const error = await db.connection.query('SELECT 1; DROP TABLE `inj_people`').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    await intact();
  });

  it('quotes hostile table and column names declared on models, defaults included', async () => {
    const row = await Hostile.create({ tick: '`' });
    const found = await Hostile.find(row.id);
    expect(found.value).toBe("d`'\\\"");
    expect(found.tick).toBe('`');
    for (const payload of TEXT_PAYLOADS) {
      const made = await Hostile.create({ value: payload });
      expect(await Hostile.where({ value: payload }).count()).toBe(1);
      await Hostile.where({ id: made.id }).updateAll({ tick: payload.slice(0, 20) });
      expect((await Hostile.find(made.id)).tick).toBe(payload.slice(0, 20));
    }
    let streamed = 0;
    for await (const hostile of Hostile.orderBy('value').stream({ batchSize: 3 })) streamed += hostile.value.length > 0 ? 1 : 0;
    expect(streamed).toBe(TEXT_PAYLOADS.length + 1);
    await intact();
  });

  it('never turns an attribute name into SQL', async () => {
    for (const payload of PAYLOADS) {
      expect(() => Person.where({ [payload]: 1 } as never)).toThrow(UnknownColumnError);
      expect(() => Person.orderBy(payload as never)).toThrow(UnknownColumnError);
    }
    await intact();
  });

  it('quotes savepoint names', async () => {
    const dialect = db.connection.dialect;
    await db.connection.transaction(async () => {
      await Person.create({ name: 'kept' });
      await db.connection.execute(dialect.createSavepoint('sp`; DROP TABLE inj_people; --'));
      await Person.create({ name: 'undone' });
      await db.connection.execute(dialect.rollbackToSavepoint('sp`; DROP TABLE inj_people; --'));
    });
    expect(await Person.where({ name: ['kept', 'undone'] }).pluck('name')).toEqual(['kept']);
    await intact();
  });
});
