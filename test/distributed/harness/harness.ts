import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Connection, ConnectionRegistry, type CoordinatorEvent, type RecoveryReport } from 'nestjs-activerecord';
import { BANK_MODELS, INITIAL_BALANCE, LiteTransfer, MariaAccount, MariaTransfer, PgAccount, PgTransfer } from './bank';
import { SAGA_MODELS } from './saga-bank';
import { rollBackStaleTestBranches } from '../../support/stale-branches';

/** Every branch of this test process carries this node id (see support/stale-branches.ts). */
export const NODE = `crash-${process.pid}`;

const WORKER = join(__dirname, 'worker.ts');
const REGISTER = join(__dirname, '..', '..', 'support', 'register-ts.js');

export interface WorkerRun {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Start a worker; resolves when it exits. */
export function runWorker(config: Record<string, unknown>, timeoutMs = 60_000): Promise<WorkerRun> {
  return track(start(config), timeoutMs);
}

/** Start a worker and SIGKILL it the moment it reports reaching its kill point. */
export async function runUntilKilled(config: Record<string, unknown> & { killAt: { type: CoordinatorEvent['type']; nth: number } }): Promise<WorkerRun> {
  const child = start(config);
  child.stdout!.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('KILLPOINT')) child.kill('SIGKILL');
  });
  const run = await track(child, 60_000);
  if (run.signal !== 'SIGKILL') throw new Error(`the worker was expected to reach ${config.killAt.type} #${config.killAt.nth} and be killed there, but exited with ${run.code}:\n${run.stdout}`);
  return run;
}

/** Start a worker and SIGKILL it after `delayMs`, wherever it is. */
/**
 * Kill the worker `delayMs` after its first transfer ended: counted from there, not from the
 * spawn, so that a slow start on a loaded machine cannot make every kill land before any work.
 */
export async function runAndKillAfter(config: Record<string, unknown>, delayMs: number): Promise<WorkerRun> {
  const child = start(config);
  let timer: NodeJS.Timeout | undefined;
  const armOnFirstTransfer = (chunk: Buffer) => {
    if (timer !== undefined || !/^(DONE|FAILED) /m.test(chunk.toString())) return;
    timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.stdout!.off('data', armOnFirstTransfer);
  };
  child.stdout!.on('data', armOnFirstTransfer);
  const run = await track(child, 60_000 + delayMs);
  clearTimeout(timer);
  return run;
}

/** A restarted application runs recovery (twice: it must be idempotent); returns the last report. */
export async function recoverInFreshProcess(connections: object, options: { orphanTimeoutMs?: number } = {}): Promise<RecoveryReport> {
  const run = await runWorker({ mode: 'recover', connections, shape: 'lr', ...options });
  const line = run.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  if (run.code !== 0 || !line) throw new Error(`recovery process failed (${run.code}):\n${run.stdout}`);
  return JSON.parse(line.slice('REPORT '.length)) as RecoveryReport;
}

/** Recovery that is expected to fail (a heuristic outcome): returns its error line. */
export async function recoveryError(connections: object): Promise<string> {
  const run = await runWorker({ mode: 'recover', connections, shape: 'lr' });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RECOVERY-ERROR '));
  if (!line) throw new Error(`recovery was expected to fail, but printed:\n${run.stdout}`);
  return line.slice('RECOVERY-ERROR '.length);
}

/** Start a worker that stops (without being killed) at its kill point; kill it later yourself. */
export async function startPaused(config: Record<string, unknown>): Promise<{ kill: () => Promise<WorkerRun> }> {
  const child = start(config);
  const finished = track(child, 120_000);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('KILLPOINT') && resolve());
    finished.then((run) => reject(new Error(`worker exited before its kill point:\n${run.stdout}`)), reject);
  });
  return {
    kill: () => {
      child.kill('SIGKILL');
      return finished;
    },
  };
}

function start(config: Record<string, unknown>): ChildProcess {
  return spawn(process.execPath, ['-r', REGISTER, WORKER], {
    env: { ...process.env, WORKER_CONFIG: JSON.stringify({ nodeId: NODE, ...config }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function track(child: ChildProcess, timeoutMs: number): Promise<WorkerRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal === null) reject(new Error(`worker failed with ${code}:\n${stdout}\n${stderr}`));
      else resolve({ stdout, code, signal });
    });
  });
}

/** The parent's own view of the bank, to reset it and to check what every database says. */
export class BankInspector {
  private constructor(readonly registry: ConnectionRegistry) {}

  static async open(connections: object): Promise<BankInspector> {
    const registry = await ConnectionRegistry.open({
      connections: connections as never,
      models: [...BANK_MODELS, ...SAGA_MODELS],
      // Its own node id: it holds a lease like any coordinator, and must not keep the workers' alive.
      coordinator: { log: { connection: 'lite' }, nodeId: `inspect-${process.pid}`, recoverOnStartup: false },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    return new BankInspector(registry);
  }

  /** Roll back what an interrupted earlier test of this process left prepared (it would block the DROPs). */
  async reset(): Promise<void> {
    await rollBackStaleTestBranches({ node: NODE });
    await this.registry.schema.dropTables();
    await this.registry.schema.createTables();
    // The coordinator's own tables stay (it created them once and relies on them): empty them.
    for (const name of ['pg', 'maria', 'lite']) {
      const connection = this.registry.get(name);
      for (const table of ['ar_tx_decisions', 'ar_saga_log', 'ar_saga_barriers', 'ar_xa_markers']) {
        await connection.execute(`DELETE FROM ${connection.dialect.quoteIdentifier(table)}`).catch(() => undefined);
      }
    }
    await this.registry.run(async () => {
      await PgAccount.create({ id: 1, balance: INITIAL_BALANCE });
      await MariaAccount.create({ id: 1, balance: INITIAL_BALANCE });
    });
  }

  /**
   * The invariant: money is neither created nor lost, each transfer is on every database of its
   * unit or on none, and nothing is left prepared.
   */
  assertConsistent(options: { withLedger: boolean }): Promise<{ applied: string[] }> {
    // The test may have a registry of its own open: the inspector's reads run in its own.
    return this.registry.run(() => this.check(options));
  }

  private async check(options: { withLedger: boolean }): Promise<{ applied: string[] }> {
    const pgBalance = (await PgAccount.find(1)).balance;
    const mariaBalance = (await MariaAccount.find(1)).balance;
    const pgIds = (await PgTransfer.pluck('id')).sort();
    const mariaIds = (await MariaTransfer.pluck('id')).sort();
    const moved = (await PgTransfer.pluck('amount')).reduce((sum, amount) => sum + amount, 0);
    expect({ pgIds: mariaIds }).toEqual({ pgIds });
    if (options.withLedger) expect((await LiteTransfer.pluck('id')).sort()).toEqual(pgIds);
    expect(pgBalance + mariaBalance).toBe(2 * INITIAL_BALANCE);
    expect(pgBalance).toBe(INITIAL_BALANCE - moved);
    expect(await this.preparedBranches()).toEqual([]);
    return { applied: pgIds };
  }

  /** Our branches still prepared on either server. */
  async preparedBranches(): Promise<string[]> {
    const pg = await this.registry.get('pg').query('SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`ar.${NODE}.`]);
    const maria = await this.registry.get('maria').query('XA RECOVER');
    return [
      ...pg.map((row) => `pg:${String(row.gid)}`),
      ...maria.map((row) => `maria:${Buffer.isBuffer(row.data) ? row.data.toString('latin1') : String(row.data)}`).filter((id) => id.includes(`ar.${NODE}.`)),
    ];
  }

  connection(name: string): Connection {
    return this.registry.get(name);
  }

  async close(): Promise<void> {
    await rollBackStaleTestBranches({ node: NODE });
    await this.registry.close();
  }
}
