import type { CoordinatorEvent } from 'nestjs-activerecord';
import { LiteTransfer } from './harness/bank';
import { BankInspector, recoverInFreshProcess, runUntilKilled } from './harness/harness';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/** Case 16: a saga's process is killed at each step; a restarted process compensates it. */
jest.setTimeout(120_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;
const leaseExpiry = () => new Promise((resolve) => setTimeout(resolve, 1700)); // the worker's lease is 1500 ms

describeIf('crash recovery of sagas', () => {
  let connections: Record<string, unknown>;
  let bank: BankInspector;

  beforeAll(async () => {
    connections = { pg: await postgres('sagacrash_pg'), maria: await mariadb('sagacrash_maria'), lite: sqliteFile('sagacrash') };
    bank = await BankInspector.open(connections);
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('sagacrash_pg');
    await releaseMariadb('sagacrash_maria');
  });
  beforeEach(() => bank.reset());

  it.each<[string, string, CoordinatorEvent['type'], number, boolean]>([
    ['before the first step ran', 's-0', 'saga-step-started', 1, false],
    ['while the second step ran (started, not committed)', 's-0', 'saga-step-started', 2, false],
    ['between a step\'s commit and its done record', 's-0', 'saga-step-committed', 2, false],
    ['after three steps were done', 's-0', 'saga-step-done', 3, false],
    ['during the compensation of a declined transfer', 's-declined', 'saga-compensated', 2, false],
    ['after the saga completed', 's-0', 'saga-done', 1, true],
  ])('killed %s', async (_label, prefix, type, nth, applied) => {
    await runUntilKilled({ mode: 'saga', connections, shape: 'lr', transfers: 1, prefix: prefix.replace(/-0$/, ''), killAt: { type, nth } });
    await leaseExpiry();
    const report = await recoverInFreshProcess(connections);
    expect(report.sagasLeft).toEqual([]);
    const { applied: ids } = await bank.assertConsistent({ withLedger: true });
    expect(ids).toEqual(applied ? ['s-0'] : []);
    expect(await LiteTransfer.count()).toBe(applied ? 1 : 0);
    expect((await bank.registry.coordinator.inDoubt()).sagas).toEqual([]);
  });
});
