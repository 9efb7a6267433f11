import { describeBackends } from '../../support/describe-backends';
import { LIFECYCLE_MODELS, Note } from './models';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describeBackends('timestamps', { models: LIFECYCLE_MODELS }, () => {
  beforeEach(async () => {
    await Note.deleteAll();
  });

  it('sets createdAt and updatedAt on insert, as stored', async () => {
    const before = Date.now();
    const note = await Note.create({ body: 'hello' });
    expect(note.createdAt).toBeInstanceOf(Date);
    expect(note.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(note.updatedAt.getTime()).toBe(note.createdAt.getTime());
    const read = await Note.find(note.id);
    expect(read.createdAt.getTime()).toBe(note.createdAt.getTime());
    expect(read.updatedAt.getTime()).toBe(note.updatedAt.getTime());
  });

  it('bumps updatedAt on an update that changes something, and only then', async () => {
    const note = await Note.create({ body: 'a' });
    const created = note.createdAt.getTime();
    await tick();
    await note.save();
    expect(note.updatedAt.getTime()).toBe(created);
    note.body = 'b';
    await note.save();
    expect(note.updatedAt.getTime()).toBeGreaterThan(created);
    expect(note.createdAt.getTime()).toBe(created);
    expect((await Note.find(note.id)).updatedAt.getTime()).toBe(note.updatedAt.getTime());
  });

  it('keeps timestamps the caller gives', async () => {
    const at = new Date('2020-01-02T03:04:05.678Z');
    const note = await Note.create({ body: 'imported', createdAt: at, updatedAt: at });
    expect((await Note.find(note.id)).createdAt.toISOString()).toBe(at.toISOString());
  });

  it('updateAll sets updatedAt unless told not to', async () => {
    const note = await Note.create({ body: 'a' });
    await tick();
    await Note.where({ id: note.id }).updateAll({ body: 'b' });
    const touched = (await Note.find(note.id)).updatedAt.getTime();
    expect(touched).toBeGreaterThan(note.updatedAt.getTime());
    await tick();
    await Note.where({ id: note.id }).updateAll({ body: 'c' }, { touch: false });
    const after = await Note.find(note.id);
    expect(after.body).toBe('c');
    expect(after.updatedAt.getTime()).toBe(touched);
  });

  it('insertAll fills both timestamps', async () => {
    await Note.insertAll([{ body: 'x' }, { body: 'y' }]);
    const notes = await Note.all();
    expect(notes).toHaveLength(2);
    for (const note of notes) {
      expect(note.createdAt).toBeInstanceOf(Date);
      expect(note.updatedAt.getTime()).toBe(note.createdAt.getTime());
    }
  });

  it('upsertAll keeps the first createdAt and moves updatedAt', async () => {
    const note = await Note.create({ body: 'first' });
    await tick();
    await Note.upsertAll([{ id: note.id, body: 'second' }], { conflict: ['id'] });
    const after = await Note.find(note.id);
    expect(after.body).toBe('second');
    expect(after.createdAt.getTime()).toBe(note.createdAt.getTime());
    expect(after.updatedAt.getTime()).toBeGreaterThan(note.updatedAt.getTime());
  });

  it('a failed insert leaves the record as it was', async () => {
    const note = new Note();
    note.assign({ body: 'x'.repeat(100) });
    await expect(note.save()).rejects.toThrow(/longer than 80/);
    expect(note.createdAt).toBeUndefined();
    expect(note.isNewRecord).toBe(true);
  });
});
