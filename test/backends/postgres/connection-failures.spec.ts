import { createServer } from 'node:net';
import { ConfigurationError, ConnectionError, ConnectionRegistry, type PostgresConnectionOptions } from 'nestjs-activerecord';
import { TcpProxy } from '../../support/tcp-proxy';
import { PG_URL } from './target';
import { RecordingLogger, describePostgres, eventually, sessionsOf, terminateSessions, uniqueAppName, usePostgres, withAdmin } from './harness';

const PASSWORD = 'Sup3r-S3cret-pw!';

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const server = new URL(PG_URL);
const serverHost = server.hostname;
const serverPort = Number(server.port || 5432);

/** Everything a ConnectionError could leak through: message, stack, and its causes. */
function everythingSaid(error: unknown, logger: RecordingLogger): string {
  const parts: string[] = [logger.text];
  for (let current = error as (Error & { cause?: unknown }) | undefined; current; current = current.cause as typeof current) {
    parts.push(String(current.message), String(current.stack), JSON.stringify(current, Object.getOwnPropertyNames(current)));
  }
  return parts.join('\n');
}

describePostgres('connection failures', () => {
  const pg = usePostgres();

  const open = (options: Partial<PostgresConnectionOptions>, logger = new RecordingLogger(), name = 'main') =>
    ConnectionRegistry.open({
      connections: { [name]: { ...pg.options, applicationName: uniqueAppName(), ...options } as PostgresConnectionOptions },
      logger,
    });

  it('retries startup against a server that is down as configured, then fails naming connection and host, never the password', async () => {
    const port = await closedPort();
    for (const options of [
      { url: undefined, host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'test' },
      { url: `postgres://postgres:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/test` },
    ]) {
      const logger = new RecordingLogger();
      const started = Date.now();
      const error = await open({ ...options, retryAttempts: 2, retryDelayMs: 100 }, logger, 'billing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      const message = (error as Error).message;
      expect(message).toContain("'billing'");
      expect(message).toContain(`127.0.0.1:${port}/test`);
      expect(message).toMatch(/ECONNREFUSED/);
      expect(message).toMatch(/after 3 attempts/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      const warnings = logger.lines.filter((line) => line.startsWith('warn:'));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/'billing': cannot reach 127\.0\.0\.1:\d+\/test \(attempt 1 of 3\); retrying in 100 ms/);
      const said = everythingSaid(error, logger);
      expect(said).not.toContain(PASSWORD);
      expect(said).not.toContain(encodeURIComponent(PASSWORD));
    }
  });

  it('passes ssl through to the driver (this server has no TLS: asking for it fails clearly)', async () => {
    const error = await open({ ssl: { rejectUnauthorized: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/does not support SSL/);
    const fromUrl = await open({ url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}sslmode=require` }).catch((e: unknown) => e);
    expect(fromUrl).toBeInstanceOf(ConnectionError);
  });

  it('refuses a schema that does not exist, naming it', async () => {
    const error = await open({ schema: `ar_missing_${process.pid}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/schema "ar_missing_\d+" does not exist in .*:\d+\/\w+; create it/);
  });

  it('takes the schema from the URL too (one environment variable can say everything)', async () => {
    const separator = PG_URL.includes('?') ? '&' : '?';
    const registry = await open({ url: `${PG_URL}${separator}schema=${encodeURIComponent(pg.schema)}`, schema: undefined });
    try {
      expect(await registry.get('main').query('SELECT current_schema() AS s')).toEqual([{ s: pg.schema }]);
    } finally {
      await registry.close();
    }
    const missing = await open({ url: `${PG_URL}${separator}schema=nope_${process.pid}`, schema: undefined }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigurationError);
  });

  it('a query killed by pg_terminate_backend fails with ConnectionError; the next one runs on a fresh connection', async () => {
    const app = uniqueAppName();
    const logger = new RecordingLogger();
    const registry = await open({ applicationName: app, pool: { max: 3, min: 3 } }, logger);
    const db = registry.get('main');
    try {
      // Several rounds: the idle connections' termination notices race with the next checkout.
      for (let round = 0; round < 5; round++) {
        await Promise.all([1, 2, 3].map(() => db.query('SELECT pg_sleep(0.01)'))); // three open connections
        expect(await sessionsOf(app)).toHaveLength(3);
        const inFlight = db.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
        await eventually(async () => (await sessionsOf(app)).some((s) => s.state === 'active'), 'the sleep runs');
        if (round % 2 === 0) {
          expect(await terminateSessions(app)).toBe(3); // the busy one and the two idle ones at once
        } else {
          // As a restart does, a moment apart: the busy one first...
          await withAdmin((client) => client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", [app]));
        }
        const error = await inFlight;
        // ...then the idle ones, just before the next checkout (their notices have not arrived yet)
        if (round % 2 === 1) expect(await terminateSessions(app)).toBe(2);
        expect(error).toBeInstanceOf(ConnectionError);
        expect((error as Error).message).toMatch(/'main'/);
        expect((error as Error).message).toMatch(/terminating connection due to administrator command/);
        expect(await db.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
        expect(await Promise.all([1, 2, 3].map((n) => db.query<{ n: number }>('SELECT $1::int AS n', [n])))).toEqual([
          [{ n: 1 }],
          [{ n: 2 }],
          [{ n: 3 }],
        ]);
      }
      // The idle ones were reported, not thrown: the process is still here to say so.
      await eventually(async () => /idle connection .* was closed/.test(logger.text), 'idle errors are logged');
    } finally {
      await registry.close();
    }
  });

  it('a transaction whose connection is killed between statements fails cleanly and the pool recovers', async () => {
    const app = uniqueAppName();
    const logger = new RecordingLogger();
    const registry = await open({ applicationName: app, pool: { max: 1 } }, logger);
    const db = registry.get('main');
    try {
      const outcome = await db
        .transaction(async () => {
          await db.query('SELECT 1');
          await terminateSessions(app);
          // give the socket's close a moment to arrive while nothing runs on the session
          await new Promise((resolve) => setTimeout(resolve, 100));
          await db.query('SELECT 2');
        })
        .catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(ConnectionError);
      // pool.max is 1: this works only if the broken session was given back (and discarded)
      expect(await db.query('SELECT 3 AS n')).toEqual([{ n: 3 }]);
      expect(await sessionsOf(app)).toHaveLength(1);
    } finally {
      await registry.close();
    }
  });

  it('a server restart (every socket cut) costs the in-flight query a ConnectionError; queries work again once it is back', async () => {
    const proxy = new TcpProxy(serverHost, serverPort);
    const port = await proxy.start();
    const registry = await open({ url: undefined, host: '127.0.0.1', port, user: server.username || 'postgres', database: 'test', pool: { max: 2, acquireTimeoutMs: 2000 } });
    const db = registry.get('main');
    try {
      expect(await db.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
      const inFlight = db.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await proxy.cut({ stopListening: true });
      const error = await inFlight;
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      // While the server is down: a clear ConnectionError, quickly, not a hang.
      const down = await db.query('SELECT 1').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(ConnectionError);
      expect((down as Error).message).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/test for connection 'main': .*ECONNREFUSED/);
      await proxy.start();
      expect(await db.query('SELECT 2 AS n')).toEqual([{ n: 2 }]);
      await db.transaction(async () => {
        expect(await db.query('SELECT 3 AS n')).toEqual([{ n: 3 }]);
      });
    } finally {
      await registry.close();
      await proxy.stop();
    }
  });
});

describePostgres('postgres connection options', () => {
  const validate = (options: Record<string, unknown>) =>
    ConnectionRegistry.open({ connections: { main: { backend: 'postgres', ...options } as PostgresConnectionOptions }, logger: new RecordingLogger() });

  it.each([
    [{}, /connections\.main\.url or connections\.main\.host is required for backend 'postgres'/],
    [{ url: 'not a url' }, /connections\.main\.url is not a valid URL/],
    [{ url: 'mysql://root@localhost/app' }, /connections\.main\.url must start with postgres:\/\/ or postgresql:\/\//],
    [{ url: 'postgres://u@h/db?sslcert=/x' }, /connections\.main\.url has the query parameter 'sslcert', which is not supported/],
    [{ url: 'postgres://u@h/db?sslmode=maybe' }, /connections\.main\.url has sslmode=maybe/],
    [{ host: '127.0.0.1', port: 0 }, /connections\.main\.port must be an integer from 1 to 65535/],
    [{ host: '127.0.0.1', port: '5432' }, /connections\.main\.port must be an integer/],
    [{ host: '' }, /connections\.main\.host must be a non-empty string/],
    [{ host: 'h', password: 1234 }, /connections\.main\.password must be a string, or a function/],
    [{ host: 'h', ssl: 'yes' }, /connections\.main\.ssl must be true, false, or an object/],
    [{ host: 'h', schema: '' }, /connections\.main\.schema must be a non-empty string/],
    [{ host: 'h', schema: 'x'.repeat(64) }, /connections\.main\.schema is longer than PostgreSQL's 63-byte identifier limit/],
    [{ url: `postgres://u@h/db?schema=${'x'.repeat(64)}` }, /connections\.main\.url has a schema parameter that is longer than PostgreSQL's 63-byte/],
    [{ host: 'h', lockTimeoutMs: -1 }, /connections\.main\.lockTimeoutMs must be an integer/],
    [{ host: 'h', pool: { max: 0 } }, /connections\.main\.pool\.max must be an integer of at least 1/],
  ])('refuses %j before connecting', async (options, message) => {
    const error = await validate(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
  });

  it('never repeats a URL (which may hold a password) in a configuration error', async () => {
    const error = await validate({ url: `postgres://admin:${PASSWORD}@db.internal:5432/app?bogus=1` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(everythingSaid(error, new RecordingLogger())).not.toContain(PASSWORD);
  });

  it('lets explicit fields override the URL, e.g. to keep the password out of it', async () => {
    const url = new URL(PG_URL);
    url.pathname = '/no_such_database_here';
    const registry = await ConnectionRegistry.open({
      connections: { main: { backend: 'postgres', url: url.toString(), database: 'test', password: () => Promise.resolve('unused-with-trust') } },
      logger: new RecordingLogger(),
    });
    try {
      expect(await registry.get('main').query('SELECT current_database() AS db')).toEqual([{ db: 'test' }]);
    } finally {
      await registry.close();
    }
  });
});
