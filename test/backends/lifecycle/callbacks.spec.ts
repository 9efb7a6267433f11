import { ValidationError, transactional } from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';
import { Audit, Journal, LIFECYCLE_MODELS, Task } from './models';

describeBackends('lifecycle callbacks', { models: LIFECYCLE_MODELS }, () => {
  beforeEach(async () => {
    await Task.deleteAll();
    await Audit.deleteAll();
    Journal.entries = [];
    Journal.failAt = undefined;
  });

  it('runs the create callbacks in order, async ones awaited, commit callbacks after the write', async () => {
    const task = await Task.create({ title: 'Write Docs' });
    expect(Journal.entries).toEqual([
      'beforeValidate',
      'afterValidate',
      'beforeSave',
      'beforeCreate',
      'afterCreate:saved',
      'afterSave',
      'afterCommit',
      'afterCommit:create',
    ]);
    expect(task.slug).toBe('write-docs');
    expect((await Task.find(task.id)).slug).toBe('write-docs');
    expect(await Audit.count()).toBe(1);
  });

  it('runs update and destroy callbacks, and commit callbacks filtered by action', async () => {
    const task = await Task.create({ title: 'a' });
    Journal.entries = [];
    task.title = 'b';
    await task.save();
    expect(Journal.entries).toEqual(['beforeValidate', 'afterValidate', 'beforeSave', 'beforeUpdate', 'afterUpdate', 'afterSave', 'afterCommit']);
    Journal.entries = [];
    await task.destroy();
    expect(Journal.entries).toEqual(['beforeDestroy', 'afterDestroy', 'afterCommit']);
    expect(await Task.exists({ id: task.id })).toBe(false);
  });

  it.each(['beforeValidate', 'beforeSave', 'beforeCreate', 'afterCreate:saved', 'afterSave'])(
    'a callback that throws (%s) aborts the save and rolls back every write in it',
    async (event) => {
      Journal.failAt = event;
      const task = new Task();
      task.assign({ title: 'doomed' });
      await expect(task.save()).rejects.toThrow(`${event} refused`);
      expect(await Task.count()).toBe(0);
      // The audit row written by beforeCreate shared the record's transaction.
      expect(await Audit.count()).toBe(0);
      expect(Journal.entries).toContain('afterRollback');
      expect(Journal.entries).not.toContain('afterCommit');
      // The record is new again (its key was handed back with the rollback) and can be saved.
      expect(task.isNewRecord).toBe(true);
      expect(task.id).toBeUndefined();
      Journal.failAt = undefined;
      await task.save();
      expect(await Task.count()).toBe(1);
    },
  );

  it('a validation failure runs no save callbacks and rolls back', async () => {
    await expect(Task.create({ title: 'x'.repeat(81) })).rejects.toBeInstanceOf(ValidationError);
    expect(Journal.entries).toEqual(['beforeValidate', 'afterRollback']);
  });

  it('inside a transaction, commit callbacks wait for the commit and rollback callbacks fire on rollback', async () => {
    let seenInside: string[] = [];
    await transactional(async () => {
      await Task.create({ title: 'one' });
      await Task.create({ title: 'two' });
      seenInside = [...Journal.entries];
    });
    expect(seenInside).not.toContain('afterCommit');
    expect(Journal.entries.filter((entry) => entry === 'afterCommit')).toHaveLength(2);

    Journal.entries = [];
    const kept = await Task.count();
    await expect(
      transactional(async () => {
        await Task.create({ title: 'three' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(Journal.entries).toContain('afterRollback');
    expect(Journal.entries).not.toContain('afterCommit');
    expect(await Task.count()).toBe(kept);
  });

  it('concurrent saves each get their own callbacks and transaction', async () => {
    const titles = Array.from({ length: 8 }, (_, i) => `task ${i}`);
    const tasks = await Promise.all(titles.map((title) => Task.create({ title })));
    expect(new Set(tasks.map((task) => task.id)).size).toBe(8);
    expect(Journal.entries.filter((entry) => entry === 'afterCommit')).toHaveLength(8);
    expect(await Audit.count()).toBe(8);
  });

  it('bulk methods skip callbacks: insertAll, updateAll, deleteAll', async () => {
    await Task.insertAll([{ title: 'a' }, { title: 'b' }]);
    await Task.updateAll({ title: 'c' });
    await Task.deleteAll();
    expect(Journal.entries).toEqual([]);
  });
});
