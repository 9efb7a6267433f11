import {
  ConnectionError,
  ConnectionRegistry,
  SqliteBackend,
  TransactionError,
  transactional,
  type DriverSession,
} from 'nestjs-activerecord';
import { TcpProxy } from '../support/tcp-proxy';
import { LiteTransfer, MariaTransfer, PgTransfer, transfer } from './harness/bank';
import { BankInspector, NODE } from './harness/harness';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/** Network and commit failures at exact moments of a unit, injected in process. */
jest.setTimeout(60_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

/** A real SQLite backend whose next COMMIT reports a broken connection (after or instead of committing). */
class FlakyCommitSqlite extends SqliteBackend {
  static failNextCommit: 'after-commit' | 'instead-of-commit' | undefined;

  override async commit(session: DriverSession): Promise<void> {
    const failure = FlakyCommitSqlite.failNextCommit;
    FlakyCommitSqlite.failNextCommit = undefined;
    if (failure === 'instead-of-commit') {
      await super.rollback(session);
      throw new ConnectionError(`simulated: connection '${this.context.connectionName}' lost during COMMIT`);
    }
    await super.commit(session);
    if (failure === 'after-commit') throw new ConnectionError(`simulated: connection '${this.context.connectionName}' lost during COMMIT`);
  }
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeIf('faults during commit', () => {
  let pgOptions: { url?: string; schema?: string };
  let mariaOptions: { host?: string; port?: number };
  beforeAll(async () => {
    pgOptions = (await postgres('faults_pg')) as typeof pgOptions;
    mariaOptions = (await mariadb('faults_maria')) as typeof mariaOptions;
  });
  afterAll(async () => {
    await releasePostgres('faults_pg');
    await releaseMariadb('faults_maria');
  });

  it('7: a participant unreachable in phase 2 stays committed-to and is committed when it is back', async () => {
    const proxy = new TcpProxy(mariaOptions.host ?? '127.0.0.1', mariaOptions.port ?? 3306);
    const port = await proxy.start();
    const connections = { pg: pgOptions, maria: { ...mariaOptions, host: '127.0.0.1', port }, lite: sqliteFile('faults7') };
    const bank = await BankInspector.open(connections);
    try {
      await bank.reset();
      const registry = await ConnectionRegistry.open({
        connections: connections as never,
        coordinator: { log: { connection: 'lite' }, nodeId: NODE, commitRetryIntervalMs: 200, recoverOnStartup: false },
        logger: quietLogger,
      });
      registry.coordinator.onEvent(async (event) => {
        if (event.type === 'decided') await proxy.cut({ stopListening: true });
      });
      // The unit reports success: the decision is commit, whatever phase 2 still has to do.
      await registry.run(() => transactional({ connections: ['pg', 'maria'] }, () => transfer('t-7', 5)));
      expect(await PgTransfer.pluck('id')).toEqual(['t-7']);
      await proxy.start();
      await until(async () => (await bank.preparedBranches()).length === 0);
      expect(await MariaTransfer.pluck('id')).toEqual(['t-7']);
      await bank.assertConsistent({ withLedger: false });
      await registry.close();
    } finally {
      await bank.close();
      await proxy.stop();
    }
  });

  it('a participant that hangs while preparing makes the unit roll back after prepareTimeoutMs', async () => {
    const proxy = new TcpProxy(mariaOptions.host ?? '127.0.0.1', mariaOptions.port ?? 3306);
    const port = await proxy.start();
    const connections = { pg: pgOptions, maria: { ...mariaOptions, host: '127.0.0.1', port }, lite: sqliteFile('hang') };
    const bank = await BankInspector.open(connections);
    try {
      await bank.reset();
      const registry = await ConnectionRegistry.open({
        connections: connections as never,
        coordinator: { log: { connection: 'lite' }, nodeId: NODE, prepareTimeoutMs: 500, orphanTimeoutMs: 0, recoverOnStartup: false },
        logger: quietLogger,
      });
      registry.coordinator.onEvent(async (event) => {
        // Branches prepare in parallel: freeze MariaDB's as it is about to be sent.
        if (event.type === 'preparing' && event.connection === 'maria') proxy.freeze();
      });
      const started = Date.now();
      const error = await registry.run(() => transactional({ connections: ['pg', 'maria'] }, () => transfer('t-hang', 5))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/connection 'maria' failed to prepare \(Timed out after 500 ms preparing on connection 'maria'\)/);
      expect(Date.now() - started).toBeLessThan(5000);
      proxy.thaw();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await registry.coordinator.recover();
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual([]);
      await registry.close();
    } finally {
      await bank.close();
      await proxy.stop();
    }
  });

  it.each([
    ['after-commit', true],
    ['instead-of-commit', false],
  ] as const)('9: the last resource\'s connection breaks during its commit (%s): the decision is read back from its record', async (failure, committed) => {
    const connections = { pg: pgOptions, maria: mariaOptions, lite: { ...sqliteFile('faults9'), backend: FlakyCommitSqlite } };
    const bank = await BankInspector.open(connections);
    try {
      await bank.reset();
      FlakyCommitSqlite.failNextCommit = failure;
      const registry = await ConnectionRegistry.open({
        connections: connections as never,
        coordinator: { log: { connection: 'lite' }, nodeId: NODE, recoverOnStartup: false },
        logger: quietLogger,
      });
      try {
        const unit = registry.run(() =>
          transactional({ connections: ['pg', 'maria', 'lite'] }, async () => {
            await transfer('t-9', 5);
            await LiteTransfer.create({ id: 't-9', amount: 5 });
          }),
        );
        if (committed) await unit;
        else await expect(unit).rejects.toThrow(/was rolled back: its last resource, connection 'lite', failed to commit/);
      } finally {
        await registry.close();
      }
      const { applied } = await bank.assertConsistent({ withLedger: true });
      expect(applied).toEqual(committed ? ['t-9'] : []);
    } finally {
      await bank.close();
    }
  });

  it('13: the decision log is unreachable at the decision: the outcome is left in doubt, never guessed, and recovery settles it', async () => {
    const logOptions = (await postgres('faults_log')) as { url: string };
    const pgUrl = new URL(logOptions.url);
    const proxy = new TcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    pgUrl.port = String(await proxy.start());
    logOptions.url = pgUrl.toString();
    const connections = { pg: pgOptions, maria: mariaOptions, lite: sqliteFile('faults13'), pglog: logOptions };
    const bank = await BankInspector.open(connections);
    try {
      await bank.reset();
      const registry = await ConnectionRegistry.open({
        connections: connections as never,
        coordinator: { log: { connection: 'pglog' }, nodeId: NODE, orphanTimeoutMs: 0, recoverOnStartup: false },
        logger: quietLogger,
      });
      await registry.coordinator.recover(); // creates nothing, but checks the log is reachable now
      let prepared = 0;
      registry.coordinator.onEvent(async (event) => {
        if (event.type === 'prepared' && ++prepared === 2) await proxy.cut({ stopListening: true });
      });
      const error = await registry.run(() => transactional({ connections: ['pg', 'maria'] }, () => transfer('t-13', 5))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionError);
      expect((error as Error).message).toMatch(/outcome of transaction .* is in doubt: the decision log on connection 'pglog' could not be written or read/);
      expect(await bank.preparedBranches()).toHaveLength(2);

      await proxy.start();
      const report = await registry.coordinator.recover();
      expect(report.rolledBack).toHaveLength(2);
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual([]);
      await registry.close();
    } finally {
      await bank.close();
      await proxy.stop();
      await releasePostgres('faults_log');
    }
  });
});
