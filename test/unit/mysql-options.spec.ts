import { ConfigurationError, ConnectionRegistry, MysqlBackend } from 'nestjs-activerecord';
import { describeMysqlTarget, resolveMysqlConfig } from '../../lib/backend/mysql/connection-config';
import type { MysqlConnectionOptions } from '../../lib/backend/mysql/options';
import { formatWallClock, parseFixedOffset, parseWallClock, UTC } from '../../lib/backend/mysql/time-zone';

const PASSWORD = 'p@ss:w/rd?#';
const resolve = (options: Partial<MysqlConnectionOptions>) =>
  resolveMysqlConfig({ backend: 'mysql', ...options } as MysqlConnectionOptions, 'connections.main');

describe('MySQL connection options', () => {
  it('reads a URL, percent-decoding user, password and database', () => {
    const config = resolve({ url: `mysql://app%40x:${encodeURIComponent(PASSWORD)}@db.internal:3307/shop%2Deu?ssl=true&charset=latin1&timezone=%2B02:00` });
    expect(config).toMatchObject({
      host: 'db.internal',
      port: 3307,
      user: 'app@x',
      password: PASSWORD,
      database: 'shop-eu',
      ssl: true,
      charset: 'latin1',
      collation: 'latin1_bin',
      timezone: { driver: '+02:00', session: '+02:00', minutes: 120 },
    });
    expect(resolve({ url: 'mariadb://[::1]/app' })).toMatchObject({ host: '::1', port: 3306 });
  });

  it('lets explicit fields win over the URL, and applies defaults', () => {
    const config = resolve({ url: 'mysql://u:pw@h:1234/a', database: 'b', port: 3306 });
    expect(config).toMatchObject({ host: 'h', port: 3306, user: 'u', password: 'pw', database: 'b', charset: 'utf8mb4', collation: 'utf8mb4_bin' });
    expect(resolve({ database: 'x' })).toMatchObject({
      host: '127.0.0.1',
      port: 3306,
      timezone: UTC,
      connectTimeoutMs: 10000,
      maxPreparedStatements: 256,
    });
    expect(resolve({ database: 'x', ssl: false }).ssl).toBeUndefined();
  });

  it('describes the target without the password', () => {
    expect(describeMysqlTarget(resolve({ url: `mysql://root:${encodeURIComponent(PASSWORD)}@10.0.0.5:3306/app` }))).toBe('10.0.0.5:3306/app');
    expect(describeMysqlTarget(resolve({ host: '::1', database: 'app' }))).toBe('[::1]:3306/app');
    expect(describeMysqlTarget(resolve({ socketPath: '/run/mysqld/mysqld.sock', database: 'app' }))).toBe('/run/mysqld/mysqld.sock/app');
  });

  it.each<[Partial<MysqlConnectionOptions>, RegExp]>([
    [{}, /connections\.main\.database is required for backend 'mysql'/],
    [{ database: 'x', port: 0 }, /connections\.main\.port must be an integer from 1 to 65535/],
    [{ database: 'x', host: '' }, /connections\.main\.host must be a non-empty string/],
    [{ database: 'x', password: 5 as never }, /connections\.main\.password must be a string/],
    [{ database: 'x', timezone: 'local' }, /connections\.main\.timezone must be 'Z'/],
    [{ database: 'x', timezone: '+15:00' }, /timezone/],
    [{ database: 'x', collation: 'utf8mb4_bin; DROP' }, /connections\.main\.collation/],
    [{ database: 'x', ssl: 5 as never }, /connections\.main\.ssl/],
    [{ database: 'x', connectTimeoutMs: -1 }, /connectTimeoutMs must be a positive integer/],
    [{ database: 'x', maxPreparedStatements: 0 }, /maxPreparedStatements must be a positive integer/],
    [{ url: 'not a url' }, /connections\.main\.url is not a valid URL/],
    [{ url: 'http://h/db' }, /must start with mysql:\/\/ or mariadb:\/\/ \(got http:\/\/\)/],
    [{ url: `mysql://u:${encodeURIComponent(PASSWORD)}@h/db?sslmode=require` }, /unknown parameter 'sslmode'/],
  ])('refuses %j', (options, message) => {
    let error: unknown;
    try {
      resolve(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(PASSWORD);
    expect((error as Error).message).not.toContain(encodeURIComponent(PASSWORD));
  });

  it('is checked by the registry before anything opens (validateOptions)', async () => {
    expect(typeof MysqlBackend.validateOptions).toBe('function');
    const error = await ConnectionRegistry.open({
      connections: { ok: { backend: 'sqlite', database: ':memory:' }, legacy: { backend: 'mariadb', host: '127.0.0.1', timezone: 'Europe/Paris', database: 'x' } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/connections\.legacy\.timezone/);
  });
});

describe('MySQL fixed-offset time zones', () => {
  it('parses offsets and refuses named zones', () => {
    expect(parseFixedOffset(undefined)).toBe(UTC);
    expect(parseFixedOffset('Z')).toBe(UTC);
    expect(parseFixedOffset('+00:00')).toBe(UTC);
    expect(parseFixedOffset('-05:30')).toEqual({ driver: '-05:30', session: '-05:30', minutes: -330 });
    expect(parseFixedOffset('+14:00')?.minutes).toBe(840);
    expect(parseFixedOffset('Europe/Paris')).toBeUndefined();
    expect(parseFixedOffset('+5:00')).toBeUndefined();
  });

  it('formats and parses wall clocks both ways, to the millisecond', () => {
    const at = new Date('2024-03-31T01:59:59.123Z');
    expect(formatWallClock(at, UTC)).toBe('2024-03-31 01:59:59.123');
    const kathmandu = parseFixedOffset('+05:45')!;
    expect(formatWallClock(at, kathmandu)).toBe('2024-03-31 07:44:59.123');
    expect(parseWallClock('2024-03-31 07:44:59.123456', kathmandu)).toEqual(at);
    expect(parseWallClock('2024-03-31', UTC)).toEqual(new Date('2024-03-31T00:00:00Z'));
    expect(formatWallClock(new Date('1969-07-20T20:17:40.001Z'), UTC)).toBe('1969-07-20 20:17:40.001');
  });
});
