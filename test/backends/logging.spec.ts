import { tracingChannel } from 'node:diagnostics_channel';
import {
  ActiveRecord,
  Column,
  ConfigurationError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  QUERY_CHANNEL,
  TRANSACTION_CHANNEL,
  UniqueConstraintError,
  transactional,
  type LoggingOption,
  type QueryMessage,
  type TransactionMessage,
} from 'nestjs-activerecord';
import { describeBackends, type BackendContext } from '../support/describe-backends';

@Model({ table: 'log_members' })
class Member extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ unique: true, length: 60 }) email!: string;
}

/** Every statement on this table names a password column: its values are never shown. */
@Model({ table: 'log_credentials' })
class Credential extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) passwordHash!: string;
}

interface Line {
  level: 'log' | 'warn' | 'error' | 'debug' | 'verbose';
  message: string;
}

/** Open the suite's database once more, with `logging` as given and a logger that keeps every line. */
async function withLogging(context: BackendContext, logging: LoggingOption, work: (lines: Line[], registry: ConnectionRegistry) => Promise<void>): Promise<void> {
  const lines: Line[] = [];
  const keep = (level: Line['level']) => (message: string) => void lines.push({ level, message });
  const registry = await ConnectionRegistry.open({
    connections: { main: { ...context.options, logging } },
    models: [Member, Credential],
    logger: { log: keep('log'), warn: keep('warn'), error: keep('error'), debug: keep('debug'), verbose: keep('verbose') },
  });
  try {
    await registry.schema.dropTables();
    await registry.schema.createTables();
    lines.length = 0;
    await registry.run(() => work(lines, registry));
  } finally {
    await registry.close();
  }
}

/** Every event of a tracing channel while `work` runs, in order, with a snapshot of the message at that moment. */
async function recording<M extends object>(name: string, work: () => Promise<void>): Promise<Array<{ event: string; message: M }>> {
  const events: Array<{ event: string; message: M }> = [];
  const on = (event: string) => (message: unknown) => void events.push({ event, message: { ...(message as M) } });
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
  const channel = tracingChannel(name);
  channel.subscribe(handlers);
  try {
    await work();
  } finally {
    channel.unsubscribe(handlers);
  }
  return events;
}

/** A statement that takes about `ms` on each server (SQLite has no sleep: a recursive count). */
function slowSql(target: string, ms: number): string {
  switch (target) {
    case 'postgres':
      return `SELECT pg_sleep(${ms / 1000}) IS NULL AS slept`;
    case 'mariadb':
      return `SELECT SLEEP(${ms / 1000}) AS slept`;
    default:
      return `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) SELECT COUNT(*) AS slept FROM n`;
  }
}

describeBackends('logging and diagnostics channels', { models: [] }, (context) => {
  it('logging: true logs each statement after it ran, with its duration and rows, never its values', async () => {
    await withLogging(context, true, async (lines) => {
      const member = await Member.create({ email: 'ada@example.com' });
      await Member.find(member.id);
      const all = lines.map((line) => line.message).join('\n');
      expect(all).not.toContain('ada@example.com');
      const [insert, find] = lines;
      expect(insert).toEqual({ level: 'debug', message: expect.stringMatching(/^\[main\] INSERT INTO \S*log_members\S* .* -- \d+\.\d+ ms, .*1 value redacted$/) });
      expect(find).toEqual({ level: 'debug', message: expect.stringMatching(/^\[main\] SELECT .* -- \d+\.\d+ ms, 1 row, 1 value redacted$/) });
    });
  });

  it('logs a failed statement with the error class, and transactions with outcome and duration', async () => {
    await withLogging(context, { queries: 'verbose', transactions: 'log' }, async (lines) => {
      await Member.create({ email: 'grace@example.com' });
      await expect(
        transactional({ name: 'enrol twice' }, async () => {
          await Member.create({ email: 'grace@example.com' });
        }),
      ).rejects.toThrow(UniqueConstraintError);
      await transactional({ name: 'enrol once' }, async () => {
        await Member.create({ email: 'linus@example.com' });
      });
      expect(lines.filter((line) => line.level === 'verbose').map((line) => line.message)).toContainEqual(
        expect.stringMatching(/^\[main\] INSERT INTO .* -- \d+\.\d+ ms, failed: UniqueConstraintError, \d values? redacted$/),
      );
      const transactions = lines.filter((line) => line.level === 'log').map((line) => line.message);
      expect(transactions).toEqual([
        expect.stringMatching(/^\[main\] transaction 'enrol twice' rolled back after \d+\.\d+ ms: UniqueConstraintError$/),
        expect.stringMatching(/^\[main\] transaction 'enrol once' committed after \d+\.\d+ ms$/),
      ]);
    });
  });

  it('with slowQueryMs only, logs nothing but the statements that took that long, at warn', async () => {
    await withLogging(context, { slowQueryMs: 150 }, async (lines, registry) => {
      await Member.create({ email: 'fast@example.com' });
      await Member.where({ email: 'fast@example.com' }).count();
      expect(lines).toEqual([]);
      await registry.get().query(slowSql(context.target.name, 300));
      expect(lines).toEqual([{ level: 'warn', message: expect.stringMatching(/^\[main\] slow statement \(\d+\.\d ms, slowQueryMs 150\): .* -- \d+\.\d ms, 1 row$/) }]);
    });
  });

  it('shows values only where the connection opts in, and never those of a statement that mentions a secret', async () => {
    await withLogging(context, { queries: 'debug', values: true }, async (lines, registry) => {
      await Member.where({ email: 'ada@example.com' }).all();
      expect(lines[0]!.message).toMatch(/ -- \d+\.\d+ ms, 0 rows, values: \["ada@example\.com"\]$/);
      await Credential.create({ passwordHash: 'bcrypt$topsecret' });
      await registry.get().query(`SELECT 'hunter2' AS password_hint`);
      const later = lines.slice(1).map((line) => line.message).join('\n');
      expect(later).not.toContain('topsecret');
      expect(later).not.toContain('hunter2');
      expect(later).toContain("SELECT '***' AS password_hint");
      expect(later).toMatch(/values? redacted \(the statement mentions a secret\)/);
    });
  });

  it('checks the option, naming the path at fault', async () => {
    const open = (logging: unknown) =>
      ConnectionRegistry.open({ connections: { main: { ...context.options, logging: logging as LoggingOption } }, models: [] });
    await expect(open({ queries: 'loud' })).rejects.toThrow(new ConfigurationError(`connections.main.logging.queries must be true, false or one of 'log', 'debug', 'verbose', 'warn', 'error', got "loud"`));
    await expect(open({ slowQueryMs: -1 })).rejects.toThrow(/connections\.main\.logging\.slowQueryMs must be a number of milliseconds/);
    await expect(open({ slowQuery: 5 })).rejects.toThrow(/connections\.main\.logging\.slowQuery is not a logging option \(queries, slowQueryMs, slowQueries, transactions, coordinator, values\)/);
    await expect(open('yes')).rejects.toThrow(/connections\.main\.logging must be true, false or an object/);
  });

  it('publishes every statement on the query tracing channel, as TracingChannel.tracePromise would', async () => {
    await withLogging(context, false, async () => {
      const events = await recording<QueryMessage>(QUERY_CHANNEL, async () => {
        const member = await Member.create({ email: 'tracy@example.com' });
        await Member.find(member.id);
      });
      const synchronous = context.target.name.startsWith('sqlite');
      expect(events.map((e) => e.event)).toEqual(synchronous ? ['start', 'end', 'start', 'end'] : ['start', 'end', 'asyncStart', 'asyncEnd', 'start', 'end', 'asyncStart', 'asyncEnd']);
      const done = events.filter((e) => e.message.durationMs !== undefined).map((e) => e.message);
      expect(done).toHaveLength(synchronous ? 2 : 4);
      expect(done.at(-1)).toEqual({
        connection: 'main',
        backend: context.registry.get().dialect.name,
        sql: expect.stringMatching(/^SELECT /),
        paramCount: 1,
        server: 'primary',
        inTransaction: false,
        durationMs: expect.any(Number),
        rowCount: 1,
      });
      expect(events[0]!.message).not.toHaveProperty('params');
      expect(events[0]!.message.durationMs).toBeUndefined();
    });
  });

  it('publishes failures on the error event, statements inside transactions, and values where opted in', async () => {
    await withLogging(context, { values: true }, async () => {
      await Member.create({ email: 'dup@example.com' });
      const events = await recording<QueryMessage>(QUERY_CHANNEL, async () => {
        await transactional(async () => {
          await expect(Member.create({ email: 'dup@example.com' })).rejects.toThrow(UniqueConstraintError);
        }).catch(() => undefined);
      });
      const failed = events.find((e) => e.event === 'error')!.message;
      expect(failed).toMatchObject({ inTransaction: true, params: expect.arrayContaining(['dup@example.com']), error: expect.any(UniqueConstraintError) });
    });
  });

  it('publishes each transaction on the transaction tracing channel, with outcome, duration and error', async () => {
    await withLogging(context, false, async () => {
      const events = await recording<TransactionMessage>(TRANSACTION_CHANNEL, async () => {
        await transactional({ name: 'signup' }, async () => {
          await Member.create({ email: 'one@example.com' });
        });
        await transactional({ name: 'broken signup' }, async () => {
          await Member.create({ email: 'two@example.com' });
          throw new Error('no');
        }).catch(() => undefined);
        await Member.insertAll([{ email: 'three@example.com' }, { email: 'four@example.com' }]);
      });
      expect(events.map((e) => `${e.event}:${e.message.name}`)).toEqual([
        'start:signup', 'end:signup', 'asyncStart:signup', 'asyncEnd:signup',
        'start:broken signup', 'end:broken signup', 'error:broken signup', 'asyncStart:broken signup', 'asyncEnd:broken signup',
        expect.stringMatching(/^start:/), expect.stringMatching(/^end:/), expect.stringMatching(/^asyncStart:/), expect.stringMatching(/^asyncEnd:/),
      ]);
      expect(events[3]!.message).toEqual({ name: 'signup', connections: ['main'], mode: 'local', readOnly: false, outcome: 'committed', durationMs: expect.any(Number) });
      expect(events[8]!.message).toMatchObject({ outcome: 'rolled back', error: new Error('no') });
      expect(events[12]!.message).toMatchObject({ connections: ['main'], mode: 'local', outcome: 'committed' });
    });
  });

  it('costs a tracer nothing to leave: after unsubscribing, statements are no longer published', async () => {
    await withLogging(context, false, async () => {
      let seen = 0;
      const ignore = () => undefined;
      const handlers = { start: () => void seen++, end: ignore, asyncStart: ignore, asyncEnd: ignore, error: ignore };
      tracingChannel(QUERY_CHANNEL).subscribe(handlers);
      await Member.where({ email: 'x' }).count();
      tracingChannel(QUERY_CHANNEL).unsubscribe(handlers);
      await Member.where({ email: 'x' }).count();
      expect(seen).toBe(1);
    });
  });
});
