import { Body, Controller, Get, Param, Post, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ActiveRecordExceptionFilter, ActiveRecordModule } from 'nestjs-activerecord';
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

describe('ActiveRecordExceptionFilter', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const ref = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [Account], logger: quietLogger })],
      controllers: [AccountsController],
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
});
