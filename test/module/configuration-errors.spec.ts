import { Test } from '@nestjs/testing';
import { ActiveRecordModule, ConfigurationError, ConnectionError, ConnectionRegistry, type ActiveRecordModuleOptions } from 'nestjs-activerecord';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEntry, Invoice, quietLogger, User } from './fixtures';

const memory = { backend: 'sqlite', database: ':memory:' } as const;

/** Start an app and return the error it fails with. */
async function startupError(imports: unknown[]): Promise<Error> {
  try {
    const ref = await Test.createTestingModule({ imports: imports as never[] }).compile();
    await ref.init();
    await ref.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected startup to fail');
}

const forRoot = (options: unknown) => ActiveRecordModule.forRoot({ logger: quietLogger, ...(options as ActiveRecordModuleOptions) });

describe('configuration errors fail at startup, naming the connection, model or field', () => {
  it.each([
    ['an unknown backend', { connections: { main: { backend: 'oracel', database: 'x' } } }, /connections\.main\.backend 'oracel' is not a known backend; use one of 'sqlite', 'postgres'/],
    ['a missing backend', { connections: { main: { database: 'x' } } }, /connections\.main\.backend is required/],
    ['a missing database', { connections: { main: { backend: 'sqlite' } } }, /connections\.main\.database is required for backend 'sqlite'/],
    ['an empty connections map', { connections: {} }, /must name at least one connection/],
    ['no connections at all', {}, /'connections' is required/],
    ['a duplicate name in the array form', { connections: [{ name: 'main', ...memory }, { name: 'main', ...memory }] }, /Connection name 'main' is declared twice/],
    ['a name with odd characters', { connections: { 'main db': memory } }, /Connection name 'main db' is invalid/],
    ['a pool max of 0', { connections: { main: { ...memory, pool: { max: 0 } } } }, /connections\.main\.pool\.max must be an integer of at least 1, got 0/],
    ['a pool min above max', { connections: { main: { ...memory, pool: { min: 5, max: 2 } } } }, /connections\.main\.pool\.min \(5\) cannot exceed max \(2\)/],
    ['a fractional timeout', { connections: { main: { ...memory, pool: { acquireTimeoutMs: 1.5 } } } }, /pool\.acquireTimeoutMs must be an integer/],
    ['an unknown pool option', { connections: { main: { ...memory, pool: { maxx: 3 } } } }, /pool\.maxx is not a pool option/],
    ['negative retries', { connections: { main: { ...memory, retryAttempts: -1 } } }, /connections\.main\.retryAttempts must be a non-negative integer/],
    ['an unknown default connection', { connections: { main: memory }, defaultConnection: 'mian' }, /defaultConnection 'mian' is not one of the connections \(main\)/],
    ['a model on a missing connection', { connections: { main: memory }, models: [AuditEntry] }, /Model AuditEntry is bound to connection 'audit', which this application does not define \(defined: main\)/],
    ['a class that is not a model', { connections: { main: memory }, models: [class NotAModel {}] }, /NotAModel is not a model: decorate the class with @Model\(\)/],
  ])('rejects %s', async (_label, options, message) => {
    const error = await startupError([forRoot(options)]);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(message);
  });

  it('rejects a connection defined by two forRoot calls', async () => {
    const error = await startupError([forRoot({ connections: { main: memory } }), forRoot({ connections: { main: memory } })]);
    expect(error.message).toMatch(/Connection 'main' is defined twice in this application/);
  });

  it('rejects a forFeature model on a connection the app lacks, and a contradicting binding', async () => {
    expect((await startupError([forRoot({ connections: { main: memory } }), ActiveRecordModule.forFeature([Invoice], 'billing')])).message).toMatch(
      /Model Invoice is bound to connection 'billing', which this application does not define/,
    );
    expect(
      (await startupError([forRoot({ connections: { main: memory, billing: memory } }), ActiveRecordModule.forFeature([AuditEntry], 'billing')])).message,
    ).toMatch(/Model AuditEntry is declared on connection 'audit' by @Model but registered for 'billing'/);
  });

  it('reports bad options returned by a forRootAsync factory', async () => {
    const error = await startupError([ActiveRecordModule.forRootAsync({ useFactory: () => ({ connections: { main: { backend: 'sqlite' } } }) as never })]);
    expect(error.message).toMatch(/connections\.main\.database is required/);
  });

  it('reports a database that cannot be opened as a ConnectionError naming the connection, and leaves nothing open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-'));
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, 'x');
    const error = await startupError([forRoot({ connections: { main: memory, broken: { backend: 'sqlite', database: join(notADirectory, 'db.sqlite') } }, models: [User] })]);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/for connection 'broken'/);
    await expect(User.count()).rejects.toThrow(/no application is open|no open application/);
  });

  it('validates ConnectionRegistry.open the same way outside Nest', async () => {
    await expect(ConnectionRegistry.open({ connections: { main: { backend: 'sqlite' } } } as never)).rejects.toThrow(ConfigurationError);
  });
});

describe('model declarations are checked when the class is defined', () => {
  it('requires exactly one primary key and a column type it can infer', () => {
    const { Model, Column, PrimaryKey, ActiveRecord } = require('nestjs-activerecord') as typeof import('nestjs-activerecord');
    expect(() => {
      @Model()
      class NoKey extends ActiveRecord {
        @Column() name!: string;
      }
      return NoKey;
    }).toThrow(/Model NoKey has no primary key: mark one property with @PrimaryKey\(\)/);
    expect(() => {
      class Untyped extends ActiveRecord {
        @PrimaryKey() id!: number;
        @Column() tags!: string | number;
      }
      return Untyped;
    }).toThrow(/Untyped\.tags: cannot infer a column type from type Object/);
    expect(() => {
      class BadScale extends ActiveRecord {
        @Column({ type: 'decimal', precision: 4, scale: 6 }) amount!: string;
      }
      return BadScale;
    }).toThrow(/scale cannot exceed precision/);
  });
});
