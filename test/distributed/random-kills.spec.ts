import { BankInspector, recoverInFreshProcess, runAndKillAfter } from './harness/harness';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/**
 * Case 17: transfers across PostgreSQL, MariaDB and SQLite, with the worker killed (SIGKILL) at
 * random moments, recovered, and checked, cycle after cycle. CI runs a few cycles; set
 * SOAK_KILLS to run many (SOAK_KILLS=1000 npx jest test/distributed/random-kills, about 70 minutes
 * on 2 cores): the same test, only longer. docs/distributed-transactions.md records the last soak.
 */
const CYCLES = Number(process.env.SOAK_KILLS ?? 6);
jest.setTimeout(Math.max(120_000, CYCLES * 20_000));
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

describeIf(`randomised kills (${CYCLES} cycles)`, () => {
  let connections: Record<string, unknown>;
  let bank: BankInspector;

  beforeAll(async () => {
    connections = { pg: await postgres('random_pg'), maria: await mariadb('random_maria'), lite: sqliteFile('random') };
    bank = await BankInspector.open(connections);
    await bank.reset();
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('random_pg');
    await releaseMariadb('random_maria');
  });

  it('keeps every database in agreement through every crash', async () => {
    let applied = 0;
    let committedBeforeKill = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const shape = cycle % 2 === 0 ? 'lr' : 'log';
      // Counted from the worker's first finished transfer, so kills land among transfers.
      const delay = Math.floor(Math.random() * 1500);
      const run = await runAndKillAfter({ mode: 'random', connections, shape, prefix: `r${cycle}` }, delay);
      committedBeforeKill += (run.stdout.match(/^DONE /gm) ?? []).length;
      await recoverInFreshProcess(connections);
      // Every cycle's transfers went through SQLite as last resource only in 'lr' cycles, so the
      // ledger is checked for those ids alone.
      const result = await bank.assertConsistent({ withLedger: false });
      const ledger = new Set(await bank.connection('lite').query('SELECT id FROM bank_transfers').then((rows) => rows.map((r) => String(r.id))));
      for (const id of result.applied.filter((id) => Number(id.slice(1, id.indexOf('-'))) % 2 === 0)) expect(ledger.has(id)).toBe(true);
      expect(result.applied.length).toBeGreaterThanOrEqual(committedBeforeKill);
      applied = result.applied.length;
      if (process.env.SOAK_KILLS) process.stdout.write(`cycle ${cycle + 1}/${CYCLES}: ${applied} transfers applied\n`);
    }
    expect(applied).toBeGreaterThan(0);
  });
});
