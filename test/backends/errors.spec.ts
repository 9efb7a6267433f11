import {
  ConnectionRegistry,
  ForeignKeyConstraintError,
  NotNullConstraintError,
  QueryError,
  RecordNotFoundError,
  UniqueConstraintError,
  UnknownColumnError,
  ValidationError,
} from 'nestjs-activerecord';
import { describeBackends } from '../support/describe-backends';
import { Account, Order, Person, SUITE_MODELS } from './models';

describeBackends('errors', { models: SUITE_MODELS }, (context) => {
  beforeEach(async () => {
    await Order.deleteAll();
    await Account.deleteAll();
    await Person.deleteAll();
  });

  it('raises UniqueConstraintError, and the failed insert leaves nothing behind', async () => {
    await Account.create({ email: 'dup@example.com' });
    const error = await Account.create({ email: 'dup@example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect((error as UniqueConstraintError).connection).toBe('main');
    expect((error as Error).message).toContain("'main'");
    expect((error as Error).message).not.toContain('dup@example.com');
    expect((error as Error).cause).toBeDefined();
    expect(await Account.count()).toBe(1);
  });

  it('raises ForeignKeyConstraintError for a missing parent, and cascades deletes', async () => {
    await expect(Order.create({ accountId: 999999, total: '1.00' })).rejects.toBeInstanceOf(ForeignKeyConstraintError);
    const account = await Account.create({ email: 'buyer@example.com' });
    const order = await Order.create({ accountId: account.id, total: '19.99' });
    expect(typeof order.id).toBe('bigint');
    expect((await Order.find(order.id)).total).toMatch(/^19\.990*$/);
    await account.destroy();
    expect(await Order.count()).toBe(0);
  });

  it('raises NotNullConstraintError from the database for raw SQL', async () => {
    const connection = context.registry.get();
    const table = connection.dialect.quoteIdentifier('suite_people');
    const column = connection.dialect.quoteIdentifier('name');
    const sql = `INSERT INTO ${table} (${column}) VALUES (${connection.dialect.placeholder(1)})`;
    await expect(connection.execute(sql, [null])).rejects.toBeInstanceOf(NotNullConstraintError);
  });

  it('validates before writing: required, null, type and length, all reported at once', async () => {
    const error = await Person.create({ email: 'x'.repeat(300), age: 1.5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.attribute).sort()).toEqual(['age', 'email', 'name']);
    expect((error as Error).message).toMatch(/^Person is invalid: /);
    const person = await Person.create({ name: 'Ada' });
    person.name = null as unknown as string;
    await expect(person.save()).rejects.toBeInstanceOf(ValidationError);
    expect((await Person.find(person.id)).name).toBe('Ada');
    expect(await Person.count()).toBe(1);
  });

  it('names unknown attributes and operators instead of guessing', async () => {
    expect(() => Person.where({ nam: 'Ada' } as never)).toThrow(UnknownColumnError);
    expect(() => Person.where({ nam: 'Ada' } as never)).toThrow(/Person\.where: unknown attribute 'nam' \(attributes: id, name/);
    expect(() => Person.where({ age: { gtt: 1 } } as never)).toThrow(/unknown operator 'gtt'/);
    expect(() => Person.orderBy('nope' as never)).toThrow(UnknownColumnError);
    expect(() => Person.orderBy('name', 'sideways' as never)).toThrow(/'asc' or 'desc'/);
    expect(() => Person.where({ name: undefined })).toThrow(/undefined/);
    await expect(Person.pluck('secret' as never)).rejects.toBeInstanceOf(UnknownColumnError);
    expect(() => new Person().assign({ nope: 1 } as never)).toThrow(UnknownColumnError);
  });

  it('raises RecordNotFoundError naming the model and key', async () => {
    const error = await Person.find(424242).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordNotFoundError);
    expect((error as Error).message).toBe('Person with id "424242" not found');
  });

  it('wraps other database errors in QueryError with the SQL but not the values', async () => {
    const error = await context.registry.get().query('SELECT * FROM no_such_table WHERE x = ?'.replace('?', context.registry.get().dialect.placeholder(1)), ['secret-value']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).sql).toContain('no_such_table');
    expect((error as Error).message).not.toContain('secret-value');
  });

  it('fails clearly on a closed connection, and static calls stop reaching it', async () => {
    const registry = await ConnectionRegistry.open({ connections: { other: context.options }, logger: quiet });
    const other = registry.get('other');
    await registry.close();
    await expect(other.query('SELECT 1')).rejects.toThrow(/closed/);
    expect(await Person.count()).toBe(0);
  });
});

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
