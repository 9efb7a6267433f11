/**
 * Child process of stream-memory.spec.ts, started with a small heap cap. Fills a table in
 * bounded chunks, then streams every row through models. If stream() held the result in memory,
 * V8 would run out of heap and this process would die.
 */
import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, type ConnectionOptions } from 'nestjs-activerecord';

@Model({ table: 'stream_memory' })
class Line extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('text') body!: string;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.CONNECTION_OPTIONS!) as ConnectionOptions;
  const total = Number(process.env.ROWS);
  const registry = await ConnectionRegistry.open({ connections: { main: options }, models: [Line] });
  await registry.schema.dropTables();
  await registry.schema.createTables();
  const body = 'x'.repeat(200);
  for (let start = 0; start < total; start += 5000) {
    await Line.insertAll(Array.from({ length: Math.min(5000, total - start) }, (_, i) => ({ body: `${start + i}:${body}` })));
  }
  let count = 0;
  let peakHeap = 0;
  for await (const line of Line.stream({ batchSize: 500 })) {
    if (!line.body.endsWith(body)) throw new Error('corrupt row');
    if (++count % 20000 === 0) {
      // Sample what is retained, not young garbage waiting for the next scavenge.
      (globalThis as { gc?: () => void }).gc?.();
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
  }
  await registry.schema.dropTables();
  await registry.close();
  process.stdout.write(JSON.stringify({ count, peakHeapMb: Math.round(peakHeap / 1048576) }));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
