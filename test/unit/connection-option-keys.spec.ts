import { ConfigurationError, ConnectionRegistry, SqliteBackend, StorageBackend } from 'nestjs-activerecord';
import { validateOptions } from '../../lib/connection/config-validation';

function refusal(connection: Record<string, unknown>): ConfigurationError {
  try {
    validateOptions({ connections: { main: connection as never } });
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('unknown connection options (issue #13, fix 8)', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['postgres', { backend: 'postgres', url: 'postgres://u@h/db', statementTimeoutMS: 100 }, 'statementTimeoutMS', /did you mean 'statementTimeoutMs'\?/],
    ['postgres', { backend: 'postgres', url: 'postgres://u@h/db', pol: { max: 2 } }, 'pol', /did you mean 'pool'\?/],
    ['mysql', { backend: 'mysql', database: 'x', timeZone: '+02:00' }, 'timeZone', /did you mean 'timezone'\?/],
    ['mariadb', { backend: 'mariadb', database: 'x', pasword: 'secret' }, 'pasword', /did you mean 'password'\?/],
    ['sqlite', { backend: 'sqlite', database: ':memory:', journal_mode: 'wal' }, 'journal_mode', /did you mean 'journalMode'\?/],
    ['sqlite', { backend: 'sqlite', database: ':memory:', encryption: {} }, 'encryption', /option of the whole configuration/],
    ['oracle', { backend: 'oracle', connectString: 'h/s', user: 'u', servicename: 'X' }, 'servicename', /did you mean 'serviceName'\?/],
    ['mssql', { backend: 'mssql', server: 'h', user: 'u', requestTimeout: 5 }, 'requestTimeout', /did you mean 'requestTimeoutMs'\?/],
    ['sqlite', { backend: 'sqlite', database: ':memory:', frobnicate: true }, 'frobnicate', /options: backend, synchronize/],
  ])('%s refuses %p naming the connection and the key', (_backend, options, key, hint) => {
    const error = refusal(options);
    expect(error.connection).toBe('main');
    expect(error.field).toBe(`connections.main.${key}`);
    expect(error.message).toContain(`Connection 'main': connections.main.${key} is not an option of backend`);
    expect(error.message).toMatch(hint);
    expect(error.message).not.toContain('secret');
  });

  it('accepts every documented option', () => {
    expect(() =>
      validateOptions({
        connections: {
          a: { backend: 'sqlite', database: ':memory:', readonly: false, journalMode: 'wal', synchronous: 'normal', busyTimeoutMs: 1, foreignKeys: true, synchronize: true, logging: false, retryAttempts: 0, retryDelayMs: 1 },
          b: { backend: 'postgres', url: 'postgres://u@h/db', schema: 's', applicationName: 'x', statementTimeoutMs: 1, lockTimeoutMs: 1, preparedStatements: true, pool: { max: 2 } },
          c: { backend: 'mysql', database: 'x', timezone: 'Z', charset: 'utf8mb4', collation: 'utf8mb4_bin', connectTimeoutMs: 5, maxPreparedStatements: 5 },
        },
      }),
    ).not.toThrow();
  });

  it('custom backends that list optionKeys get the same check; others take anything', () => {
    class Listed extends SqliteBackend {
      static override readonly optionKeys = ['database', 'tuning'];
    }
    class Free extends StorageBackend {
      readonly dialect = new (class {})() as never;
      readonly capabilities = { twoPhaseCommit: false, savepoints: false, concurrentSessions: false };
      open = async () => undefined;
      close = async () => undefined;
      acquire = async () => undefined as never;
      translateError = (error: unknown) => error as Error;
      describeTarget = () => 'free';
    }
    expect(() => validateOptions({ connections: { main: { backend: Listed, database: ':memory:', tuning: 1 } } })).not.toThrow();
    expect(() => validateOptions({ connections: { main: { backend: Listed, database: ':memory:', tunning: 1 } } })).toThrow(/did you mean 'tuning'/);
    expect(() => validateOptions({ connections: { main: { backend: Free, anything: 1 } } })).not.toThrow();
  });

  it('nothing opens when one connection has an unknown option', async () => {
    await expect(
      ConnectionRegistry.open({
        connections: { good: { backend: 'sqlite', database: ':memory:' }, bad: { backend: 'sqlite', database: ':memory:', logging: true, loging: true } as never },
      }),
    ).rejects.toThrow(/Connection 'bad': connections\.bad\.loging is not an option/);
  });
});
