import { Connection, currentTransaction, onCommit, onComplete, onRollback, type BackendLogger } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { BILLING, Entry, TX_MODELS } from './models';

const errors: string[] = [];
const logger: BackendLogger = { log: () => undefined, warn: () => undefined, error: (message) => errors.push(message) };

describeBackends('transaction hooks', { models: TX_MODELS, extraConnections: BILLING, logger }, (context) => {
  let main: Connection;
  beforeAll(() => {
    main = context.registry.get('main');
  });
  beforeEach(async () => {
    await Entry.deleteAll();
    errors.length = 0;
  });

  it('runs onCommit and onComplete after the commit, in registration order, outside the transaction', async () => {
    const events: string[] = [];
    await main.transaction(async (transaction) => {
      await Entry.create({ label: 'x' });
      onCommit(() => events.push('commit 1'));
      transaction.onCommit(async () => {
        expect(currentTransaction()).toBeUndefined();
        events.push(`commit 2 sees ${await Entry.count()} row`);
      });
      onComplete((outcome) => events.push(`complete: ${outcome}`));
      onRollback(() => events.push('never'));
      events.push('body done');
    });
    expect(events).toEqual(['body done', 'commit 1', 'commit 2 sees 1 row', 'complete: committed']);
  });

  it('runs onRollback after a rollback, and a failing hook is logged, never turned into a failure', async () => {
    const events: string[] = [];
    await expect(
      main.transaction(async () => {
        onRollback(() => events.push('rolled back'));
        onCommit(() => events.push('never'));
        throw new Error('fail');
      }),
    ).rejects.toThrow('fail');
    expect(events).toEqual(['rolled back']);

    const result = await main.transaction(async () => {
      onCommit(() => {
        throw new Error('hook exploded');
      });
      onCommit(() => events.push('next hook still ran'));
      return 'committed anyway';
    });
    expect(result).toBe('committed anyway');
    expect(events).toContain('next hook still ran');
    expect(errors.join('\n')).toMatch(/hook on connection 'main' failed \(the transaction committed regardless\): Error: hook exploded/);
  });

  it('hooks of a joined call wait for the outer outcome; a rolled-back NESTED frame runs its rollback hooks at once', async () => {
    const events: string[] = [];
    await main.transaction(async () => {
      await main.transaction(async () => onCommit(() => events.push('joined: after outer commit')));
      await main
        .transaction(async () => {
          onCommit(() => events.push('never: savepoint rolled back'));
          onRollback(() => events.push('nested rolled back'));
          throw new Error('nested fails');
        }, { propagation: 'NESTED' })
        .catch(() => undefined);
      await main.transaction(async () => onCommit(() => events.push('nested released: after outer commit')), { propagation: 'NESTED' });
      events.push('outer body done');
    });
    expect(events).toEqual(['nested rolled back', 'outer body done', 'joined: after outer commit', 'nested released: after outer commit']);
  });

  it('refuses hooks outside a transaction', () => {
    expect(() => onCommit(() => undefined)).toThrow(/onCommit\(\) needs a transaction, and none is open here/);
  });
});
