import { Controller, Get, Injectable, Module, Post, Scope, type INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EventEmitter, once } from 'node:events';
import {
  ActiveRecord,
  ActiveRecordModule,
  Column,
  Model,
  PrimaryKey,
  Transactional,
  currentTransaction,
  onCommit,
} from 'nestjs-activerecord';
import { quietLogger } from './fixtures';

@Model({ table: 'ledger' })
class LedgerLine extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) label!: string;
}

@Model({ table: 'audit', connection: 'audit' })
class AuditLine extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) label!: string;
}

/** A service whose methods fail after writing, so a rollback is visible. */
@Injectable()
class LedgerService {
  @Transactional()
  async record(label: string, fail = false): Promise<number> {
    await LedgerLine.create({ label });
    await this.helper(label);
    if (fail) throw new Error(`${label} failed`);
    return LedgerLine.count();
  }

  /** Not decorated: runs in the caller's transaction through the ambient context. */
  private async helper(label: string): Promise<void> {
    expect(currentTransaction()).toBeDefined();
    await LedgerLine.create({ label: `${label} (helper)` });
  }

  @Transactional({ connection: 'audit' })
  async audit(label: string, fail = false): Promise<void> {
    await AuditLine.create({ label });
    if (fail) throw new Error('audit failed');
  }

  @Transactional({ propagation: 'MANDATORY' })
  async mustBeInside(): Promise<void> {
    await LedgerLine.create({ label: 'mandatory' });
  }
}

/** Another module that calls the ledger from its own transactional method. */
@Injectable()
class BillingService {
  constructor(private readonly ledger: LedgerService) {}

  @Transactional()
  async charge(label: string, failAfter: boolean): Promise<void> {
    await this.ledger.record(`${label} via billing`);
    await this.ledger.mustBeInside();
    if (failAfter) throw new Error('billing failed after the ledger wrote');
  }
}

@Module({ providers: [LedgerService], exports: [LedgerService] })
class LedgerModule {}

@Module({ imports: [LedgerModule], providers: [BillingService], exports: [BillingService] })
class BillingModule {}

@Injectable({ scope: Scope.REQUEST })
class PerRequestService {
  @Transactional()
  async write(label: string): Promise<number> {
    await LedgerLine.create({ label });
    return LedgerLine.where({ label }).count();
  }
}

@Controller('ledger')
class LedgerController {
  constructor(private readonly perRequest: PerRequestService) {}

  @Transactional()
  @Get('write')
  async write(): Promise<{ count: number }> {
    return { count: await this.perRequest.write('from a request') };
  }

  @Post('fail')
  @Transactional()
  async fail(): Promise<void> {
    await LedgerLine.create({ label: 'request that fails' });
    throw new Error('handler failed');
  }
}

const labels = async () => (await LedgerLine.pluck('label')).sort();

describe('@Transactional', () => {
  let ref: TestingModule;
  let ledger: LedgerService;

  beforeEach(async () => {
    ref = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRoot({
          connections: { main: { backend: 'sqlite', database: ':memory:' }, audit: { backend: 'sqlite', database: ':memory:' } },
          models: [LedgerLine, AuditLine],
          synchronize: true,
          logger: quietLogger,
        }),
        BillingModule,
      ],
    }).compile();
    await ref.init();
    ledger = ref.get(LedgerService);
  });
  afterEach(() => ref.close());

  it('commits on success and rolls back every write of the call tree on failure', async () => {
    expect(await ledger.record('ok')).toBe(2);
    await expect(ledger.record('bad', true)).rejects.toThrow('bad failed');
    expect(await labels()).toEqual(['ok', 'ok (helper)']);
  });

  it('uses the named connection', async () => {
    await ledger.audit('audited');
    await expect(ledger.audit('not audited', true)).rejects.toThrow();
    expect(await AuditLine.pluck('label')).toEqual(['audited']);
    expect(await LedgerLine.count()).toBe(0);
  });

  it('spans services in two Nest modules: the inner calls join the outer transaction', async () => {
    const billing = ref.get(BillingService);
    await billing.charge('first', false);
    await expect(billing.charge('second', true)).rejects.toThrow('billing failed after the ledger wrote');
    expect(await labels()).toEqual(['first via billing', 'first via billing (helper)', 'mandatory']);
    await expect(ledger.mustBeInside()).rejects.toThrow(/MANDATORY propagation needs an open transaction/);
  });

  it('works with no HTTP request around it: timers, event handlers, cron-like intervals, queue consumers', async () => {
    await new Promise<void>((resolve, reject) => setTimeout(() => ledger.record('from setTimeout').then(() => resolve(), reject), 1));

    const events = new EventEmitter();
    events.on('order.placed', (label: string) => void ledger.record(label, true).catch(() => events.emit('handled')));
    const handled = once(events, 'handled');
    events.emit('order.placed', 'from an event (fails)');
    await handled;

    let ticks = 0;
    await new Promise<void>((resolve) => {
      const cron = setInterval(() => {
        void ledger.record(`cron tick ${++ticks}`).then(() => {
          if (ticks === 2) {
            clearInterval(cron);
            resolve();
          }
        });
      }, 5);
    });

    const queue = ['job 1', 'job 2 (fails)', 'job 3'];
    const consumed: string[] = [];
    for (const job of queue) {
      await ledger.record(job, job.includes('fails')).then(
        () => consumed.push(`${job}: done`),
        () => consumed.push(`${job}: retried later`),
      );
    }
    expect(consumed).toEqual(['job 1: done', 'job 2 (fails): retried later', 'job 3: done']);
    expect((await labels()).filter((label) => !label.endsWith('(helper)'))).toEqual(['cron tick 1', 'cron tick 2', 'from setTimeout', 'job 1', 'job 3']);
  });

  it('works on a class built outside Nest\'s DI', async () => {
    const plain = new LedgerService();
    await expect(plain.record('outside DI', true)).rejects.toThrow();
    await plain.record('outside DI ok');
    expect(await labels()).toEqual(['outside DI ok', 'outside DI ok (helper)']);
  });

  it('lets hooks registered anywhere in the call tree run after the commit', async () => {
    const events: string[] = [];
    class WithHook {
      @Transactional()
      async run() {
        await LedgerLine.create({ label: 'hooked' });
        onCommit(() => events.push('committed'));
      }
    }
    await new WithHook().run();
    expect(events).toEqual(['committed']);
  });
});

describe('@Transactional over HTTP', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const ref = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [LedgerLine], logger: quietLogger })],
      controllers: [LedgerController],
      providers: [PerRequestService],
    }).compile();
    app = ref.createNestApplication({ logger: false });
    await app.listen(0);
  });
  afterAll(() => app.close());

  it('keeps route metadata (decorators above or below it) and works with request-scoped providers', async () => {
    const base = await app.getUrl();
    const written = await fetch(`${base}/ledger/write`);
    expect(written.status).toBe(200);
    expect(await written.json()).toEqual({ count: 1 });
    const failed = await fetch(`${base}/ledger/fail`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await labels()).toEqual(['from a request']);
  });
});
