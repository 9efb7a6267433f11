import type { RowDataPacket } from 'mysql2';
import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, ValidationError, type MysqlDialect } from 'nestjs-activerecord';
import { featuresOf } from '../../../lib/backend/mysql/server-info';
import { describeMariadb, useMariadb, withAdmin } from './harness';

@Model({ table: 'type_samples' })
class Sample extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('string', { nullable: true, length: 20 }) label!: string | null;
  @Column('text', { nullable: true }) body!: string | null;
  @Column('integer', { nullable: true }) count!: number | null;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('float', { nullable: true }) ratio!: number | null;
  @Column('decimal', { nullable: true, precision: 20, scale: 4 }) amount!: string | null;
  @Column('boolean', { nullable: true }) flag!: boolean | null;
  @Column('date', { nullable: true }) day!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
  @Column('binary', { nullable: true }) blob!: Buffer | null;
  @Column('uuid', { nullable: true }) ref!: string | null;
}

@Model({ table: 'type_big_keys' })
class BigKey extends ActiveRecord {
  @PrimaryKey({ type: 'bigint' }) id!: bigint;
  @Column({ length: 10 }) name!: string;
}

/** Attributes with Buffers as hex: Jest compares megabyte Buffers byte by byte, slowly. */
const comparable = (record: Sample) =>
  Object.fromEntries(Object.entries({ ...record }).map(([key, value]) => [key, Buffer.isBuffer(value) ? `hex:${value.toString('hex')}` : value]));

const INSTANTS = [
  '2024-03-31T01:59:59.123Z', // the hour Europe skips
  '2024-10-27T01:30:00.999Z', // the hour Europe repeats
  '2024-03-10T07:30:00.001Z', // the hour America/New_York skips
  '1969-07-20T20:17:40.123Z', // before the epoch
  '1000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
];

/**
 * Every type's exact round trip (time zones: see time-zones.spec.ts), through both ways the
 * backend reads rows: the text protocol (statements without values) and the binary protocol
 * (prepared statements), and both ways it learns generated keys: RETURNING (MariaDB 10.5+) and
 * insertId (what MySQL gets).
 */
describeMariadb('column types round trip exactly', () => {
  const db = useMariadb({}, [Sample, BigKey]);
  beforeEach(async () => {
    await Sample.deleteAll();
  });

  /** Create, then read back by key (binary protocol) and with every row (text protocol). */
  const roundTrip = async (attributes: Partial<Sample>): Promise<Sample> => {
    const created = await Sample.create(attributes);
    const byKey = await Sample.find(created.id);
    const [viaText] = (await Sample.all()).filter((s) => s.id === created.id);
    expect(comparable(viaText!)).toEqual(comparable(byKey));
    return byKey;
  };

  it('keeps 64-bit integers exact at the extremes, as bigint', async () => {
    for (const big of [9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n, 0n, 1n]) {
      const found = await roundTrip({ big });
      expect(found.big).toBe(big);
      expect(await Sample.where({ big }).count()).toBe(1);
    }
    // A neighbour that a double would round onto the same value must not match.
    expect(await Sample.where({ big: 9007199254740992n }).count()).toBe(0);
  });

  it('keeps generated BIGINT keys beyond 2^53 exact, from RETURNING and from insertId', async () => {
    await db.connection.execute('ALTER TABLE `type_big_keys` AUTO_INCREMENT = 9007199254740993');
    const viaReturning = await BigKey.create({ name: 'r' });
    expect(viaReturning.id).toBe(9007199254740993n);
    const raw = await db.connection.execute('INSERT INTO `type_big_keys` (`name`) VALUES (?)', ['raw']);
    expect(BigInt(raw.insertId!)).toBe(9007199254740994n);

    // The same model on a connection that spells SQL as for MySQL (no RETURNING): insertId.
    const mysqlLike = await ConnectionRegistry.open({ connections: { main: db.options }, models: [BigKey] });
    try {
      (mysqlLike.get().dialect as MysqlDialect).useServer(featuresOf('10.4.0-MariaDB'));
      expect(mysqlLike.get().dialect.supportsReturning).toBe(false);
      // Two registries bind BigKey now: static calls say which one they mean.
      const viaInsertId = await mysqlLike.run(() => BigKey.create({ name: 'i' }));
      expect(viaInsertId.id).toBe(9007199254740995n);
      expect((await mysqlLike.run(() => BigKey.find(9007199254740995n))).name).toBe('i');
    } finally {
      await mysqlLike.close();
    }
  });

  it('keeps DECIMAL(20,4) exact, as strings with the column scale', async () => {
    const cases: Array<[string, string]> = [
      ['1234567890123456.1234', '1234567890123456.1234'],
      ['-9999999999999999.9999', '-9999999999999999.9999'],
      ['0.0001', '0.0001'],
      ['0.1', '0.1000'],
      ['0', '0.0000'],
    ];
    for (const [amount, stored] of cases) {
      expect((await roundTrip({ amount })).amount).toBe(stored);
    }
    expect(await Sample.where({ amount: { gt: '1234567890123456.1233' } }).count()).toBe(1);
  });

  it('keeps datetimes to the millisecond, stored as the UTC wall clock', async () => {
    for (const iso of INSTANTS) {
      const found = await roundTrip({ at: new Date(iso) });
      expect(found.at).toBeInstanceOf(Date);
      expect(found.at!.toISOString()).toBe(iso);
    }
    // What the server stores is the UTC wall clock, readable by any other client.
    const [rows] = await withAdmin((admin) =>
      admin.query<RowDataPacket[]>(`SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS wall FROM ${db.database}.type_samples ORDER BY at`),
    );
    expect(rows.map((r) => r.wall)).toEqual(
      [...INSTANTS].sort().map((iso) => `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`),
    );
    expect(await Sample.where({ at: { gte: new Date('2024-03-10T07:30:00.001Z'), lt: new Date('2024-03-31T01:59:59.124Z') } }).count()).toBe(2);
  });

  it('sets the session time zone to UTC, so NOW() agrees with the stored values', async () => {
    const [row] = await db.connection.query<{ zone: string; now: Date }>('SELECT @@session.time_zone AS zone, NOW(3) AS now');
    expect(row!.zone).toBe('+00:00');
    expect(Math.abs(row!.now.getTime() - Date.now())).toBeLessThan(5000);
  });

  it('keeps dates as YYYY-MM-DD strings, including around the epoch and the extremes', async () => {
    for (const day of ['2024-02-29', '1969-12-31', '1970-01-01', '1000-01-01', '9999-12-31']) {
      expect((await roundTrip({ day })).day).toBe(day);
    }
    expect((await roundTrip({ day: new Date('2024-01-02T03:00:00Z') as unknown as string })).day).toBe('2024-01-02');
  });

  it('keeps binary data byte for byte: zero bytes, every byte value, empty, and large', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const blob of [Buffer.from([0, 0, 0]), every, Buffer.alloc(0), Buffer.alloc(3 * 1024 * 1024, 0xab)]) {
      const found = await roundTrip({ blob });
      expect(Buffer.isBuffer(found.blob)).toBe(true);
      expect(found.blob!.equals(blob)).toBe(true);
    }
    expect(await Sample.where({ blob: every }).count()).toBe(1);
  });

  it('keeps JSON documents and scalars, parsed (MariaDB stores JSON as text)', async () => {
    const values: unknown[] = [
      { a: 1, nested: { list: [1, 'two', null, true], empty: {} }, text: 'é"\'\\ 😀' },
      [1, 2, 3],
      'a string',
      '{"looks":"like json"}',
      12.5,
      false,
      [],
    ];
    for (const data of values) expect((await roundTrip({ data })).data).toEqual(data);
    await expect(db.connection.execute('INSERT INTO `type_samples` (`data`) VALUES (?)', ['{not json'])).rejects.toThrow(/CONSTRAINT|json/i);
  });

  it('keeps utf8mb4 text, emoji included, and counts length in characters', async () => {
    // 20 characters (code points), most of them outside the Basic Multilingual Plane: fits VARCHAR(20).
    const label = [...'😀👍🏽𝄞中文ñ', ...Array<string>(20).fill('🎉')].slice(0, 20).join('');
    expect([...label]).toHaveLength(20);
    const text = 'Ünïcødé ✓ 😀 \'single\' "double" \\ back\n\ttab';
    const found = await roundTrip({ label, body: text.repeat(1000) });
    expect(found.label).toBe(label);
    expect(found.body).toBe(text.repeat(1000));
    expect(await Sample.where({ body: text.repeat(1000) }).count()).toBe(1);
    // U+0000 is refused in text on every backend (PostgreSQL cannot store it): one rule everywhere.
    await expect(roundTrip({ body: 'a\u0000b' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps booleans, integers, doubles and UUIDs', async () => {
    expect((await roundTrip({ flag: true })).flag).toBe(true);
    expect((await roundTrip({ flag: false })).flag).toBe(false);
    for (const count of [0, -1, 2147483647, -2147483648]) expect((await roundTrip({ count })).count).toBe(count);
    for (const ratio of [0.1, -1.5e-300, 1.7976931348623157e308, 5e-324, 3.141592653589793]) {
      expect((await roundTrip({ ratio })).ratio).toBe(ratio);
    }
    const found = await roundTrip({ ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' });
    expect(found.ref).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(await Sample.where({ ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' }).count()).toBe(1);
    // Rows written by other software: any non-zero TINYINT(1) reads as true.
    const raw = await db.connection.execute('INSERT INTO `type_samples` (`flag`) VALUES (2)');
    expect((await Sample.find(Number(raw.insertId))).flag).toBe(true);
  });

  it('keeps NULL in every column', async () => {
    const found = await roundTrip({});
    for (const attribute of ['label', 'body', 'count', 'big', 'ratio', 'amount', 'flag', 'day', 'at', 'data', 'blob', 'ref'] as const) {
      expect(found[attribute]).toBeNull();
    }
  });
});

describeMariadb('datetimes stored in a fixed offset (timezone option)', () => {
  const db = useMariadb({ timezone: '+05:30' }, [Sample]);

  it('stores the wall clock of that offset, and reads the same instant back', async () => {
    const at = new Date('2024-03-31T01:59:59.123Z');
    const created = await Sample.create({ at });
    expect((await Sample.find(created.id)).at!.toISOString()).toBe(at.toISOString());
    expect((await Sample.all())[0]!.at!.toISOString()).toBe(at.toISOString());
    const [rows] = await withAdmin((admin) =>
      admin.query<RowDataPacket[]>(`SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS wall FROM ${db.database}.type_samples`),
    );
    expect(rows[0]!.wall).toBe('2024-03-31 07:29:59.123000');
    const [row] = await db.connection.query<{ zone: string }>('SELECT @@session.time_zone AS zone');
    expect(row!.zone).toBe('+05:30');
  });
});
