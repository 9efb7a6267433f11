import { describeBackends } from '../support/describe-backends';
import { Account, SUITE_MODELS } from './models';

describeBackends('upsert', { models: SUITE_MODELS }, () => {
  beforeEach(async () => {
    await Account.deleteAll();
  });

  it('inserts new rows and updates colliding ones on the unique key', async () => {
    const first = await Account.upsert({ email: 'a@example.com' }, { conflict: ['email'] });
    const again = await Account.upsert({ email: 'a@example.com' }, { conflict: ['email'] });
    expect(again.id).toBe(first.id);
    expect(await Account.count()).toBe(1);
    const processed = await Account.upsertAll([{ email: 'a@example.com' }, { email: 'b@example.com' }], {
      conflict: ['email'],
      update: [],
    });
    expect(processed).toBe(2);
    expect((await Account.orderBy('email').pluck('email'))).toEqual(['a@example.com', 'b@example.com']);
  });
});
