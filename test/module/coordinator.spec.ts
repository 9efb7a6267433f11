import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ActiveRecord,
  ActiveRecordModule,
  Column,
  Model,
  PrimaryKey,
  TransactionCoordinator,
  Transactional,
  defineSagaStep,
} from 'nestjs-activerecord';
import { quietLogger } from './fixtures';

@Model({ table: 'stock', connection: 'warehouse' })
class Stock extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 20 }) sku!: string;
  @Column() quantity!: number;
}

@Model({ table: 'charges', connection: 'payments' })
class Charge extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 20 }) sku!: string;
  @Column('decimal') amount!: string;
}

const reserve = defineSagaStep({
  name: 'test.reserve',
  connection: 'warehouse',
  run: async (sku: string) => {
    const stock = await Stock.find(sku);
    await Stock.where({ sku }).updateAll({ quantity: stock.quantity - 1 });
    return { sku };
  },
  compensate: async ({ sku }) => {
    const stock = await Stock.find(sku);
    await Stock.where({ sku }).updateAll({ quantity: stock.quantity + 1 });
  },
});

const charge = defineSagaStep({
  name: 'test.charge',
  connection: 'payments',
  run: async (input: { sku: string; amount: string }) => {
    if (Number(input.amount) > 100) throw new Error('card declined');
    return (await Charge.create(input)).toJSON();
  },
  compensate: async (created) => {
    await Charge.where({ id: created.id }).deleteAll();
  },
});

@Injectable()
class CheckoutService {
  constructor(readonly coordinator: TransactionCoordinator) {}

  @Transactional({ connections: ['warehouse', 'payments'], mode: 'saga' })
  async checkout(sku: string, amount: string): Promise<void> {
    await reserve.execute(sku);
    await charge.execute({ sku, amount });
  }
}

describe('the coordinator in a Nest application', () => {
  let ref: TestingModule;
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-nest-coordinator-'));
    ref = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRoot({
          connections: {
            warehouse: { backend: 'sqlite', database: join(dir, 'warehouse.db') },
            payments: { backend: 'sqlite', database: join(dir, 'payments.db') },
          },
          models: [Stock, Charge],
          synchronize: true,
          coordinator: { log: { connection: 'warehouse' }, nodeId: 'nest-test' },
          logger: quietLogger,
        }),
      ],
      providers: [CheckoutService],
    }).compile();
    await ref.init();
    await Stock.create({ sku: 'lamp', quantity: 3 });
  });
  afterEach(() => ref.close());

  it('injects the application\'s TransactionCoordinator', () => {
    const coordinator = ref.get(TransactionCoordinator);
    expect(coordinator).toBeInstanceOf(TransactionCoordinator);
    expect(ref.get(CheckoutService).coordinator).toBe(coordinator);
    expect(coordinator.nodeId).toBe('nest-test');
  });

  it('runs a @Transactional saga across two SQLite files, compensating on failure', async () => {
    const service = ref.get(CheckoutService);
    await service.checkout('lamp', '40.00');
    expect((await Stock.find('lamp')).quantity).toBe(2);
    await expect(service.checkout('lamp', '400.00')).rejects.toThrow('card declined');
    expect((await Stock.find('lamp')).quantity).toBe(2);
    expect(await Charge.count()).toBe(1);
    expect((await ref.get(TransactionCoordinator).inDoubt()).sagas).toEqual([]);
  });

  it('refuses two-phase commit across two SQLite files, pointing at saga mode', async () => {
    class TwoPhase {
      @Transactional({ connections: ['warehouse', 'payments'] })
      async run() {
        await Stock.create({ sku: 'x', quantity: 1 });
      }
    }
    await expect(new TwoPhase().run()).rejects.toThrow(/Use mode: 'saga' for this unit of work/);
    expect(await Stock.count()).toBe(1);
  });
});

describe('an application started with NestFactory, `coordinator` configured', () => {
  // Nest 12 instantiates modules in another order than Nest 11 and than a testing module: the
  // coordinator must still be built after the options that configure it (issue #11, item 1).
  const options = (dir: string) => ({
    connections: {
      warehouse: { backend: 'sqlite' as const, database: join(dir, 'warehouse.db') },
      payments: { backend: 'sqlite' as const, database: join(dir, 'payments.db') },
    },
    models: [Stock, Charge],
    synchronize: true,
    coordinator: { log: { connection: 'warehouse' }, nodeId: 'nest-factory' },
    logger: quietLogger,
  });
  const configurations: Array<[string, (dir: string) => DynamicModule]> = [
    ['forRoot', (dir) => ActiveRecordModule.forRoot(options(dir))],
    ['forRootAsync', (dir) => ActiveRecordModule.forRootAsync({ useFactory: async () => options(dir) })],
  ];

  it.each(configurations)('boots with %s and commits a unit across two databases', async (_name, activeRecord) => {
    @Module({ imports: [activeRecord(mkdtempSync(join(tmpdir(), 'ar-nest-factory-')))], providers: [CheckoutService] })
    class ShopModule {}
    const app = await NestFactory.createApplicationContext(ShopModule, { logger: false, abortOnError: false });
    try {
      await Stock.create({ sku: 'desk', quantity: 2 });
      await app.get(CheckoutService).checkout('desk', '80.00');
      expect((await Stock.find('desk')).quantity).toBe(1);
      expect(await Charge.where({ sku: 'desk' }).pluck('amount')).toEqual(['80.00']);
      expect(app.get(TransactionCoordinator).nodeId).toBe('nest-factory');
    } finally {
      await app.close();
    }
  });
});
