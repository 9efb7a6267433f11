import { describeBackends } from '../support/describe-backends';
import { Sample, SUITE_MODELS } from './models';

/** Every logical type must come back exactly as it went in, on every backend. */
describeBackends('column types round trip', { models: SUITE_MODELS }, () => {
  beforeEach(async () => {
    await Sample.deleteAll();
  });

  const roundTrip = async (attributes: Partial<Sample>) => {
    const created = await Sample.create(attributes);
    return Sample.find(created.id);
  };

  it('keeps strings, including unicode, quotes and empty-looking text', async () => {
    const text = `Ünïcødé ✓ 😀 'single' "double" \\ back\nnew line`;
    const found = await roundTrip({ label: 'x'.repeat(255), body: text.repeat(200) });
    expect(found.label).toBe('x'.repeat(255));
    expect(found.body).toBe(text.repeat(200));
  });

  it('keeps 32-bit integers and doubles', async () => {
    for (const count of [0, -1, 2147483647, -2147483648]) expect((await roundTrip({ count })).count).toBe(count);
    for (const ratio of [0.1, -1.5e-300, 1.7976931348623157e308, 3.141592653589793]) {
      expect((await roundTrip({ ratio })).ratio).toBe(ratio);
    }
  });

  it('keeps 64-bit integers exactly, as bigint', async () => {
    for (const big of [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 0n]) {
      const found = await roundTrip({ big });
      expect(typeof found.big).toBe('bigint');
      expect(found.big).toBe(big);
    }
  });

  it('keeps decimals exact, as strings', async () => {
    for (const amount of ['1234567890123456.1234', '-0.0001', '0.1000']) {
      const found = await roundTrip({ amount });
      expect(typeof found.amount).toBe('string');
      expect(Number(found.amount)).toBe(Number(amount));
      expect(found.amount!.replace(/0+$/, '').replace(/\.$/, '')).toBe(amount.replace(/0+$/, '').replace(/\.$/, ''));
    }
  });

  it('keeps booleans as booleans', async () => {
    expect((await roundTrip({ flag: true })).flag).toBe(true);
    expect((await roundTrip({ flag: false })).flag).toBe(false);
  });

  it('keeps dates as YYYY-MM-DD whatever the time zone, and datetimes to the millisecond', async () => {
    const found = await roundTrip({ day: '2024-02-29', at: new Date('2024-03-31T01:59:59.123Z') });
    expect(found.day).toBe('2024-02-29');
    expect(found.at).toBeInstanceOf(Date);
    expect(found.at!.toISOString()).toBe('2024-03-31T01:59:59.123Z');
    expect((await roundTrip({ day: '1969-12-31' })).day).toBe('1969-12-31');
  });

  it('keeps JSON documents', async () => {
    const data = { a: 1, nested: { list: [1, 'two', null, true], empty: {} }, text: 'é"\'' };
    expect((await roundTrip({ data })).data).toEqual(data);
    expect((await roundTrip({ data: [1, 2, 3] })).data).toEqual([1, 2, 3]);
  });

  it('keeps binary data byte for byte', async () => {
    const blob = Buffer.from([0, 1, 2, 255, 0, 128, 10, 13, 39, 34, 92]);
    const found = await roundTrip({ blob });
    expect(Buffer.isBuffer(found.blob)).toBe(true);
    expect(found.blob!.equals(blob)).toBe(true);
  });

  it('keeps UUIDs in canonical lower case and generates UUID keys', async () => {
    const found = await roundTrip({ ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' });
    expect(found.ref).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(found.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps NULL in every column', async () => {
    const found = await roundTrip({});
    for (const attribute of ['label', 'body', 'count', 'big', 'ratio', 'amount', 'flag', 'day', 'at', 'data', 'blob', 'ref'] as const) {
      expect(found[attribute]).toBeNull();
    }
  });

  it('casts friendly input to the column type on save', async () => {
    const created = await Sample.create({
      count: '42' as unknown as number,
      big: 5 as unknown as bigint,
      amount: 12.5 as unknown as string,
      flag: 'true' as unknown as boolean,
      day: new Date('2024-01-02T00:00:00Z') as unknown as string,
      at: '2024-01-02T03:04:05.006Z' as unknown as Date,
    });
    const found = await Sample.find(created.id);
    expect(found.count).toBe(42);
    expect(found.big).toBe(5n);
    expect(Number(found.amount)).toBe(12.5);
    expect(found.flag).toBe(true);
    expect(found.day).toBe('2024-01-02');
    expect(found.at!.toISOString()).toBe('2024-01-02T03:04:05.006Z');
  });

  it('notices in-place changes to JSON and binary attributes', async () => {
    const created = await Sample.create({ data: { theme: 'light' }, blob: Buffer.from('abc') });
    const found = await Sample.find(created.id);
    (found.data as { theme: string }).theme = 'dark';
    found.blob![0] = 0x7a;
    expect(found.changedAttributes().sort()).toEqual(['blob', 'data']);
    await found.save();
    const again = await Sample.find(created.id);
    expect(again.data).toEqual({ theme: 'dark' });
    expect(again.blob!.toString()).toBe('zbc');
  });
});
