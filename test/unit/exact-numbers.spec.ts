import { canonicalDecimal, compareDecimals, exactIntegerText, fitDecimal } from '../../lib/backend/exact-numbers';

describe('exact decimal arithmetic', () => {
  it.each<[string, number, number, string]>([
    ['1.234', 5, 2, '1.23'],
    ['1.235', 5, 2, '1.24'],
    ['-1.235', 5, 2, '-1.24'],
    ['12.3', 5, 2, '12.30'],
    ['-0.001', 5, 2, '0.00'],
    ['0', 5, 2, '0.00'],
    ['.5', 5, 0, '1'],
    ['1e-900000', 5, 2, '0.00'],
    ['00012.30', 5, 2, '12.30'],
    ['99999.99', 7, 2, '99999.99'],
    ['1.5e2', 5, 2, '150.00'],
    ['123', 3, 0, '123'],
    // Already in the column's form (the fast path), and near misses that must take the long way.
    ['12.30', 5, 2, '12.30'],
    ['-12.30', 5, 2, '-12.30'],
    ['0.12', 2, 2, '0.12'],
    ['-0.00', 5, 2, '0.00'],
    ['-0.10', 5, 2, '-0.10'],
    ['012.30', 5, 2, '12.30'],
    ['12.300', 5, 2, '12.30'],
    ['12', 5, 2, '12.00'],
    ['12.', 5, 2, '12.00'],
  ])('fits %s into decimal(%i, %i) as %s', (text, precision, scale, expected) => {
    expect(fitDecimal(text, precision, scale)).toBe(expected);
  });

  it.each<[string, number, number]>([
    ['1e5', 5, 2],
    ['999.995', 5, 2],
    ['1000', 5, 2],
    ['1e900000', 5, 2],
    ['1234', 3, 0],
    ['5.12', 2, 2],
    ['123.45', 4, 2],
    ['-123.45', 4, 2],
  ])('refuses %s for decimal(%i, %i)', (text, precision, scale) => {
    expect(() => fitDecimal(text, precision, scale)).toThrow(/does not fit decimal/);
  });

  it('writes filter values in the stored form without rounding', () => {
    expect(canonicalDecimal('12.3', 2)).toBe('12.30');
    expect(canonicalDecimal('1.234', 2)).toBe('1.234');
    expect(canonicalDecimal('1e2', 2)).toBe('100.00');
    expect(canonicalDecimal('-0.50', 0)).toBe('-0.5');
  });

  it('compares exactly', () => {
    expect(compareDecimals('1.10', '1.1')).toBe(0);
    expect(compareDecimals('2', '10')).toBeLessThan(0);
    expect(compareDecimals('-2', '-10')).toBeGreaterThan(0);
    expect(compareDecimals('0', '-1')).toBeGreaterThan(0);
    expect(compareDecimals('0.001', '0')).toBeGreaterThan(0);
    expect(compareDecimals('-0.001', '0')).toBeLessThan(0);
    expect(compareDecimals('12345678901234567890.1', '12345678901234567890.01')).toBeGreaterThan(0);
  });

  it('tells integers from numbers that only round to one', () => {
    expect(exactIntegerText('0.99999999999999999')).toBeUndefined();
    expect(exactIntegerText('2147483647.0000001')).toBeUndefined();
    expect(exactIntegerText('1e3')).toBe('1000');
    expect(exactIntegerText('-12.000')).toBe('-12');
    expect(exactIntegerText('0.0')).toBe('0');
    expect(exactIntegerText('abc')).toBeUndefined();
  });
});

describe('reading stored ISO instants', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readIsoInstant } = require('../../lib/backend/value-conversion') as typeof import('../../lib/backend/value-conversion');
  it.each(['2024-02-29T12:34:56.789Z', '0000-02-29T00:00:00.000Z', '0050-06-15T23:59:59.999Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z'])(
    'reads %s exactly',
    (iso) => {
      expect(readIsoInstant(iso).toISOString()).toBe(iso);
    },
  );
  it('falls back to the Date parser for other forms', () => {
    expect(readIsoInstant('2024-02-29T12:34:56+02:00').toISOString()).toBe('2024-02-29T10:34:56.000Z');
  });
});

describe('reading datetimes as the drivers print them', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseTimestamp } = require('../../lib/backend/postgres/type-parsers') as typeof import('../../lib/backend/postgres/type-parsers');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseWallClock, parseFixedOffset, UTC } = require('../../lib/backend/mysql/time-zone') as typeof import('../../lib/backend/mysql/time-zone');

  it.each<[string, string]>([
    ['2024-02-29 12:34:56.789+00', '2024-02-29T12:34:56.789Z'],
    ['2024-02-29 12:34:56.7+00', '2024-02-29T12:34:56.700Z'],
    ['2024-02-29 12:34:56+00', '2024-02-29T12:34:56.000Z'],
    ['2024-02-29 12:34:56.123456+00', '2024-02-29T12:34:56.123Z'],
    ['0050-06-15 01:02:03.004+00', '0050-06-15T01:02:03.004Z'],
    ['2024-02-29 12:34:56.789+05:30', '2024-02-29T07:04:56.789Z'],
    ['0044-03-15 12:00:00+00 BC', '-000043-03-15T12:00:00.000Z'],
  ])('PostgreSQL %s', (text, iso) => {
    expect(parseTimestamp(text).toISOString()).toBe(iso);
  });

  it.each<[string, string, string]>([
    ['2024-02-29 12:34:56.789', 'Z', '2024-02-29T12:34:56.789Z'],
    ['2024-02-29 12:34:56.789000', 'Z', '2024-02-29T12:34:56.789Z'],
    ['2024-02-29 12:34:56', 'Z', '2024-02-29T12:34:56.000Z'],
    ['2024-02-29 12:34:56.5', 'Z', '2024-02-29T12:34:56.500Z'],
    ['0050-02-28 23:59:59.999', 'Z', '0050-02-28T23:59:59.999Z'],
    ['0000-02-29 00:00:00.000', 'Z', '0000-02-29T00:00:00.000Z'],
    ['2024-03-31', 'Z', '2024-03-31T00:00:00.000Z'],
    ['2024-03-31 07:44:59.123', '+05:45', '2024-03-31T01:59:59.123Z'],
    ['0050-01-01 00:30:00.000', '+01:00', '0049-12-31T23:30:00.000Z'],
  ])('MySQL %s at %s', (text, offset, iso) => {
    expect(parseWallClock(text, offset === 'Z' ? UTC : parseFixedOffset(offset)!).toISOString()).toBe(iso);
  });
});
