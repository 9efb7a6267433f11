// A plain Node script with no Nest installed: nestjs-activerecord/core is all it needs.
import 'reflect-metadata';
import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, transactional } from 'nestjs-activerecord/core';

@Model({ table: 'jobs' })
class Job extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

async function main(): Promise<void> {
  const registry = await ConnectionRegistry.open({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [Job] });
  try {
    await transactional(async () => {
      await Job.create({ name: 'send-mail' });
    });
    const nest = Object.keys(require.cache).filter((file) => file.includes('@nestjs'));
    console.log(`PACK-RESULT ${JSON.stringify({ jobs: await Job.pluck('name'), nest })}`);
  } finally {
    await registry.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
