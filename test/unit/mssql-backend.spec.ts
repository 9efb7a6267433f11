import { EventEmitter } from 'node:events';
import {
  CheckConstraintError,
  ConfigurationError,
  ConnectionError,
  DeadlockError,
  ForeignKeyConstraintError,
  LockTimeoutError,
  MssqlDialect,
  NotNullConstraintError,
  QueryError,
  TransactionError,
  UniqueConstraintError,
} from 'nestjs-activerecord';
import { mssqlPoolConfig } from '../../lib/backend/mssql/config';
import type { MssqlDriver } from '../../lib/backend/mssql/driver';
import { translateMssqlError } from '../../lib/backend/mssql/errors';
import { MssqlSession } from '../../lib/backend/mssql/session';
import { validateOptions } from '../../lib/connection/config-validation';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mssql = require('mssql') as MssqlDriver;

describe('mssql options', () => {
  const check = (options: Record<string, unknown>) => () => validateOptions({ connections: { main: { backend: 'mssql', ...options } } as never });

  it('accepts a URL, or a server with a user', () => {
    expect(check({ url: 'mssql://sa:secret@localhost:1433/app?encrypt=true&trustServerCertificate=true' })).not.toThrow();
    expect(check({ server: 'localhost', user: 'sa', password: 'x', database: 'app', options: { encrypt: false } })).not.toThrow();
  });

  it.each([
    [{ user: 'sa' }, /connections\.main\.server is required for backend 'mssql'/],
    [{ server: 'localhost' }, /connections\.main\.user is required for backend 'mssql'/],
    [{ url: 'oracle://x@y/z' }, /connections\.main\.url must look like 'mssql:\/\//],
    [{ server: 'h', user: 'sa', port: 0 }, /connections\.main\.port must be an integer between 1 and 65535/],
    [{ server: 'h', user: 'sa', options: { encrypt: 'yes' } }, /connections\.main\.options\.encrypt must be true or false/],
    [{ server: 'h', user: 'sa', options: { encrpyt: true } }, /connections\.main\.options\.encrpyt is not a SQL Server option/],
    [{ server: 'h', user: 'sa', requestTimeoutMs: -5 }, /connections\.main\.requestTimeoutMs must be a non-negative integer/],
    [{ server: 'h', user: 'sa', database: '' }, /connections\.main\.database must be a non-empty string/],
  ])('refuses %j with a message naming the field', (options, message) => {
    expect(check(options)).toThrow(ConfigurationError);
    expect(check(options)).toThrow(message);
  });

  it('builds the mssql pool configuration: TLS on by default, UTC dates, pool sizes in mssql units', () => {
    expect(
      mssqlPoolConfig({
        backend: 'mssql',
        url: 'mssql://sa:p%40ss@db:1444/app?trustServerCertificate=true',
        pool: { max: 3, acquireTimeoutMs: 2000 },
      }),
    ).toEqual({
      server: 'db',
      port: 1444,
      database: 'app',
      user: 'sa',
      password: 'p@ss',
      connectionTimeout: 15000,
      requestTimeout: 15000,
      options: { encrypt: true, trustServerCertificate: true, useUTC: true },
      pool: { min: 0, max: 3, idleTimeoutMillis: 30000, acquireTimeoutMillis: 2000 },
    });
  });

  it('says which package to install when mssql is missing', async () => {
    jest.doMock('mssql', () => {
      throw Object.assign(new Error("Cannot find module 'mssql' from 'driver-loader.ts'"), { code: 'MODULE_NOT_FOUND' });
    });
    try {
      await jest.isolateModulesAsync(async () => {
        const { ConnectionRegistry } = await import('nestjs-activerecord');
        const failure = await ConnectionRegistry.open({
          connections: { main: { backend: 'mssql', server: 'localhost', user: 'sa', password: 'secret' } },
          logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
        }).catch((error: unknown) => error);
        expect((failure as Error).name).toBe('ConfigurationError');
        expect((failure as Error).message).toMatch(/uses backend 'mssql', which needs the 'mssql' package: install it with `npm install mssql`/);
      });
    } finally {
      jest.dontMock('mssql');
    }
  });
});

describe('mssql error mapping', () => {
  const requestError = (number: number, message: string) => Object.assign(new Error(message), { name: 'RequestError', code: 'EREQUEST', number });
  const translate = (error: unknown) => translateMssqlError(error, 'main', 'INSERT ...');

  it.each([
    [2627, "Violation of UNIQUE KEY constraint 'UQ__accounts__AB6E'. Cannot insert duplicate key in object 'dbo.accounts'.", UniqueConstraintError],
    [2601, "Cannot insert duplicate key row in object 'dbo.t' with unique index 'UX_t_email'.", UniqueConstraintError],
    [547, 'The INSERT statement conflicted with the FOREIGN KEY constraint "FK__orders__account". The conflict occurred in database "app".', ForeignKeyConstraintError],
    [547, 'The DELETE statement conflicted with the REFERENCE constraint "FK__orders__account".', ForeignKeyConstraintError],
    [547, 'The INSERT statement conflicted with the CHECK constraint "CK__samples__data". The conflict occurred in database "app".', CheckConstraintError],
    [515, "Cannot insert the value NULL into column 'name', table 'app.dbo.people'; column does not allow nulls. INSERT fails.", NotNullConstraintError],
    [1205, 'Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim.', DeadlockError],
    [1222, 'Lock request time out period exceeded.', LockTimeoutError],
    [208, "Invalid object name 'no_such_table'.", QueryError],
  ])('error %d becomes the right class', (number, message, kind) => {
    const error = translate(requestError(number, message));
    expect(error).toBeInstanceOf(kind);
    expect((error as QueryError).connection).toBe('main');
    expect(error.message).toContain("'main'");
    expect(error.cause).toBeDefined();
  });

  it('names the constraint and cuts the values SQL Server quotes', () => {
    const unique = translate(
      requestError(2627, "Violation of UNIQUE KEY constraint 'UQ_email'. Cannot insert duplicate key in object 'dbo.accounts'. The duplicate key value is (dup@example.com)."),
    );
    expect((unique as UniqueConstraintError).constraint).toBe('UQ_email');
    expect(unique.message).not.toContain('dup@example.com');
    const truncated = translate(requestError(2628, "String or binary data would be truncated in table 'app.dbo.t', column 'name'. Truncated value: 'secret-value'."));
    expect(truncated.message).not.toContain('secret-value');
    const conversion = translate(requestError(245, "Conversion failed when converting the nvarchar value 'secret-value' to data type int."));
    expect(conversion.message).not.toContain('secret-value');
    expect(conversion.message).toContain('converting the nvarchar value (redacted)');
  });

  it.each(['ESOCKET', 'ECONNRESET', 'ECONNCLOSED', 'ETIMEOUT', 'ELOGIN'])('code %s is a ConnectionError', (code) => {
    expect(translate(Object.assign(new Error('connection lost'), { name: 'ConnectionError', code }))).toBeInstanceOf(ConnectionError);
    expect(translate(Object.assign(new Error('connection lost'), { code }))).toBeInstanceOf(ConnectionError);
  });

  it('maps mssql transaction errors to TransactionError', () => {
    expect(translate(Object.assign(new Error('Transaction has been aborted.'), { name: 'TransactionError', code: 'EABORT' }))).toBeInstanceOf(TransactionError);
  });
});

/** A stand-in for mssql's Request: records inputs, plays back rows with pause/resume. */
class FakeRequest extends EventEmitter {
  static rows: Record<string, unknown>[] = [];
  static log: Array<{ parent: unknown; sql?: string; inputs: unknown[] }> = [];
  stream = false;
  paused = false;
  inputs: unknown[] = [];
  private entry: { parent: unknown; sql?: string; inputs: unknown[] };

  constructor(readonly parent: unknown) {
    super();
    this.entry = { parent, inputs: this.inputs };
    FakeRequest.log.push(this.entry);
  }
  input(...args: unknown[]) {
    this.inputs.push(args);
    return this;
  }
  pause() {
    this.paused = true;
    return true;
  }
  resume() {
    this.paused = false;
    setImmediate(() => this.pump());
    return true;
  }
  cancel() {
    this.remaining = [];
    this.resume();
  }
  private remaining: Record<string, unknown>[] = [];
  private ended = false;
  async query(sql: string) {
    this.entry.sql = sql;
    if (!this.stream) return { recordset: [{ sql }], rowsAffected: [1] };
    this.remaining = [...FakeRequest.rows];
    setImmediate(() => this.pump());
    return { rowsAffected: [] };
  }
  private pump() {
    while (!this.paused && this.remaining.length > 0) this.emit('row', this.remaining.shift());
    if (!this.paused && this.remaining.length === 0 && !this.ended) {
      this.ended = true;
      this.emit('done');
    }
  }
}

class FakeTransaction extends EventEmitter {
  static events: string[] = [];
  async begin(level: number) {
    FakeTransaction.events.push(`begin ${level}`);
    return this;
  }
  async commit() {
    FakeTransaction.events.push('commit');
  }
  async rollback() {
    FakeTransaction.events.push('rollback');
  }
}

describe('MssqlSession against a scripted driver', () => {
  const pool = { name: 'pool' };
  const driver = { ...mssql, Request: FakeRequest, Transaction: FakeTransaction } as unknown as MssqlDriver;
  const session = () =>
    new MssqlSession({ driver, pool: pool as never, translate: (error, sql) => translateMssqlError(error, 'main', sql) });
  const dialect = new MssqlDialect();

  beforeEach(() => {
    FakeRequest.log = [];
    FakeTransaction.events = [];
  });

  it('declares each typed parameter with its mssql type, and runs on the pool outside a transaction', async () => {
    const query = dialect.compile({
      kind: 'update',
      table: 't',
      set: [
        [{ name: 'blob', type: 'binary' }, null],
        [{ name: 'at', type: 'datetime' }, new Date(0)],
      ],
      where: { kind: 'like', column: { name: 'name' }, pattern: 'a%', negated: false },
    });
    expect(await session().execute(query)).toEqual({ affectedRows: 1 });
    const [request] = FakeRequest.log;
    expect(request!.parent).toBe(pool);
    expect(request!.sql).toBe(`UPDATE [t] SET [blob] = @p1, [at] = @p2 WHERE [name] LIKE @p3 ESCAPE '\\'`);
    expect(request!.inputs).toEqual([
      ['p1', mssql.VarBinary(mssql.MAX), null],
      ['p2', mssql.DateTimeOffset(3), new Date(0)],
      ['p3', 'a%'],
    ]);
  });

  it('begins with the asked isolation level, runs on the transaction, and resets the level before commit', async () => {
    const s = session();
    await s.begin('SERIALIZABLE');
    await s.query({ sql: 'SELECT 1', params: [] });
    await s.commit();
    expect(FakeTransaction.events).toEqual([`begin ${mssql.ISOLATION_LEVEL.SERIALIZABLE}`, 'commit']);
    expect(FakeRequest.log.map((r) => [r.parent instanceof FakeTransaction, r.sql])).toEqual([
      [true, 'SELECT 1'],
      [true, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED'],
    ]);
    expect(s.inTransaction).toBe(false);
  });

  it('streams with back-pressure, and inside a transaction drains the stream before the next statement', async () => {
    FakeRequest.rows = Array.from({ length: 50 }, (_, i) => ({ n: i }));
    const s = session();
    await s.begin('READ COMMITTED');
    const seen: unknown[] = [];
    for await (const row of s.stream({ sql: 'SELECT n FROM t', params: [] }, { batchSize: 4 })) {
      seen.push(row);
      if (seen.length === 2) {
        // The loop body uses the same connection: the stream is read to the end first.
        expect(await s.query({ sql: 'SELECT 2', params: [] })).toEqual([{ sql: 'SELECT 2' }]);
      }
    }
    expect(seen).toHaveLength(50);
    await s.rollback();
    expect(FakeTransaction.events).toEqual([`begin ${mssql.ISOLATION_LEVEL.READ_COMMITTED}`, 'rollback']);
  });

  it('stops a stream left early', async () => {
    FakeRequest.rows = Array.from({ length: 100 }, (_, i) => ({ n: i }));
    let taken = 0;
    for await (const _row of session().stream({ sql: 'SELECT n FROM t', params: [] }, { batchSize: 10 })) {
      if (++taken === 15) break;
    }
    expect(taken).toBe(15);
  });
});
