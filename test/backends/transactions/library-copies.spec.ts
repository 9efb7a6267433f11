import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

const quietLogger = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m), debug: () => undefined };

// Needs Jest's module registry (jest.isolateModules) to load a second copy of the library, so it
// lives outside the Nest-facing suites, which also run under plain Node (test/matrix/).

@Model({ table: 'ledger' })
class LedgerLine extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) label!: string;
}

describe('two copies of the library in one application', () => {
  it('share one transaction context, so a transaction opened through one copy is seen by the other', async () => {
    const first = require('nestjs-activerecord') as typeof import('nestjs-activerecord');
    let second!: typeof import('nestjs-activerecord');
    jest.isolateModules(() => {
      second = require('nestjs-activerecord');
    });
    expect(second.Connection).not.toBe(first.Connection);
    const registry = await first.ConnectionRegistry.open({
      connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } },
      models: [LedgerLine],
      logger: quietLogger,
    });
    try {
      await expect(
        second.transactional(async () => {
          await LedgerLine.create({ label: 'through copy two' });
          expect(first.currentTransaction()).toBeDefined();
          throw new Error('roll back through copy one');
        }),
      ).rejects.toThrow();
      expect(await LedgerLine.count()).toBe(0);
    } finally {
      await registry.close();
    }
  });
});
