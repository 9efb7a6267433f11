import { castValue, fingerprint } from '../../lib/model/type-casting';

describe('castValue', () => {
  it.each<[Parameters<typeof castValue>[0], unknown, unknown]>([
    ['integer', '42', 42],
    ['integer', ' -7 ', -7],
    ['integer', 10n, 10],
    ['float', '1.5e3', 1500],
    ['bigint', '9007199254740993', 9007199254740993n],
    ['bigint', 12, 12n],
    ['decimal', ' 12.30 ', '12.30'],
    ['decimal', 0.1, '0.1'],
    ['boolean', 'false', false],
    ['boolean', 1, true],
    ['string', 12, '12'],
    ['date', '2024-02-29', '2024-02-29'],
    ['uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['json', { a: 1 }, { a: 1 }],
  ])('casts %s %p', (type, input, output) => {
    expect(castValue(type, input)).toEqual(output);
  });

  it.each<[Parameters<typeof castValue>[0], unknown, RegExp]>([
    ['integer', 1.5, /32-bit integer/],
    ['integer', 2 ** 31, /32-bit integer/],
    ['integer', 'abc', /32-bit integer, got a string/],
    ['float', Infinity, /finite number/],
    ['bigint', 1.5, /bigint/],
    ['decimal', 'ten', /decimal string/],
    ['boolean', 'yes', /boolean/],
    ['string', {}, /string, got an object/],
    ['date', '2023-02-29', /real calendar date/],
    ['date', 'yesterday', /YYYY-MM-DD/],
    ['datetime', 'not a date', /ISO-8601/],
    ['uuid', 'not-a-uuid', /UUID/],
    ['binary', 'abc', /Buffer/],
    ['json', () => 1, /JSON/],
  ])('refuses %s %p', (type, input, message) => {
    expect(() => castValue(type, input)).toThrow(message);
  });

  it('never puts the offending value in the message', () => {
    expect(() => castValue('integer', 'secret-value')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret-value') }));
  });

  it('fingerprints mutable values by content', () => {
    expect(fingerprint('datetime', new Date(5))).toBe(5);
    expect(fingerprint('json', { a: [1] })).toBe('{"a":[1]}');
    expect(fingerprint('binary', Buffer.from('hi'))).toBe('aGk=');
    expect(fingerprint('string', undefined)).toBeNull();
  });
});
