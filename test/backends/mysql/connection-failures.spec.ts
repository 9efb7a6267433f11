import { createServer } from 'node:net';
import { ConfigurationError, ConnectionError, ConnectionRegistry, type MysqlConnectionOptions } from 'nestjs-activerecord';
import { TcpProxy } from '../../support/tcp-proxy';
import { RecordingLogger, describeMariadb, eventually, killConnection, sessionsOn, useMariadb } from './harness';
import { serverOptions } from './target';

const PASSWORD = 'Sup3r-S3cret-pw!';

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Everything an error could leak through: message, stack, its causes, and the log. */
function everythingSaid(error: unknown, logger: RecordingLogger): string {
  const parts: string[] = [logger.text];
  for (let current = error as (Error & { cause?: unknown }) | undefined; current; current = current.cause as typeof current) {
    parts.push(String(current.message), String(current.stack), JSON.stringify(current, Object.getOwnPropertyNames(current)));
  }
  return parts.join('\n');
}

describeMariadb('connection failures', () => {
  const db = useMariadb();
  const registries: ConnectionRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.close()));
  });

  const open = async (options: Partial<MysqlConnectionOptions>, logger = new RecordingLogger(), name = 'main') => {
    const registry = await ConnectionRegistry.open({
      connections: { [name]: { ...db.options, ...options } as MysqlConnectionOptions },
      logger,
    });
    registries.push(registry);
    return registry;
  };

  /** The session running `sql` right now, seen from another connection. */
  const sessionRunning = async (fragment: string) => {
    let id = 0;
    await eventually(async () => {
      id = (await sessionsOn(db.database)).find((s) => s.info?.includes(fragment))?.id ?? 0;
      return id > 0;
    }, `a session runs ${fragment}`);
    return id;
  };

  it('retries startup against a server that is down as configured, then fails naming connection and host, never the password', async () => {
    const port = await closedPort();
    for (const options of [
      { url: undefined, host: '127.0.0.1', port, user: 'root', password: PASSWORD, database: 'test' },
      { url: `mysql://root:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/test`, host: undefined, port: undefined, user: undefined, password: undefined, database: undefined },
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

  it('fails clearly on a wrong password or an unknown database, without the password', async () => {
    const logger = new RecordingLogger();
    const denied = await open({ user: 'root', password: PASSWORD }, logger).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ConnectionError);
    expect((denied as Error).message).toMatch(/Access denied/);
    expect(everythingSaid(denied, logger)).not.toContain(PASSWORD);
    const unknown = await open({ database: `ar_missing_${process.pid}` }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConnectionError);
    expect((unknown as Error).message).toMatch(/ar_missing_\d+/);
  });

  it('passes ssl through to the driver (this server has TLS disabled: asking for it fails clearly)', async () => {
    const error = await open({ ssl: { rejectUnauthorized: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/secure connection|SSL|TLS/i);
    const fromUrl = await open({ url: 'mysql://root@127.0.0.1:3306/x?ssl=true', ...serverOptions(), database: db.database }).catch((e: unknown) => e);
    expect(fromUrl).toBeInstanceOf(ConnectionError);
  });

  it('validates options before connecting, naming the option', async () => {
    const cases: Array<[Partial<MysqlConnectionOptions>, RegExp]> = [
      [{ timezone: 'Europe/Paris' }, /connections\.main\.timezone must be 'Z'.*fixed offset/],
      [{ port: 70000 }, /connections\.main\.port must be an integer from 1 to 65535/],
      [{ database: '' }, /connections\.main\.database is required/],
      [{ charset: 'utf8; DROP' }, /connections\.main\.charset/],
      [{ url: 'postgres://x@y/z' }, /connections\.main\.url must start with mysql:\/\/ or mariadb:\/\//],
      [{ url: `mysql://root:${PASSWORD}@h/db?nope=1` }, /unknown parameter 'nope'/],
      [{ pool: { max: 0 } }, /connections\.main\.pool\.max/],
    ];
    for (const [options, message] of cases) {
      const error = await open(options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(PASSWORD);
    }
  });

  it('a connection killed mid-query costs that query a ConnectionError; the next one succeeds', async () => {
    const registry = await open({ pool: { max: 2 } });
    const connection = registry.get();
    const started = Date.now();
    const sleeping = connection.query('SELECT SLEEP(20) AS `killed_mid_query`').catch((e: unknown) => e);
    await killConnection(await sessionRunning('killed_mid_query'));
    const error = await sleeping;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/on connection 'main'/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await connection.query('SELECT 1 AS `one`')).toEqual([{ one: 1 }]);
  });

  it('a connection killed inside a transaction fails the transaction and is not reused', async () => {
    const registry = await open({ pool: { max: 1 } });
    const connection = registry.get();
    const failed = connection
      .transaction(async () => {
        await connection.query('SELECT 1');
        await connection.query('SELECT SLEEP(20) AS `killed_in_transaction`');
      })
      .catch((e: unknown) => e);
    await killConnection(await sessionRunning('killed_in_transaction'));
    expect(await failed).toBeInstanceOf(ConnectionError);
    // The pool has one connection: this only works if the dead one was thrown away.
    expect(await connection.transaction(() => connection.query('SELECT 2 AS `two`'))).toEqual([{ two: 2 }]);
  });

  it('idle pooled connections killed by the server are replaced', async () => {
    const registry = await open({ pool: { max: 3 } });
    const connection = registry.get();
    await Promise.all([1, 2, 3].map(() => connection.query('SELECT SLEEP(0.05)')));
    const idle = await sessionsOn(db.database);
    expect(idle.length).toBeGreaterThanOrEqual(3);
    for (const session of idle) await killConnection(session.id);
    await eventually(async () => (await sessionsOn(db.database)).length === 0, 'the killed sessions are gone');
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => connection.query<{ n: number }>('SELECT ? AS `n`', [n])));
    expect(results.map((rows) => Number(rows[0]!.n))).toEqual([1, 2, 3, 4, 5]);
  });

  it('a "server restart" (every connection cut) costs the in-flight query a ConnectionError, then recovers', async () => {
    const { host, port } = serverOptions();
    const proxy = new TcpProxy(host, port);
    await proxy.start();
    try {
      const registry = await open({ host: '127.0.0.1', port: proxy.port, pool: { max: 2 } });
      const connection = registry.get();
      expect(await connection.query('SELECT 1 AS `one`')).toEqual([{ one: 1 }]);
      const inFlight = connection.query('SELECT SLEEP(5) AS `cut_mid_query`').catch((e: unknown) => e);
      await sessionRunning('cut_mid_query');
      await proxy.cut();
      const error = await inFlight;
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/PROTOCOL_CONNECTION_LOST|ECONNRESET/);
      expect(await connection.query('SELECT 2 AS `two`')).toEqual([{ two: 2 }]);

      // Down for a while: queries fail fast and clearly, and work again once it is back. The
      // first may still pick the idle connection the cut has not been noticed on yet.
      await proxy.cut({ stopListening: true });
      const stale = await connection.query('SELECT 3').catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(ConnectionError);
      const down = await connection.query('SELECT 3').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(ConnectionError);
      expect((down as Error).message).toMatch(/^Cannot connect to mariadb at 127\.0\.0\.1:\d+\/\w+ for connection 'main': .*ECONNREFUSED/);
      await proxy.start();
      expect(await connection.query('SELECT 4 AS `four`')).toEqual([{ four: 4 }]);
      expect(await connection.transaction(() => connection.query('SELECT 5 AS `five`'))).toEqual([{ five: 5 }]);
    } finally {
      await proxy.stop();
    }
  });
});
