import { ConnectionRegistry } from 'nestjs-activerecord';

/**
 * A second process of the same node that runs recovery over and over (an operator's `tx recover`
 * or a restarted replica, racing live units). Connections come as JSON in CONNECTIONS; it runs
 * until stdin closes, then prints how many branches it resolved.
 */
async function main(): Promise<void> {
  const registry = await ConnectionRegistry.open({
    connections: JSON.parse(process.env.CONNECTIONS!),
    coordinator: { log: { connection: 'pg' }, nodeId: process.env.NODE_ID!, orphanTimeoutMs: Number(process.env.ORPHAN_MS), recoverOnStartup: false },
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  });
  let stop = false;
  process.stdin.on('end', () => (stop = true)).resume();
  let committed = 0;
  let rolledBack = 0;
  process.stdout.write('ready\n');
  while (!stop) {
    const report = await registry.coordinator.recover().catch(() => undefined);
    committed += report?.committed.length ?? 0;
    rolledBack += report?.rolledBack.length ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await registry.close();
  process.stdout.write(`${JSON.stringify({ committed, rolledBack })}\n`);
}

void main();
