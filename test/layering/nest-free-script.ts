// Run by nest-free-core.spec.ts under plain Node with @nestjs unresolvable: uses the core as a
// worker or script would (models, a registry, a transaction, a coordinated saga across two
// databases) and prints what it saw. argv[2] is the entry point to load.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Core = typeof import('nestjs-activerecord/core');

async function main(): Promise<void> {
  const { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, defineSagaStep, transactional } = require(process.argv[2]!) as Core;

  @Model({ table: 'jobs', connection: 'queue' })
  class Job extends ActiveRecord {
    @PrimaryKey() id!: number;
    @Column({ length: 40 }) name!: string;
  }

  @Model({ table: 'receipts', connection: 'ledger' })
  class Receipt extends ActiveRecord {
    @PrimaryKey() id!: number;
    @Column() jobId!: number;
  }

  const enqueue = defineSagaStep({
    name: 'nest-free.enqueue',
    connection: 'queue',
    run: async (name: string) => (await Job.create({ name })).toJSON(),
    compensate: async (job) => {
      await Job.where({ id: job.id }).deleteAll();
    },
  });
  const receipt = defineSagaStep({
    name: 'nest-free.receipt',
    connection: 'ledger',
    run: async (jobId: number) => (await Receipt.create({ jobId })).toJSON(),
    compensate: async (created) => {
      await Receipt.where({ id: created.id }).deleteAll();
    },
  });

  const dir = mkdtempSync(join(tmpdir(), 'ar-nest-free-'));
  const registry = await ConnectionRegistry.open({
    connections: { queue: { backend: 'sqlite', database: join(dir, 'queue.db') }, ledger: { backend: 'sqlite', database: join(dir, 'ledger.db') } },
    models: [Job, Receipt],
    synchronize: true,
    coordinator: { log: { connection: 'queue' }, nodeId: 'nest-free' },
    logger: { log: () => undefined, warn: () => undefined, error: (message: string) => console.error(message) },
  });
  try {
    await transactional({ connection: 'queue' }, async () => {
      await Job.create({ name: 'rolled back' });
      throw new Error('roll back');
    }).catch(() => undefined);
    await transactional({ connections: ['queue', 'ledger'], mode: 'saga' }, async () => {
      const job = await enqueue.execute('send-mail');
      await receipt.execute(job.id);
    });
    const nest = Object.keys(require.cache).filter((file) => file.includes(`${join('node_modules', '@nestjs')}`));
    console.log(`RESULT ${JSON.stringify({ jobs: await Job.pluck('name'), receipts: await Receipt.count(), inDoubt: (await registry.coordinator.inDoubt()).sagas.length, nest })}`);
  } finally {
    await registry.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
