import { Inject, Injectable, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ActiveRecordModule,
  ConfigurationError,
  Connection,
  ConnectionRegistry,
  SchemaManager,
  getConnectionToken,
  getModelToken,
  type ActiveRecordModuleOptions,
  type ActiveRecordOptionsFactory,
} from 'nestjs-activerecord';
import { AppConfig, AppConfigModule, AuditEntry, ConnectionsService, Invoice, InvoiceService, quietLogger, User } from './fixtures';

const memory = { backend: 'sqlite', database: ':memory:' } as const;

describe('ActiveRecordModule', () => {
  const apps: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const start = async (imports: unknown[], providers: unknown[] = []) => {
    const ref = await Test.createTestingModule({ imports: imports as never[], providers: providers as never[] }).compile();
    await ref.init();
    apps.push(ref);
    return ref;
  };

  it('forRoot opens named connections, injectable by name, by @InjectConnection() and by class', async () => {
    const ref = await start(
      [ActiveRecordModule.forRoot({ connections: { main: memory, audit: memory }, models: [User, AuditEntry], synchronize: true, logger: quietLogger })],
      [ConnectionsService],
    );
    const service = ref.get(ConnectionsService);
    expect(service.audit.name).toBe('audit');
    expect(service.byDecorator.name).toBe('main');
    expect(service.byClass).toBe(service.byDecorator);
    expect(ref.get(getConnectionToken('main'))).toBe(service.byClass);
    await User.create({ name: 'Ada' });
    await AuditEntry.create({ action: 'signup' });
    expect(await service.byClass.query('SELECT name FROM users')).toEqual([{ name: 'Ada' }]);
    expect(await service.audit.query('SELECT action FROM audit_entries')).toEqual([{ action: 'signup' }]);
  });

  it('forRootAsync works with connection names returned only by the factory (the @nestjs/typeorm trap)', async () => {
    const ref = await start(
      [
        ActiveRecordModule.forRootAsync({
          imports: [AppConfigModule],
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connections: {
              main: { backend: 'sqlite', database: config.get('MAIN_DB') },
              audit: { backend: 'sqlite', database: config.get('AUDIT_DB') },
            },
            models: [User, AuditEntry],
            synchronize: true,
            logger: quietLogger,
          }),
        }),
      ],
      [ConnectionsService],
    );
    const service = ref.get(ConnectionsService);
    expect(service.audit.name).toBe('audit');
    expect(service.byClass.name).toBe('main');
    await AuditEntry.create({ action: 'async' });
    expect(await AuditEntry.count()).toBe(1);
  });

  it('forRootAsync provides names given beside the factory, for injection by token alone', async () => {
    @Injectable()
    class ByToken {
      constructor(@Inject(getConnectionToken('reports')) readonly reports: Connection) {}
    }
    const ref = await start(
      [
        ActiveRecordModule.forRootAsync({
          connectionNames: ['reports'],
          useFactory: async () => ({ connections: { reports: memory }, logger: quietLogger }),
        }),
      ],
      [ByToken],
    );
    expect(ref.get(ByToken).reports.name).toBe('reports');
  });

  it('forRootAsync accepts useClass and useExisting factories', async () => {
    @Injectable()
    class OptionsFactory implements ActiveRecordOptionsFactory {
      createActiveRecordOptions(): ActiveRecordModuleOptions {
        return { connections: { main: memory, audit: memory }, logger: quietLogger };
      }
    }
    const viaClass = await start([ActiveRecordModule.forRootAsync({ useClass: OptionsFactory })], [ConnectionsService]);
    expect(viaClass.get(ConnectionsService).audit.name).toBe('audit');

    const viaExisting = await start(
      [
        ActiveRecordModule.forRootAsync({
          imports: [{ module: class FactoryModule {}, providers: [OptionsFactory], exports: [OptionsFactory] }],
          useExisting: OptionsFactory,
        }),
      ],
      [ConnectionsService],
    );
    expect(viaExisting.get(ConnectionsService).audit.name).toBe('audit');
  });

  it('combines forRoot and forRootAsync in one app without token collisions', async () => {
    const ref = await start(
      [
        ActiveRecordModule.forRoot({ connections: { main: memory }, logger: quietLogger }),
        ActiveRecordModule.forRootAsync({ useFactory: () => ({ connections: { audit: memory }, logger: quietLogger }) }),
      ],
      [ConnectionsService],
    );
    const service = ref.get(ConnectionsService);
    expect(service.byClass.name).toBe('main');
    expect(service.audit.name).toBe('audit');
    await ref.close();
    apps.length = 0;
    expect(service.byClass.isOpen).toBe(false);
    expect(service.audit.isOpen).toBe(false);
  });

  it('forFeature binds models, provides them by token, and synchronize creates their tables before init hooks', async () => {
    @Injectable()
    class SeedOnInit implements OnModuleInit {
      seeded = 0;
      async onModuleInit() {
        await Invoice.create({ amount: '1.00' });
        this.seeded = await Invoice.count();
      }
    }
    const ref = await start(
      [
        ActiveRecordModule.forRoot({ connections: { main: memory, billing: memory }, synchronize: true, logger: quietLogger }),
        ActiveRecordModule.forFeature([Invoice], 'billing'),
      ],
      [InvoiceService, SeedOnInit],
    );
    expect(ref.get(SeedOnInit).seeded).toBe(1);
    const invoices = ref.get(InvoiceService).invoices;
    expect(invoices).toBe(Invoice);
    const invoice = await invoices.create({ amount: '12.50' });
    expect(Invoice.connection().name).toBe('billing');
    expect((await Invoice.find(invoice.id)).amount).toBe('12.50');
    expect(await Invoice.count()).toBe(2);
    const tables = await ref.get(getConnectionToken('billing')).query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'invoices'");
    expect(tables).toHaveLength(1);
    expect(ref.get(SchemaManager)).toBeInstanceOf(SchemaManager);
  });

  it('lets tests override connection and model providers', async () => {
    const fakeAudit = { name: 'fake-audit' } as Connection;
    const FakeInvoice = class FakeInvoice {};
    const ref = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRoot({ connections: { main: memory, audit: memory, billing: memory }, logger: quietLogger }),
        ActiveRecordModule.forFeature([Invoice], 'billing'),
      ],
      providers: [ConnectionsService, InvoiceService],
    })
      .overrideProvider(getConnectionToken('audit'))
      .useValue(fakeAudit)
      .overrideProvider(getModelToken(Invoice, 'billing'))
      .useValue(FakeInvoice)
      .compile();
    apps.push(ref);
    expect(ref.get(ConnectionsService).audit).toBe(fakeAudit);
    expect(ref.get(InvoiceService).invoices).toBe(FakeInvoice);
  });

  it('gives every application its own connections; static calls resolve in the application they run in', async () => {
    const first = await start([ActiveRecordModule.forRoot({ connections: { main: memory }, models: [User], synchronize: true, logger: quietLogger })]);
    await User.create({ name: 'in first' });
    const second = await start([ActiveRecordModule.forRoot({ connections: { main: memory }, models: [User], synchronize: true, logger: quietLogger })]);
    const firstMain = first.get(Connection);
    const secondMain = second.get(Connection);
    expect(firstMain).not.toBe(secondMain);
    // Two open applications bind User: outside either's scope, a static call refuses to guess.
    await expect(User.count()).rejects.toThrow(ConfigurationError);
    const inSecond = second.get(ConnectionRegistry);
    expect(await inSecond.run(() => User.count())).toBe(0);
    await inSecond.run(() => User.create({ name: 'in second' }));
    await second.close();
    apps.splice(apps.indexOf(second), 1);
    expect(secondMain.isOpen).toBe(false);
    expect(firstMain.isOpen).toBe(true);
    expect(await User.pluck('name')).toEqual(['in first']);
  });

  it('closes every connection on app.close(), also through enableShutdownHooks', async () => {
    const ref = await start([
      ActiveRecordModule.forRoot({ connections: { main: memory, audit: memory }, logger: quietLogger }),
      ActiveRecordModule.forRootAsync({ useFactory: () => ({ connections: { billing: memory }, logger: quietLogger }) }),
    ]);
    ref.enableShutdownHooks();
    const connections = ['main', 'audit', 'billing'].map((name) => ref.get<Connection>(getConnectionToken(name)));
    await expect(ref.close()).resolves.toBeUndefined();
    apps.length = 0;
    expect(connections.map((connection) => connection.isOpen)).toEqual([false, false, false]);
    await expect(ref.close()).resolves.toBeUndefined();
  });

  it('a connection injected but not defined in this application fails clearly when used', async () => {
    const ref = await start([ActiveRecordModule.forRootAsync({ useFactory: () => ({ connections: { main: memory }, logger: quietLogger }) })], [ConnectionsService]);
    const audit = ref.get(ConnectionsService).audit;
    expect(() => audit.query('SELECT 1')).toThrow(/Connection 'audit' is injected, but this application's .* does not define it \(defined: main\)/);
  });

  it('makes an in-memory SQLite test module one line', async () => {
    const ref = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [User] })],
    }).compile();
    await ref.init();
    apps.push(ref);
    expect((await User.create({ name: 'tested' })).id).toBe(1);
  });
});
