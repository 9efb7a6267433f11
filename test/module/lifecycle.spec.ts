import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import {
  ActiveRecord,
  ActiveRecordModule,
  AfterCommit,
  Column,
  Connection,
  Model,
  PrimaryKey,
  StaleRecordError,
  Transactional,
  Version,
  getConnectionToken,
} from 'nestjs-activerecord';
import { quietLogger } from './fixtures';

const committed: string[] = [];

@Model({ table: 'vaults', connection: 'vault' })
class Vault extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('string', { encrypted: { deterministic: true }, length: 40 }) owner!: string;
  @Column('integer') coins!: number;
  @Version() lockVersion!: number;
  @AfterCommit() announce() {
    committed.push(`${this.owner}:${this.coins}`);
  }
}

@Injectable()
class VaultService {
  @Transactional({ connection: 'vault', retry: { attempts: 5, backoffMs: 1, on: [StaleRecordError] } })
  async add(owner: string, coins: number): Promise<Vault> {
    const vault = (await Vault.findBy({ owner })) ?? new Vault();
    vault.assign({ owner, coins: (vault.coins ?? 0) + coins });
    return vault.save();
  }
}

describe('the lifecycle under ActiveRecordModule', () => {
  const apps: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    committed.length = 0;
  });

  it('takes encryption keys from forRootAsync, and @Transactional services get callbacks and locking', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        ActiveRecordModule.forRootAsync({
          useFactory: async () => ({
            connections: { vault: { backend: 'sqlite', database: ':memory:', synchronize: true } },
            models: [Vault],
            encryption: { keys: [{ id: 'v1', key: randomBytes(32).toString('base64') }] },
            logger: quietLogger,
          }),
        }),
      ],
      providers: [VaultService],
    }).compile();
    await ref.init();
    apps.push(ref);
    const service = ref.get(VaultService);
    await service.add('ada', 5);
    await Promise.all([service.add('ada', 1), service.add('ada', 1), service.add('ada', 1)]);
    const vault = await Vault.findBy({ owner: 'ada' });
    expect(vault?.coins).toBe(8);
    expect(vault?.lockVersion).toBe(3);
    expect(committed).toContain('ada:8');
    const rows = await ref.get<Connection>(getConnectionToken('vault')).query('SELECT owner FROM vaults');
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.owner)).toMatch(/^\$ar1:v1:/);
  });

  it('an encrypted model without keys fails clearly on first use', async () => {
    const ref = await Test.createTestingModule({
      imports: [ActiveRecordModule.forRoot({ connections: { vault: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [Vault], logger: quietLogger })],
    }).compile();
    await ref.init().catch(() => undefined);
    apps.push(ref);
    await expect(Vault.create({ owner: 'x', coins: 1 })).rejects.toThrow(/Vault\.owner is encrypted, but connection 'vault' has no encryption keys/);
  });
});
