import { ConnectionRegistry, HeuristicCompletionError, TransactionError, type CoordinatorEvent } from 'nestjs-activerecord';
import { LateStepError, runCompensation, runForward } from '../../lib/distributed/saga/barrier';
import { INITIAL_BALANCE, LiteTransfer, MariaAccount, PgAccount } from './harness/bank';
import { BankInspector } from './harness/harness';
import { Approval, debit, sagaTransfer } from './harness/saga-bank';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

jest.setTimeout(60_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

describeIf('sagas across PostgreSQL, MariaDB and SQLite', () => {
  let bank: BankInspector;
  let registry: ConnectionRegistry;
  const events: CoordinatorEvent[] = [];

  beforeAll(async () => {
    bank = await BankInspector.open({ pg: await postgres('saga_pg'), maria: await mariadb('saga_maria'), lite: sqliteFile('saga') });
    registry = bank.registry;
    registry.coordinator.onEvent((event) => void events.push(event));
  });
  afterAll(async () => {
    await bank.close();
    await releasePostgres('saga_pg');
    await releaseMariadb('saga_maria');
  });
  beforeEach(async () => {
    await bank.reset();
    events.length = 0;
  });

  it('runs every step, each committed at once, and logs the saga completed', async () => {
    await sagaTransfer(registry.coordinator, 's-1', 40);
    expect((await PgAccount.find(1)).balance).toBe(INITIAL_BALANCE - 40);
    expect((await MariaAccount.find(1)).balance).toBe(INITIAL_BALANCE + 40);
    expect(await LiteTransfer.pluck('id')).toEqual(['s-1']);
    expect(events.filter((e) => e.type === 'saga-step-done').map((e) => (e as { step: string }).step)).toEqual(['bank.debit', 'bank.credit', 'bank.record', 'bank.approve']);
    expect(events.at(-1)).toMatchObject({ type: 'saga-done', outcome: 'completed' });
    expect((await registry.coordinator.inDoubt()).sagas).toEqual([]);
  });

  it('compensates completed steps newest first when a step fails, and rethrows the failure', async () => {
    await expect(sagaTransfer(registry.coordinator, 's-declined', 40)).rejects.toThrow('transfer s-declined declined');
    await bank.assertConsistent({ withLedger: true });
    expect(await Approval.count()).toBe(0);
    expect(events.filter((e) => e.type === 'saga-compensated').map((e) => (e as { step: string }).step)).toEqual(['bank.approve', 'bank.record', 'bank.credit', 'bank.debit']);
    expect(events.at(-1)).toMatchObject({ type: 'saga-done', outcome: 'compensated' });
  });

  it('builds sagas with coordinator.saga().step().execute(), compensations receiving what run returned', async () => {
    const received: unknown[] = [];
    const saga = registry.coordinator
      .saga<{ amount: number }>('builder-demo')
      .step({
        name: 'reserve',
        connection: 'pg',
        run: async (input) => {
          await PgAccount.where({ id: 1 }).updateAll({ balance: INITIAL_BALANCE - input.amount });
          return { reserved: input.amount, at: 'pg' };
        },
        compensate: async (result) => {
          received.push(result);
          await PgAccount.where({ id: 1 }).updateAll({ balance: INITIAL_BALANCE });
        },
      })
      .step({ name: 'explode', run: () => Promise.reject(new Error('step two failed')) });
    await expect(saga.execute({ amount: 7 })).rejects.toThrow('step two failed');
    expect(received).toEqual([{ reserved: 7, at: 'pg' }]);
    expect((await PgAccount.find(1)).balance).toBe(INITIAL_BALANCE);
    const results = await registry.coordinator.saga<number>('builder-ok').step({ name: 'double', run: (n) => n * 2 }).execute(21);
    expect(results).toEqual({ double: 42 });
  });

  it('a compensation that keeps failing is flagged for a human (HeuristicCompletionError, saga marked failed)', async () => {
    const saga = registry.coordinator
      .saga('stubborn')
      .step({ name: 'one', run: () => 'done', compensate: () => Promise.reject(new Error('downstream is down')) })
      .step({ name: 'two', run: () => Promise.reject(new Error('two failed')) });
    const error = await saga.execute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeuristicCompletionError);
    expect((error as Error).message).toMatch(/compensating step 'stubborn\/one' failed 3 times: downstream is down/);
    expect((await registry.coordinator.inDoubt()).sagas).toMatchObject([{ name: 'stubborn', state: 'failed' }]);
  });

  describe('barriers (16)', () => {
    const pg = () => registry.get('pg');

    it('a repeated forward step returns the first result without running again', async () => {
      let runs = 0;
      const run = async () => ({ run: ++runs });
      expect(await runForward(pg(), 'dup:1', run)).toEqual({ result: { run: 1 }, repeated: false });
      expect(await runForward(pg(), 'dup:1', run)).toEqual({ result: { run: 1 }, repeated: true });
      expect(runs).toBe(1);
    });

    it('a compensation of a step that never ran does nothing, and the late forward step is then refused', async () => {
      let compensated = 0;
      expect(await runCompensation(pg(), 'late:1', async () => void compensated++)).toBe('empty');
      expect(compensated).toBe(0);
      await expect(runForward(pg(), 'late:1', async () => 'too late')).rejects.toBeInstanceOf(LateStepError);
    });

    it('a compensation runs once, however often it is asked for', async () => {
      await runForward(pg(), 'once:1', async () => ({ amount: 3 }));
      const results: unknown[] = [];
      const undo = async (result: unknown) => void results.push(result);
      expect(await runCompensation(pg(), 'once:1', undo)).toBe('compensated');
      expect(await runCompensation(pg(), 'once:1', undo)).toBe('already');
      expect(results).toEqual([{ amount: 3 }]);
    });

    it('refuses to run a registered step outside a saga', async () => {
      await expect(debit.execute({ id: 'x', amount: 1 })).rejects.toBeInstanceOf(TransactionError);
    });
  });
});
