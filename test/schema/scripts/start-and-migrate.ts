// One application instance starting up with `migrationsRun: true` (run as a child process by
// test/schema/concurrency.spec.ts): says `ready` once loaded and waits for `go` on stdin, so that
// two instances start together; opens its connection (which migrates), and reports what it
// logged as one JSON line.
import { ConnectionRegistry, type ConnectionOptions } from 'nestjs-activerecord';

const lines: string[] = [];
const logger = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m), debug: () => undefined };

async function main(): Promise<void> {
  const options = JSON.parse(process.env.AR_OPTIONS!) as ConnectionOptions;
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.pause();
  const registry = await ConnectionRegistry.open({
    connections: { main: { ...options, migrationsRun: true } as ConnectionOptions },
    migrations: { directory: process.env.AR_DIR!, lockTimeoutMs: 60_000, lockLeaseMs: Number(process.env.AR_LEASE_MS ?? 60_000) },
    logger,
  });
  await registry.close();
  process.stdout.write(`${JSON.stringify({ ok: true, lines })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (error as Error).message, lines })}\n`);
  process.exitCode = 1;
});
