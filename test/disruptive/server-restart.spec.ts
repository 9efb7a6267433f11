import { ConfigurationError, ConnectionRegistry } from 'nestjs-activerecord';
import { BankInspector, recoverInFreshProcess, runUntilKilled } from '../distributed/harness/harness';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from '../distributed/support';
import { canRestartServers, restartMariadb, restartPostgres, setMaxPreparedTransactions } from './servers';

jest.setTimeout(180_000);
const servers = serversAvailable();
const restart = canRestartServers();
if (servers.ok && !restart.ok) {
  if (process.env.CI === 'true') throw new Error(`The server-restart tests must run under CI=true: ${restart.reason}`);
  console.warn(`SKIPPED server-restart tests: ${restart.reason}`);
}
const describeIf = servers.ok && restart.ok ? describe : describe.skip;

describeIf('what survives a database server restart', () => {
  let connections: Record<string, unknown>;
  let bank: BankInspector;

  beforeAll(async () => {
    connections = { pg: await postgres('restart_pg'), maria: await mariadb('restart_maria'), lite: sqliteFile('restart') };
    bank = await BankInspector.open(connections);
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('restart_pg');
    await releaseMariadb('restart_maria');
  });

  beforeEach(() => bank.reset());

  it('11: prepared branches survive a restart of both servers between prepare and commit, and are committed', async () => {
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'decided', nth: 1 } });
    expect(await bank.preparedBranches()).toHaveLength(2);
    restartPostgres();
    restartMariadb();
    // The inspector's pooled connections died with the servers; the next statements reconnect.
    await bank.preparedBranches().catch(() => undefined);
    expect(await bank.preparedBranches()).toHaveLength(2);
    await recoverInFreshProcess(connections);
    expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
  });

  it('14: with prepared transactions disabled, a configured coordinator fails at startup saying what to set', async () => {
    const [{ n }] = (await bank.connection('pg').query('SELECT COUNT(*)::int AS n FROM pg_prepared_xacts')) as Array<{ n: number }>;
    if (n > 0) throw new Error(`${n} prepared transaction(s) exist on the server: disabling prepared transactions now would keep PostgreSQL from starting`);
    setMaxPreparedTransactions(0);
    try {
      const error = await ConnectionRegistry.open({
        connections: { pg: connections.pg, lite: connections.lite } as never,
        coordinator: { log: { connection: 'lite' } },
        logger: quietLogger,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(
        /PostgreSQL connection 'pg' has max_prepared_transactions = 0.*ALTER SYSTEM SET max_prepared_transactions = 64/,
      );
    } finally {
      setMaxPreparedTransactions(64);
    }
  });
});
