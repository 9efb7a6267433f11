import { RecordNotFoundError } from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

describeBackends('CRUD', { models: SUITE_MODELS }, () => {
  beforeEach(async () => {
    await Person.deleteAll();
  });

  it('creates a record with generated key and database defaults', async () => {
    const ada = await Person.create({ name: 'Ada' });
    expect(typeof ada.id).toBe('number');
    expect(ada.isNewRecord).toBe(false);
    expect(ada.status).toBe('active');
    expect(ada.active).toBe(true);
    expect(ada.email).toBeNull();
  });

  it('finds by key, throws RecordNotFoundError when absent, and findBy returns null', async () => {
    const ada = await Person.create({ name: 'Ada' });
    expect((await Person.find(ada.id)).name).toBe('Ada');
    expect((await Person.find(String(ada.id))).id).toBe(ada.id);
    await expect(Person.find(ada.id + 1000)).rejects.toBeInstanceOf(RecordNotFoundError);
    await expect(Person.find('not-a-number')).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await Person.findBy({ name: 'Nobody' })).toBeNull();
    expect((await Person.findBy({ name: 'Ada' }))?.id).toBe(ada.id);
  });

  it('updates, reloads and destroys', async () => {
    const ada = await Person.create({ name: 'Ada', age: 36 });
    ada.age = 37;
    await ada.save();
    expect((await Person.find(ada.id)).age).toBe(37);
    await Person.where({ id: ada.id }).updateAll({ name: 'Ada L.' });
    await ada.reload();
    expect(ada.name).toBe('Ada L.');
    await ada.destroy();
    expect(ada.isDestroyed).toBe(true);
    expect(await Person.exists({ id: ada.id })).toBe(false);
    await expect(ada.reload()).rejects.toBeInstanceOf(RecordNotFoundError);
  });
});
