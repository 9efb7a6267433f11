import {
  CheckConstraintError,
  ConfigurationError,
  ConnectionError,
  ConnectionRegistry,
  DeadlockError,
  ForeignKeyConstraintError,
  LockTimeoutError,
  NotNullConstraintError,
  QueryError,
  SerializationError,
  UniqueConstraintError,
} from 'nestjs-activerecord';
import { validateOptions } from '../../lib/connection/config-validation';
import { oracleFetchTypeHandler, toOracleBatch, toOracleBinds } from '../../lib/backend/oracle/binding';
import { OracleTypedValue } from '../../lib/backend/oracle/compiled';
import { resolveOracleSettings, oraclePoolSizing } from '../../lib/backend/oracle/config';
import type { OracleConnection, OracleDriver, OracleExecuteOptions, OracleResult } from '../../lib/backend/oracle/driver';
import { translateOracleError } from '../../lib/backend/oracle/errors';
import { OracleSession } from '../../lib/backend/oracle/session';
import { OracleDialect } from '../../lib/backend/oracle/dialect';

// The real module (a devDependency) supplies the DB_TYPE constants; no server is contacted.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const oracledb = require('oracledb') as OracleDriver;

describe('oracle options', () => {
  const check = (options: Record<string, unknown>) => () => validateOptions({ connections: { main: { backend: 'oracle', ...options } } as never });

  it('accepts a URL, a connect string, or host + serviceName, each with a user', () => {
    expect(check({ url: 'oracle://app:secret@db.local:1522/FREEPDB1' })).not.toThrow();
    expect(check({ connectString: 'db.local/FREEPDB1', user: 'app', password: 'x', pool: { max: 4 } })).not.toThrow();
    expect(check({ host: 'db.local', serviceName: 'FREEPDB1', user: 'app' })).not.toThrow();
  });

  it.each([
    [{ user: 'app' }, /connections\.main\.connectString is required for backend 'oracle'/],
    [{ url: 'postgres://x@y/z' }, /connections\.main\.url must look like 'oracle:\/\/user:password@host:1521\/serviceName'/],
    [{ host: 'db', user: 'app' }, /connections\.main\.serviceName is required with host/],
    [{ connectString: 'db/FREE' }, /connections\.main\.user is required for backend 'oracle'/],
    [{ connectString: 'db/FREE', user: 'app', port: 70000 }, /connections\.main\.port must be an integer between 1 and 65535/],
    [{ connectString: 'db/FREE', user: 'app', password: 5 }, /connections\.main\.password must be a string/],
    [{ connectString: 'db/FREE', user: 'app', currentSchema: 'a"b' }, /connections\.main\.currentSchema cannot contain/],
    [{ connectString: 'db/FREE', user: 'app', statementCacheSize: -1 }, /connections\.main\.statementCacheSize must be a non-negative integer/],
  ])('refuses %j with a message naming the field', (options, message) => {
    expect(check(options)).toThrow(ConfigurationError);
    expect(check(options)).toThrow(message);
  });

  it('never puts the password in a message', () => {
    try {
      check({ url: 'oracle://app:Sup3rSecret@/x' })();
    } catch (error) {
      expect((error as Error).message).not.toContain('Sup3rSecret');
    }
  });

  it('resolves the URL into a connect string, explicit fields winning, and sizes the pool in driver units', () => {
    expect(resolveOracleSettings({ backend: 'oracle', url: 'oracle://app:p%40ss@db:1522/FREEPDB1' })).toEqual({
      connectString: 'db:1522/FREEPDB1',
      user: 'app',
      password: 'p@ss',
    });
    expect(resolveOracleSettings({ backend: 'oracle', url: 'oracle://app:x@db/FREE', serviceName: 'OTHER', user: 'me' })).toEqual({
      connectString: 'db:1521/OTHER',
      user: 'me',
      password: 'x',
    });
    expect(oraclePoolSizing({ min: 1, max: 3, idleTimeoutMs: 1500, acquireTimeoutMs: 2000 })).toEqual({
      poolMin: 1,
      poolMax: 3,
      poolIncrement: 1,
      poolTimeout: 2,
      queueTimeout: 2000,
    });
  });

  it('reports an unreachable database as a ConnectionError naming the connection, without the password', async () => {
    const failure = await ConnectionRegistry.open({
      connections: { main: { backend: 'oracle', connectString: '127.0.0.1:1/NOPE', user: 'app', password: 'Sup3rSecret', pool: { acquireTimeoutMs: 2000 } } },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/^Cannot connect to Oracle app@127\.0\.0\.1:1\/NOPE for connection 'main'/);
    expect((failure as Error).message).not.toContain('Sup3rSecret');
  });

  it('says which package to install when oracledb is missing', async () => {
    jest.doMock('oracledb', () => {
      throw Object.assign(new Error("Cannot find module 'oracledb' from 'driver-loader.ts'"), { code: 'MODULE_NOT_FOUND' });
    });
    try {
      await jest.isolateModulesAsync(async () => {
        const { ConnectionRegistry: Registry } = await import('nestjs-activerecord');
        const failure = await Registry.open({
          connections: { main: { backend: 'oracle', connectString: 'db/FREE', user: 'app', password: 'secret' } },
          logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
        }).catch((error: unknown) => error);
        expect((failure as Error).name).toBe('ConfigurationError');
        expect((failure as Error).message).toMatch(
          /Connection 'main' uses backend 'oracle', which needs the 'oracledb' package: install it with `npm install oracledb`/,
        );
      });
    } finally {
      jest.dontMock('oracledb');
    }
  });
});

describe('oracle error mapping', () => {
  const oraError = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code, errorNum: Number(code.slice(4)) });
  const translate = (error: unknown) => translateOracleError(error, 'main', 'INSERT INTO "t" ...');

  it.each([
    ['ORA-00001', 'unique constraint (APP.SYS_C008) violated', UniqueConstraintError],
    ['ORA-02291', 'integrity constraint (APP.FK_1) violated - parent key not found', ForeignKeyConstraintError],
    ['ORA-02292', 'integrity constraint (APP.FK_1) violated - child record found', ForeignKeyConstraintError],
    ['ORA-01400', 'cannot insert NULL into ("APP"."t"."name")', NotNullConstraintError],
    ['ORA-02290', 'check constraint (APP.SYS_C009) violated', CheckConstraintError],
    ['ORA-00060', 'deadlock detected while waiting for resource', DeadlockError],
    ['ORA-08177', "can't serialize access for this transaction", SerializationError],
    ['ORA-00054', 'resource busy and acquire with NOWAIT specified or timeout expired', LockTimeoutError],
    ['ORA-30006', 'resource busy; acquire with WAIT timeout expired', LockTimeoutError],
    ['ORA-03113', 'end-of-file on communication channel', ConnectionError],
    ['ORA-03135', 'connection lost contact', ConnectionError],
    ['NJS-500', 'connection to the Oracle Database was broken', ConnectionError],
    ['NJS-003', 'invalid or closed connection', ConnectionError],
    ['DPI-1080', 'connection was closed by ORA-3113', ConnectionError],
    ['ORA-00942', 'table or view does not exist', QueryError],
  ])('%s becomes %p', (code, message, kind) => {
    const error = translate(oraError(code, message));
    expect(error).toBeInstanceOf(kind);
    expect((error as ConnectionError).connection).toBe('main');
    expect(error.message).toContain("'main'");
    expect((error as Error).cause).toBeDefined();
  });

  it('keeps the constraint name, and drops the value details 23ai appends', () => {
    const error = translate(
      oraError('ORA-00001', 'unique constraint (APP.UQ_EMAIL) violated on table APP.ACCOUNTS columns (EMAIL)\nORA-03301: (ORA-00001 details) row with column values (EMAIL:\'dup@example.com\') already exists'),
    );
    expect((error as UniqueConstraintError).constraint).toBe('APP.UQ_EMAIL');
    expect(error.message).not.toContain('dup@example.com');
    expect(translate(oraError('ORA-01400', 'cannot insert NULL')).message).toContain('Oracle stores an empty string as NULL');
  });
});

describe('oracle binds and fetch types', () => {
  it('turns typed values into { val, type } and leaves the rest as they are', () => {
    const at = new Date('2024-03-31T01:59:59.123Z');
    expect(toOracleBinds(oracledb, [new OracleTypedValue('BINARY_DOUBLE', 1.5), new OracleTypedValue('TIMESTAMP_TZ', at), 'x', 5n, null])).toEqual([
      { val: 1.5, type: oracledb.DB_TYPE_BINARY_DOUBLE },
      { val: at, type: oracledb.DB_TYPE_TIMESTAMP_TZ },
      'x',
      5n,
      null,
    ]);
  });

  it('declares batch binds from every row: types from the first value, sizes from the largest', () => {
    const { rows, bindDefs } = toOracleBatch(oracledb, [
      [null, 'ab', Buffer.from([1]), new OracleTypedValue('BINARY_DOUBLE', null), null],
      [3, 'ünï', Buffer.from([1, 2, 3]), new OracleTypedValue('BINARY_DOUBLE', 2.5), null],
    ]);
    expect(bindDefs).toEqual([
      { type: oracledb.DB_TYPE_NUMBER },
      { type: oracledb.DB_TYPE_VARCHAR, maxSize: 5 },
      { type: oracledb.DB_TYPE_RAW, maxSize: 3 },
      { type: oracledb.DB_TYPE_BINARY_DOUBLE },
      { type: oracledb.DB_TYPE_VARCHAR, maxSize: 1 },
    ]);
    expect(rows).toEqual([
      [null, 'ab', Buffer.from([1]), null, null],
      [3, 'ünï', Buffer.from([1, 2, 3]), 2.5, null],
    ]);
  });

  it('fetches NUMBER that a double cannot hold as text, and LOBs inline', () => {
    const handler = oracleFetchTypeHandler(oracledb);
    const number = (precision: number, scale: number) => handler({ name: 'n', dbType: oracledb.DB_TYPE_NUMBER, precision, scale });
    expect(number(10, 0)).toBeUndefined();
    expect(number(1, 0)).toBeUndefined();
    expect(number(19, 0)).toEqual({ type: oracledb.DB_TYPE_VARCHAR });
    expect(number(12, 2)).toEqual({ type: oracledb.DB_TYPE_VARCHAR });
    expect(number(0, -127)).toEqual({ type: oracledb.DB_TYPE_VARCHAR });
    expect(handler({ name: 'c', dbType: oracledb.DB_TYPE_CLOB })).toEqual({ type: oracledb.DB_TYPE_LONG });
    expect(handler({ name: 'b', dbType: oracledb.DB_TYPE_BLOB })).toEqual({ type: oracledb.DB_TYPE_LONG_RAW });
    expect(handler({ name: 'd', dbType: oracledb.DB_TYPE_BINARY_DOUBLE })).toBeUndefined();
  });
});

describe('OracleSession against a scripted connection', () => {
  interface Call {
    method: string;
    sql?: string;
    binds?: unknown;
    options?: OracleExecuteOptions;
  }
  const script = (results: OracleResult[]) => {
    const calls: Call[] = [];
    const next = () => Promise.resolve(results.shift() ?? {});
    const connection = {
      execute: (sql: string, binds: unknown, options: OracleExecuteOptions) => (calls.push({ method: 'execute', sql, binds, options }), next()),
      executeMany: (sql: string, binds: unknown, options: OracleExecuteOptions) => (calls.push({ method: 'executeMany', sql, binds, options }), next()),
      commit: () => (calls.push({ method: 'commit' }), Promise.resolve()),
      rollback: () => (calls.push({ method: 'rollback' }), Promise.resolve()),
      close: (options?: object) => (calls.push({ method: options ? 'drop' : 'close' }), Promise.resolve()),
    } as unknown as OracleConnection;
    const session = new OracleSession(connection, {
      driver: oracledb,
      fetchTypeHandler: oracleFetchTypeHandler(oracledb),
      translate: (error, sql) => translateOracleError(error, 'main', sql),
    });
    return { session, calls };
  };
  const dialect = new OracleDialect();

  it('returns an inserted row by reading it back through its ROWID, autocommitting outside a transaction', async () => {
    const { session, calls } = script([{ rowsAffected: 1, lastRowid: 'AAAR3sAAEAAAACXAAA' }, { rows: [{ id: 1, name: 'Ada' }] }]);
    const insert = dialect.compile({ kind: 'insert', table: 'people', columns: [{ name: 'name', type: 'string' }], rows: [['Ada']], returning: ['id', 'name'] });
    expect(await session.query(insert)).toEqual([{ id: 1, name: 'Ada' }]);
    expect(calls.map((c) => [c.sql, c.binds, c.options?.autoCommit])).toEqual([
      ['INSERT INTO "people" ("name") VALUES (:1)', ['Ada'], true],
      ['SELECT "id", "name" FROM "people" WHERE ROWID = :1', ['AAAR3sAAEAAAACXAAA'], true],
    ]);
    expect(calls[0]!.options?.outFormat).toBe(oracledb.OUT_FORMAT_OBJECT);
  });

  it('runs a batch with executeMany and declared binds, inside a transaction without autocommit', async () => {
    const { session, calls } = script([{ rowsAffected: 2 }]);
    session.inTransaction = true;
    const insert = dialect.compile({
      kind: 'insert',
      table: 'samples',
      columns: [
        { name: 'ratio', type: 'float' },
        { name: 'label', type: 'string' },
      ],
      rows: [
        [0.5, 'a'],
        [null, 'bcd'],
      ],
    });
    expect(await session.execute(insert)).toEqual({ affectedRows: 2 });
    expect(calls[0]).toMatchObject({ method: 'executeMany', binds: [[0.5, 'a'], [null, 'bcd']], options: { autoCommit: false } });
    expect(calls[0]!.options?.bindDefs).toEqual([{ type: oracledb.DB_TYPE_BINARY_DOUBLE }, { type: oracledb.DB_TYPE_VARCHAR, maxSize: 3 }]);
    await session.commit();
    expect(session.inTransaction).toBe(false);
    expect(calls.map((c) => c.method)).toEqual(['executeMany', 'commit']);
  });

  it('streams a result set a batch at a time and closes it, even when left early', async () => {
    const batches = [[{ n: 1 }, { n: 2 }], [{ n: 3 }, { n: 4 }], [{ n: 5 }]];
    let closed = 0;
    const resultSet = { getRows: jest.fn(async () => batches.shift() ?? []), close: async () => void closed++ };
    const { session, calls } = script([{ resultSet }]);
    const seen: unknown[] = [];
    for await (const row of session.stream({ sql: 'SELECT "n" FROM "t"', params: [] }, { batchSize: 2 })) {
      seen.push(row);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(resultSet.getRows).toHaveBeenCalledTimes(2);
    expect(resultSet.getRows).toHaveBeenCalledWith(2);
    expect(closed).toBe(1);
    expect(calls[0]!.options).toMatchObject({ resultSet: true, fetchArraySize: 2 });
  });

  it('fails with a ConnectionError once released, and gives the connection back exactly once', async () => {
    const { session, calls } = script([]);
    session.release();
    session.release();
    session.destroy();
    await expect(session.query({ sql: 'SELECT 1 FROM DUAL', params: [] })).rejects.toBeInstanceOf(ConnectionError);
    expect(calls.map((c) => c.method)).toEqual(['close']);
  });
});
