import { Test } from '@nestjs/testing';
import { ActiveRecordModule, TransactionCoordinator } from 'nestjs-activerecord';
import { BANK_MODELS, transfer } from './harness/bank';
import { BankInspector, NODE, runUntilKilled } from './harness/harness';
import { SAGA_MODELS } from './harness/saga-bank';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

jest.setTimeout(60_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

describeIf('recovery when a Nest application starts', () => {
  let connections: Record<string, unknown>;
  let bank: BankInspector;
  beforeAll(async () => {
    connections = { pg: await postgres('nestrec_pg'), maria: await mariadb('nestrec_maria'), lite: sqliteFile('nestrec') };
    bank = await BankInspector.open(connections);
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('nestrec_pg');
    await releaseMariadb('nestrec_maria');
  });

  it('commits what a crashed process had decided before the application serves anything, then commits new units', async () => {
    await bank.reset();
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', transfers: 1, killAt: { type: 'decided', nth: 1 } });
    expect(await bank.preparedBranches()).toHaveLength(2);
    const ref = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRoot({
          connections: connections as never,
          models: [...BANK_MODELS, ...SAGA_MODELS],
          coordinator: { log: { connection: 'lite' }, nodeId: NODE, orphanTimeoutMs: 0 },
          logger: quietLogger,
        }),
      ],
    }).compile();
    await ref.init();
    try {
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
      // ...and then serves: a new unit commits on both servers through the app's coordinator.
      await ref.get(TransactionCoordinator).run({ connections: ['pg', 'maria'] }, () => transfer('t-app', 25));
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0', 't-app']);
    } finally {
      await ref.close();
    }
  });
});
