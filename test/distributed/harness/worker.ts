/**
 * A child process of the crash tests. Modes:
 * - `transfers`: run transfers, each a cross-database unit of work; when the coordinator
 *   reaches `killAt` (an event type, and which occurrence of it), print `KILLPOINT` and block, so
 *   the parent kills this process at exactly that step with SIGKILL.
 * - `random`: run transfers until killed at a moment the parent picks at random.
 * - `recover`: start like a restarted application (recovery runs at startup), print the report.
 * - `saga`: run one saga transfer (see saga-bank.ts), with the same kill points.
 */
import { ConnectionRegistry, transactional, type CoordinatorEvent } from 'nestjs-activerecord';
import { BANK_MODELS, LiteTransfer, transfer } from './bank';
import { SAGA_MODELS, sagaTransfer } from './saga-bank';

interface WorkerConfig {
  mode: 'transfers' | 'random' | 'recover' | 'saga';
  connections: Record<string, unknown>;
  /** Units include the SQLite ledger as last resource ('lr'), or only the two servers ('log'). */
  shape: 'lr' | 'log';
  killAt?: { type: CoordinatorEvent['type']; nth: number };
  /** `crash-<pid of the test process>`: the node id of every branch of this test run. */
  nodeId: string;
  /** For `recover`: leave branches younger than this alone (default 0: the crashed process is dead). */
  orphanTimeoutMs?: number;
  transfers?: number;
  prefix?: string;
  /** The node's lease (coordinator.nodeLeaseMs); short in the takeover tests. */
  nodeLeaseMs?: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.WORKER_CONFIG!) as WorkerConfig;
  const recovering = config.mode === 'recover';
  const registry = await ConnectionRegistry.open({
    connections: config.connections as never,
    models: [...BANK_MODELS, ...SAGA_MODELS],
    // A recovering process knows the crashed one is dead: no orphan grace period. A working
    // process keeps its saga leases short, so tests need not wait long before recovering.
    coordinator: { log: { connection: 'lite' }, nodeId: config.nodeId, orphanTimeoutMs: recovering ? (config.orphanTimeoutMs ?? 0) : 1500, recoverOnStartup: false, nodeLeaseMs: config.nodeLeaseMs },
    logger: { log: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`), debug: () => undefined },
  });

  let seen = 0;
  registry.coordinator.onEvent(async (event) => {
    if (!config.killAt || event.type !== config.killAt.type || ++seen !== config.killAt.nth) return;
    process.stdout.write(`KILLPOINT ${event.type}\n`);
    await new Promise(() => undefined); // wait here until the parent kills this process
  });

  if (recovering) {
    try {
      await registry.coordinator.recover();
      // Once more: recovery must be idempotent.
      const report = await registry.coordinator.recover();
      process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
    } catch (error) {
      process.stdout.write(`RECOVERY-ERROR ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`.replace(/\n(?!$)/g, ' '));
    }
    await registry.close();
    return;
  }

  const connections = config.shape === 'lr' ? ['pg', 'maria', 'lite'] : ['pg', 'maria'];
  const count = config.mode === 'random' ? Number.MAX_SAFE_INTEGER : (config.transfers ?? 1);
  for (let i = 0; i < count; i++) {
    const id = `${config.prefix ?? 't'}-${i}`;
    const amount = 1 + (i % 9);
    if (config.mode === 'saga') {
      await sagaTransfer(registry.coordinator, id, amount);
    } else {
      await transactional({ connections }, async () => {
        await transfer(id, amount);
        if (config.shape === 'lr') await LiteTransfer.create({ id, amount });
      }).catch((error: unknown) => process.stdout.write(`FAILED ${id} ${error instanceof Error ? error.message : String(error)}\n`));
    }
    process.stdout.write(`DONE ${id}\n`);
  }
  await registry.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`WORKER FAILED ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
