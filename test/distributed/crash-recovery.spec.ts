import type { CoordinatorEvent } from 'nestjs-activerecord';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';
import { BankInspector, NODE, recoverInFreshProcess, recoveryError, runUntilKilled, runWorker, startPaused } from './harness/harness';

/**
 * Fault injection: a worker process runs a transfer as a unit of work across PostgreSQL,
 * MariaDB and (as last resource, or as the decision log) SQLite, and is SIGKILLed at an exact
 * step of the coordinator. A fresh process then recovers, and every database must agree.
 * (Numbers refer to the crash cases in shared/notes/distributed-transactions.md.)
 */
jest.setTimeout(120_000);

const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

describeIf('crash recovery of two-phase commit', () => {
  let connections: Record<string, unknown>;
  let bank: BankInspector;

  beforeAll(async () => {
    connections = { pg: await postgres('crash_pg'), maria: await mariadb('crash_maria'), lite: sqliteFile('lite') };
    bank = await BankInspector.open(connections);
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('crash_pg');
    await releaseMariadb('crash_maria');
  });
  beforeEach(() => bank.reset());

  type Kill = [string, CoordinatorEvent['type'], number, boolean];
  const points: Kill[] = [
    ['1: after begin, before any prepare', 'begin', 1, false],
    ['1: after one prepare, before the second', 'prepared', 1, false],
    ['2: after all prepares, before the decision', 'prepared', 2, false],
    ['3: after the decision, before any phase-2 commit', 'decided', 1, true],
    ['4: after one of two phase-2 commits', 'branch-committed', 1, true],
    ['5: after every commit, before the log is marked done', 'done', 1, true],
  ];

  describe.each([
    ['with SQLite as last resource', 'lr'],
    ['with the decision in the log', 'log'],
  ] as const)('%s', (_label, shape) => {
    it.each(points)('case %s', async (_case, type, nth, applied) => {
      await runUntilKilled({ mode: 'transfers', connections, shape, transfers: 1, killAt: { type, nth } });
      if (type === 'decided' || (type === 'prepared' && nth === 2)) {
        // 12: the dead client's prepared branches are still there, for a new connection to resolve.
        expect(await bank.preparedBranches()).toHaveLength(2);
      }
      const report = await recoverInFreshProcess(connections);
      expect(report.unreachable).toEqual([]);
      const { applied: ids } = await bank.assertConsistent({ withLedger: shape === 'lr' });
      expect(ids).toEqual(applied ? ['t-0'] : []);
    });
  });

  it('6: recovery leaves a live transaction\'s young branches alone, then resolves them once it is dead', async () => {
    const live = await startPaused({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'prepared', nth: 2 } });
    try {
      const report = await recoverInFreshProcess(connections, { orphanTimeoutMs: 60_000 });
      expect(report.leftYoung).toHaveLength(2);
      expect(await bank.preparedBranches()).toHaveLength(2);
    } finally {
      await live.kill();
    }
    await recoverInFreshProcess(connections);
    await bank.assertConsistent({ withLedger: false });
  });

  it('6: two recoveries at once do not act twice or disagree', async () => {
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'decided', nth: 1 } });
    await Promise.all([recoverInFreshProcess(connections), recoverInFreshProcess(connections)]);
    const { applied } = await bank.assertConsistent({ withLedger: false });
    expect(applied).toEqual(['t-0']);
  });

  it('a crash during recovery is finished by the next recovery', async () => {
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'decided', nth: 1 } });
    await runUntilKilled({ mode: 'recover', connections, shape: 'log', killAt: { type: 'recovered', nth: 1 } });
    await recoverInFreshProcess(connections);
    expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
  });

  it('15: a branch rolled back by hand against a commit decision raises HeuristicCompletionError', async () => {
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'decided', nth: 1 } });
    const [pgBranch] = await bank.connection('pg').query('SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`ar.${NODE}.`]);
    await bank.connection('pg').execute(`ROLLBACK PREPARED '${String(pgBranch!.gid)}'`);
    const error = await recoveryError(connections);
    expect(error).toMatch(/^HeuristicCompletionError: .*decided commit, but its branch on connection 'pg' was rolled back/);
    // MariaDB's branch followed the decision; PostgreSQL's did not: the databases disagree, as reported.
    expect(await bank.preparedBranches()).toEqual([]);
  });

  it('17: keeps the invariant over many transfers when the decision survives the crash', async () => {
    const run = await runWorker({ mode: 'transfers', connections, shape: 'lr', transfers: 25 });
    expect(run.stdout.match(/DONE/g)).toHaveLength(25);
    const { applied } = await bank.assertConsistent({ withLedger: true });
    expect(applied).toHaveLength(25);
  });
});
