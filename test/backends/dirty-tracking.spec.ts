import { describeBackends } from '../support/describe-backends';
import { Person, SUITE_MODELS } from './models';

const statements: string[] = [];
const capture = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: (message: string) => statements.push(message) };

describeBackends('save writes only what changed', { models: SUITE_MODELS, connection: { logging: true }, logger: capture }, (context) => {
  it('updates only the changed columns, and skips the query when nothing changed', async () => {
    const person = await Person.create({ name: 'Ada', age: 36, email: 'ada@example.com' });
    const quote = (name: string) => context.registry.get().dialect.quoteIdentifier(name);

    statements.length = 0;
    await person.save();
    expect(statements).toEqual([]);

    person.age = 37;
    expect(person.changedAttributes()).toEqual(['age']);
    await person.save();
    expect(statements).toHaveLength(1);
    const update = statements[0]!;
    expect(update).toMatch(/UPDATE/);
    expect(update).toContain(quote('age'));
    expect(update).not.toContain(quote('name'));
    expect(update).not.toContain(quote('email'));
    expect(person.changedAttributes()).toEqual([]);
    expect((await Person.find(person.id)).age).toBe(37);
  });

  it('logs SQL text only, never the values', async () => {
    statements.length = 0;
    await Person.create({ name: 'secret-name-value' });
    expect(statements.join('\n')).not.toContain('secret-name-value');
    expect(statements.join('\n')).toMatch(/^\[main\] INSERT INTO/);
  });
});
