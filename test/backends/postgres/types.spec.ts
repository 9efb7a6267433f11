import { types as pgTypes } from 'pg';
import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey } from 'nestjs-activerecord';
import { adminClient, describePostgres, usePostgres, withAdmin } from './harness';

@Model({ table: 'pg_values' })
class Value extends ActiveRecord {
  @PrimaryKey({ type: 'bigint' }) id!: bigint;
  @Column('integer', { nullable: true }) int!: number | null;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('float', { nullable: true }) float!: number | null;
  @Column('decimal', { nullable: true, precision: 60, scale: 30 }) exact!: string | null;
  @Column('decimal', { nullable: true, precision: 12, scale: 2 }) money!: string | null;
  @Column('boolean', { nullable: true }) flag!: boolean | null;
  @Column('date', { nullable: true }) day!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) doc!: unknown;
  @Column('binary', { nullable: true }) bytes!: Buffer | null;
  @Column('uuid', { nullable: true }) ref!: string | null;
  @Column('text', { nullable: true }) note!: string | null;
}

/** Runs `work` with the process in another time zone (Node re-reads TZ when it is assigned). */
async function inTimeZone<T>(zone: string, work: () => Promise<T>): Promise<T> {
  const previous = process.env.TZ;
  process.env.TZ = zone;
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
}

describePostgres('type round trips', () => {
  const pg = usePostgres({}, [Value]);

  const roundTrip = async (attributes: Partial<Value>) => {
    const created = await Value.create(attributes);
    const found = await Value.find(created.id);
    return { created, found };
  };

  /** What the server itself holds, as text, so a round trip cannot cancel out its own error. */
  const stored = async (id: bigint, column: string): Promise<string | null> => {
    const rows = await pg.connection.query<{ text: string | null }>(`SELECT "${column}"::text AS text FROM "pg_values" WHERE "id" = $1`, [id]);
    return rows[0]!.text;
  };

  it('keeps bigint extremes exact, in keys and columns, as JS bigint', async () => {
    for (const big of [9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n, 0n, 1n]) {
      const { created, found } = await roundTrip({ big });
      expect(found.big).toBe(big);
      expect(typeof found.id).toBe('bigint');
      expect(await stored(created.id, 'big')).toBe(big.toString());
      expect(await Value.where({ big }).count()).toBeGreaterThanOrEqual(1);
    }
    const keyed = await Value.create({ id: 9223372036854775807n, big: 1n });
    expect((await Value.find(9223372036854775807n)).id).toBe(9223372036854775807n);
    await keyed.destroy();
  });

  it('keeps 32-bit integer limits and doubles bit for bit', async () => {
    for (const int of [2147483647, -2147483648, 0]) expect((await roundTrip({ int })).found.int).toBe(int);
    const doubles = [0.1 + 0.2, 5e-324, -1.5e-300, Number.MAX_VALUE, -0, 1 / 3, 123456789.12345679];
    for (const float of doubles) expect(Object.is((await roundTrip({ float })).found.float, float)).toBe(true);
    // Models refuse non-finite floats; raw queries still read PostgreSQL's special values.
    const special = await pg.connection.query("SELECT 'NaN'::float8 AS n, 'Infinity'::float8 AS p, '-Infinity'::float8 AS m");
    expect(special[0]).toEqual({ n: NaN, p: Infinity, m: -Infinity });
  });

  it('keeps numerics with many digits exact, as strings padded to the scale', async () => {
    const exact = '-123456789012345678901234567890.123456789012345678901234567891';
    const { created, found } = await roundTrip({ exact });
    expect(found.exact).toBe(exact);
    expect(await stored(created.id, 'exact')).toBe(exact);
    expect((await roundTrip({ exact: '1e-30' })).found.exact).toBe('0.000000000000000000000000000001');
    expect((await roundTrip({ money: '0.1' })).found.money).toBe('0.10');
    expect((await roundTrip({ money: '-9999999999.99' })).found.money).toBe('-9999999999.99');
    // No float on the way: 0.1 + 0.2 is computed by the server, exactly.
    const sum = await pg.connection.query<{ sum: string }>('SELECT $1::numeric + $2::numeric AS sum', ['0.1', '0.2']);
    expect(sum[0]!.sum).toBe('0.3');
  });

  it('keeps timestamps to the millisecond as the same instant, in any process time zone', async () => {
    for (const zone of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kathmandu']) {
      await inTimeZone(zone, async () => {
        for (const iso of ['2024-03-31T01:59:59.123Z', '2024-11-03T08:30:00.999Z', '1969-12-31T23:59:59.001Z', '0001-01-01T00:00:00.000Z']) {
          const { created, found } = await roundTrip({ at: new Date(iso) });
          expect(found.at!.toISOString()).toBe(iso);
          expect(created.at!.toISOString()).toBe(iso); // RETURNING goes through the same parsers
          expect(await Value.where({ id: created.id, at: new Date(iso) }).count()).toBe(1);
        }
      });
    }
  });

  it('rounds sub-millisecond input to the millisecond on the server, so what is read is what is stored', async () => {
    const rows = await pg.connection.query<{ id: string }>(
      `INSERT INTO "pg_values" ("at") VALUES ('2024-01-01 00:00:00.123456+00') RETURNING "id"`,
    );
    const id = BigInt(rows[0]!.id);
    const found = await Value.find(id);
    expect(found.at!.toISOString()).toBe('2024-01-01T00:00:00.123Z');
    expect(await Value.where({ at: found.at }).count()).toBe(1);
  });

  it('keeps DATE as YYYY-MM-DD, never shifted by the process time zone', async () => {
    for (const zone of ['America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      await inTimeZone(zone, async () => {
        for (const day of ['2024-02-29', '1970-01-01', '1969-12-31', '2000-01-01', '9999-12-31', '0001-01-01']) {
          const { created, found } = await roundTrip({ day });
          expect(found.day).toBe(day);
          expect(await stored(created.id, 'day')).toBe(day);
        }
        // A Date given for a date column means its UTC calendar day, whatever TZ says.
        const { found } = await roundTrip({ day: new Date('2024-06-01T00:00:00Z') as unknown as string });
        expect(found.day).toBe('2024-06-01');
        const raw = await pg.connection.query<{ d: unknown }>("SELECT DATE '2024-01-15' AS d");
        expect(raw[0]!.d).toBe('2024-01-15');
      });
    }
  });

  it('keeps bytea byte for byte, zero bytes and all 256 values included', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const bytes of [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0, 0]), all, Buffer.concat([all, all, Buffer.alloc(100000)])]) {
      const { created, found } = await roundTrip({ bytes });
      expect(Buffer.isBuffer(found.bytes)).toBe(true);
      expect(found.bytes!.equals(bytes)).toBe(true);
      expect(await stored(created.id, 'bytes')).toBe('\\x' + bytes.toString('hex'));
    }
  });

  it('keeps jsonb documents: nesting, unicode, big numbers as JSON numbers, and bare scalars', async () => {
    const doc = { a: [1, 'two', null, true, { b: {} }], 'key with "quotes"': 'é✓😀\\\n', n: 1.5e300 };
    expect((await roundTrip({ doc })).found.doc).toEqual(doc);
    for (const scalar of ['plain string', '{"looks":"like json"}', 42, false, [], {}]) {
      expect((await roundTrip({ doc: scalar })).found.doc).toEqual(scalar);
    }
    const { created } = await roundTrip({ doc: { x: 1 } });
    const typed = await pg.connection.query<{ t: string }>('SELECT jsonb_typeof("doc") AS t FROM "pg_values" WHERE "id" = $1', [created.id]);
    expect(typed[0]!.t).toBe('object');
    // jsonb compares by value (key order and spacing do not matter)
    const same = await pg.connection.query('SELECT 1 FROM "pg_values" WHERE "id" = $1 AND "doc" = $2::jsonb', [created.id, '{ "x" : 1 }']);
    expect(same).toHaveLength(1);
  });

  it('keeps uuids lower-case, booleans and text with every awkward character', async () => {
    const { found } = await roundTrip({ ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', flag: false, note: "'; \\ \" \u2028 \t 😀" });
    expect(found.ref).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(found.flag).toBe(false);
    expect(found.note).toBe("'; \\ \" \u2028 \t 😀");
  });

  it('reads raw-query int8 as exact strings (COUNT, SUM) and int4 as numbers', async () => {
    const rows = await pg.connection.query<{ c: unknown; s: unknown; i: unknown }>(
      'SELECT COUNT(*) AS c, $1::bigint * 2 AS s, 7::int AS i',
      [4611686018427387903n],
    );
    expect(rows[0]).toEqual({ c: '1', s: '9223372036854775806', i: 7 });
  });

  it('uses its own type parsers per pool, whatever pg.types says globally', async () => {
    // Another library in the same process turns NUMERIC, INT8, DATE and TIMESTAMPTZ into numbers/Dates.
    const saved = [1700, 20, 1082, 1184].map((oid) => [oid, pgTypes.getTypeParser(oid, 'text')] as const);
    pgTypes.setTypeParser(1700, (text: string) => parseFloat(text));
    pgTypes.setTypeParser(20, (text: string) => parseInt(text, 10));
    pgTypes.setTypeParser(1082, (text: string) => new Date(text + 'T00:00:00'));
    pgTypes.setTypeParser(1184, () => 'hijacked');
    try {
      const { found } = await roundTrip({ exact: '0.100000000000000000000000000001', big: 9007199254740993n, day: '2024-02-29', at: new Date(0) });
      expect(found.exact).toBe('0.100000000000000000000000000001');
      expect(found.big).toBe(9007199254740993n);
      expect(found.day).toBe('2024-02-29');
      expect(found.at).toEqual(new Date(0));
    } finally {
      for (const [oid, parser] of saved) pgTypes.setTypeParser(oid, parser);
    }
    // and the library never changed the global registry itself
    expect(pgTypes.getTypeParser(1700, 'text')('1.5')).toBe('1.5');
    expect(pgTypes.getTypeParser(1082, 'text')('2024-01-01')).toBeInstanceOf(Date);
  });

  it('runs every session in UTC with ISO dates, whatever the role or server default', async () => {
    // A role of its own whose defaults would break naive parsing: New York time, SQL-style dates.
    const role = `ar_tz_${process.pid}`;
    await withAdmin(async (client) => {
      await client.query(`DROP ROLE IF EXISTS ${role}`);
      await client.query(`CREATE ROLE ${role} LOGIN`);
      await client.query(`ALTER ROLE ${role} SET "TimeZone" = 'America/New_York'`);
      await client.query(`ALTER ROLE ${role} SET "DateStyle" = 'SQL, DMY'`);
      await client.query(`GRANT ALL ON SCHEMA "${pg.schema}" TO ${role}`);
      await client.query(`GRANT ALL ON ALL TABLES IN SCHEMA "${pg.schema}" TO ${role}`);
    });
    // The role's defaults are real: a plain client logging in as it gets them.
    const plain = await adminClient({ user: role });
    try {
      const { rows } = await plain.query("SELECT current_setting('TimeZone') AS tz, DATE '2024-02-29'::text AS d");
      expect(rows[0]).toEqual({ tz: 'America/New_York', d: '29/02/2024' });
    } finally {
      await plain.end();
    }
    const registry = await ConnectionRegistry.open({
      connections: { other: { ...pg.options, user: role } },
      logger: pg.logger,
    });
    try {
      const other = registry.get('other');
      const settings = await other.query<{ tz: string; style: string }>(
        "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS style",
      );
      expect(settings[0]!.tz).toBe('UTC');
      expect(settings[0]!.style).toMatch(/^ISO,/);
      const rows = await other.query<{ d: unknown; t: Date }>(
        "SELECT DATE '2024-02-29' AS d, TIMESTAMPTZ '2024-03-31 01:59:59.123+00' AS t",
      );
      expect(rows[0]!.d).toBe('2024-02-29');
      expect(rows[0]!.t.toISOString()).toBe('2024-03-31T01:59:59.123Z');
      const written = await other.query<{ at: Date }>('INSERT INTO "pg_values" ("at") VALUES ($1) RETURNING "at"', [
        new Date('2024-07-01T12:00:00.5Z'),
      ]);
      expect(written[0]!.at.toISOString()).toBe('2024-07-01T12:00:00.500Z');
    } finally {
      await registry.close();
      await withAdmin(async (client) => {
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`DROP ROLE ${role}`);
      });
    }
  });
});
