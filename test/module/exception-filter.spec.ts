import { Body, Controller, Get, Param, Post, Put, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ActiveRecord, ActiveRecordExceptionFilter, ActiveRecordModule, Column, Model, PrimaryKey, Version } from 'nestjs-activerecord';
import { Account } from '../backends/models';
import { quietLogger } from './fixtures';

@Controller('accounts')
class AccountsController {
  @Get(':id')
  show(@Param('id') id: string) {
    return Account.find(id);
  }

  @Post()
  create(@Body() body: { email: string }) {
    return Account.create({ email: body.email });
  }
}

@Model({ table: 'filter_ledgers' })
class Ledger extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') balance!: number;
  @Version() lockVersion!: number;
}

/** A form-style edit: the client sends back the version it saw. */
@Controller('ledgers')
class LedgersController {
  @Put(':id')
  async update(@Param('id') id: string, @Body() body: { balance: number; lockVersion: number }) {
    return (await Ledger.find(id)).update(body);
  }
}

describe('ActiveRecordExceptionFilter', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const ref = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [Account, Ledger], logger: quietLogger })],
      controllers: [AccountsController, LedgersController],
    }).compile();
    app = ref.createNestApplication({ logger: false });
    app.useGlobalFilters(new ActiveRecordExceptionFilter(app.get(HttpAdapterHost).httpAdapter));
    await app.listen(0);
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const post = (body: unknown) =>
    fetch(`${base}/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers 404 for RecordNotFoundError', async () => {
    const response = await fetch(`${base}/accounts/12345`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Account with id "12345" not found' });
  });

  it('answers 400 with the problems for ValidationError, and 409 for a unique conflict', async () => {
    const invalid = await post({ email: 'x'.repeat(101) });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: unknown }).errors).toEqual([{ attribute: 'email', message: 'is longer than 100 characters' }]);
    expect((await post({ email: 'a@example.com' })).status).toBe(201);
    const duplicate = await post({ email: 'a@example.com' });
    expect(duplicate.status).toBe(409);
    const conflict = await duplicate.json();
    expect(conflict).toEqual({ statusCode: 409, error: 'Conflict', message: 'A record with the same unique value already exists' });
    expect(JSON.stringify(conflict)).not.toContain('a@example.com');
  });

  it('answers 409 for a stale record (optimistic locking)', async () => {
    const ledger = await Ledger.create({ balance: 1 });
    const put = (body: unknown) =>
      fetch(`${base}/ledgers/${ledger.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ balance: 2, lockVersion: 0 })).status).toBe(200);
    const stale = await put({ balance: 3, lockVersion: 0 });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { message: string }).message).toMatch(/changed by someone else/);
  });
});
