import type { BackendLogger } from '../backend/storage-backend';
import type { BranchId, TwoPhaseParticipant } from '../backend/two-phase';
import type { Connection } from '../connection/connection';
import { ConfigurationError, TransactionError } from '../errors';
import { unitSpec } from '../transaction/transaction-api';
import type { DistributedStrategies, TransactionManager } from '../transaction/transaction-manager';
import type { TransactionOptions } from '../transaction/transaction-options';
import type { CommitStrategy } from '../transaction/unit';
import { CommitMarks } from './commit-marks';
import { CoordinatorEvents, type CoordinatorListener } from './coordinator-events';
import type { ResolvedCoordinatorOptions } from './coordinator-options';
import { DecisionLog } from './decision-log';
import { DecisionWriter } from './decision-writer';
import { NodeLeases } from './node-leases';
import { inDoubt, recover, resolveManually, type InDoubtBranch, type RecoveryContext, type RecoveryReport } from './recovery';
import { SagaBuilder } from './saga/saga-builder';
import { SagaLog } from './saga/saga-log';
import { SagaStrategy, type SagaContext } from './saga/saga-runner';
import { moduleSteps, SagaSteps } from './saga/saga-step';
import { TwoPhaseCommit } from './two-phase-commit';

/** What the coordinator needs from the application's registry. */
export interface CoordinatorHost {
  get(name?: string): Connection;
  connectionNames(): readonly string[];
  readonly defaultConnectionName: string;
  /** The application's transaction engine, which runs every unit. */
  readonly transactions: TransactionManager;
  /** Run `work` as code of the application (its models' static calls resolve there). */
  run<T>(work: () => T): T;
}

export interface UnitOptions extends Omit<TransactionOptions, 'connection' | 'connections'> {
  /** The connections of the unit, by name or object. */
  connections: readonly (string | Connection)[];
  /** A name for logs, and the saga's name in saga mode. */
  name?: string;
}

/**
 * Makes a unit of work across several connections atomic: two-phase commit where the databases
 * can prepare (with at most one last resource that cannot), or a saga with compensations. Also
 * runs recovery. One per application; injectable as `TransactionCoordinator`.
 */
export class TransactionCoordinator implements DistributedStrategies {
  private readonly events: CoordinatorEvents;
  private readonly commitMarks: CommitMarks;
  /** This application's saga steps; module-level ones (defineSagaStep) are found behind them. */
  private readonly steps = new SagaSteps(moduleSteps);
  private readonly twoPhaseCommit: TwoPhaseCommit;
  private readonly sagas: SagaStrategy;
  private writer?: DecisionWriter;
  private leases?: NodeLeases;
  private leasing?: Promise<void>;
  private readonly ready = new WeakMap<Connection, Promise<void>>();
  private readonly pendingCommits = new Map<string, { connection: Connection; branch: BranchId }>();
  private retryTimer?: NodeJS.Timeout;
  private recovering?: Promise<RecoveryReport>;

  constructor(
    private readonly host: CoordinatorHost,
    readonly options: ResolvedCoordinatorOptions,
    private readonly logger: BackendLogger,
  ) {
    this.events = new CoordinatorEvents(logger.debug ? (message) => logger.debug!(`[coordinator] ${message}`) : undefined);
    this.commitMarks = new CommitMarks(() => this.decisionLog(), (message) => logger.warn(message));
    this.twoPhaseCommit = new TwoPhaseCommit({
      nodeId: options.nodeId,
      prepareTimeoutMs: options.prepareTimeoutMs,
      commitTimeoutMs: options.commitTimeoutMs,
      events: this.events,
      decisionLog: () => this.decisionLog(),
      decisionWriter: () => this.decisionWriter(),
      markCommitted: (gid) => this.commitMarks.add(gid),
      retryCommit: (connection, branch) => this.scheduleCommitRetry(connection, branch),
      ensureReady: (connection, participant) => this.ensureReady(connection, participant),
      startLease: () => this.startLease(),
      warn: (message) => logger.warn(message),
    });
    this.sagas = new SagaStrategy(() => this.sagaContext());
  }

  /** This node's id, as it appears in every branch id. */
  get nodeId(): string {
    return this.options.nodeId;
  }

  /** @internal The engine's two-phase commit strategy. */
  twoPhaseStrategy(): CommitStrategy {
    return this.twoPhaseCommit;
  }

  /** @internal The engine's saga strategy. */
  sagaStrategy(): CommitStrategy {
    return this.sagas;
  }

  /** Build a saga: `coordinator.saga('place-order').step({ name, run, compensate }).execute(input)`. */
  saga<Input = unknown>(name?: string): SagaBuilder<Input> {
    const host = {
      steps: this.steps,
      runSaga: (sagaName: string, connections: readonly string[], input: unknown, work: () => Promise<void>) =>
        this.host.run(() =>
          this.host.transactions.runUnit(
            { ...unitSpec({ connections: (connections.length > 0 ? connections : [undefined]).map((c) => this.host.get(c)), mode: 'saga', name: sagaName }), input },
            work,
          ),
        ),
    };
    return new SagaBuilder<Input>(host, name);
  }

  /**
   * Run `work` with one transaction open on each connection (models and queries inside go to
   * their own connection's), then commit all or none. `mode` defaults to '2pc'.
   */
  async run<T>(options: UnitOptions, work: () => Promise<T>): Promise<T> {
    // Names resolve in this coordinator's application, and the work runs as its code.
    const connections = [...new Set(options.connections.map((target) => (typeof target === 'string' ? this.host.get(target) : target)))];
    if (connections.length === 0) throw new ConfigurationError('A unit of work needs at least one connection');
    for (const connection of connections) this.assertOwn(connection);
    const name = options.name ?? (options.mode === 'saga' ? `unit(${connections.map((c) => c.name).join(',')})` : undefined);
    return this.host.run(() => this.host.transactions.runUnit(unitSpec({ ...options, connections, name }), work));
  }

  /**
   * Resolve every in-doubt branch and unfinished saga of this node. Runs at startup
   * (`recoverOnStartup`) and whenever called; concurrent calls share one run.
   */
  recover(): Promise<RecoveryReport> {
    this.recovering ??= recover(this.recoveryContext()).finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  /**
   * What is pending on this node (with `{ allNodes: true }`, on every node): prepared branches
   * with their node, decision and age, unfinished or failed sagas, and the participants that
   * could not be inspected.
   */
  inDoubt(options: { allNodes?: boolean } = {}): Promise<{
    branches: InDoubtBranch[];
    sagas: Array<{ id: string; name: string; state: string; node: string; ageMs: number }>;
    unreachable: Array<{ connection: string; reason: string }>;
  }> {
    return inDoubt(this.recoveryContext(), options.allNodes ?? false);
  }

  /**
   * Settle one global transaction by hand (an operator who knows better than presumed abort):
   * the decision is written to the log first, so that every database and every later recovery
   * agrees, then applied to each branch still prepared. Refused if the log already holds the
   * opposite decision.
   */
  resolve(gid: string, outcome: 'commit' | 'rollback'): Promise<RecoveryReport> {
    if (outcome !== 'commit' && outcome !== 'rollback') throw new ConfigurationError(`resolve() takes 'commit' or 'rollback', not '${String(outcome)}'`);
    return resolveManually(this.recoveryContext(), gid, outcome);
  }

  /** Every node's lease (running nodes, and dead ones not yet settled by a survivor). */
  async nodes(): Promise<Array<{ node: string; leaseUntil: Date; claimedBy: string | null }>> {
    return this.nodeLeases().list().catch(() => []);
  }

  /**
   * Hold this node's lease from now on, renewing it in the background, so that survivors take
   * over its work only if it dies. Started at startup when a coordinator is configured, and by
   * the first unit across databases otherwise.
   */
  startLease(): Promise<void> {
    this.leasing ??= this.nodeLeases()
      .start()
      .catch((error: unknown) => {
        this.leasing = undefined;
        this.logger.warn(`Could not take the lease of node '${this.nodeId}' in the decision log: ${error instanceof Error ? error.message : String(error)}`);
      });
    return this.leasing;
  }

  /** Listen to every step of every global transaction and saga (listeners are awaited: keep them fast). */
  onEvent(listener: CoordinatorListener): () => void {
    return this.events.on(listener);
  }

  /**
   * Check that every connection able to prepare can really do it (settings, privileges), failing
   * with a ConfigurationError that says what to set. Run at startup when a coordinator is configured.
   */
  async checkParticipants(): Promise<void> {
    for (const name of this.host.connectionNames()) {
      const connection = this.host.get(name);
      if (connection.backend.twoPhase) await this.ensureReady(connection, connection.backend.twoPhase);
    }
  }

  /** The application is closing: write the batched decision-log flips, stop background retries. */
  async close(): Promise<void> {
    this.stopRetries();
    await this.commitMarks.close();
    await this.writer?.close();
    await this.leases?.stop();
  }

  private stopRetries(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  private sagaContext(): SagaContext {
    return {
      nodeId: this.nodeId,
      events: this.events,
      steps: this.steps,
      startLease: () => this.startLease(),
      leaseMs: this.options.orphanTimeoutMs,
      sagaLog: () => new SagaLog(this.logConnection()),
      connection: (name: string) => this.host.get(name),
      warn: (message: string) => this.logger.warn(message),
    };
  }

  private recoveryContext(): RecoveryContext {
    return {
      ...this.sagaContext(),
      orphanTimeoutMs: this.options.orphanTimeoutMs,
      retainMs: this.options.retainMs,
      connections: () => this.host.connectionNames().map((name) => this.host.get(name)),
      decisionLog: () => this.decisionLog(),
      leases: () => this.nodeLeases(),
    };
  }

  private decisionLog(): DecisionLog {
    return new DecisionLog(this.logConnection());
  }

  private nodeLeases(): NodeLeases {
    this.leases ??= new NodeLeases(() => this.logConnection(), this.nodeId, this.options.nodeLeaseMs, (message) => this.logger.warn(message));
    return this.leases;
  }

  private decisionWriter(): DecisionWriter {
    this.writer ??= new DecisionWriter(this.decisionLog());
    return this.writer;
  }

  private logConnection(): Connection {
    return this.host.get(this.options.logConnection ?? this.host.defaultConnectionName);
  }

  private ensureReady(connection: Connection, participant: TwoPhaseParticipant): Promise<void> {
    let check = this.ready.get(connection);
    if (!check) {
      check = participant.checkReady();
      check.catch(() => this.ready.delete(connection));
      this.ready.set(connection, check);
    }
    return check;
  }

  /** A decided-commit branch whose phase 2 failed: commit it when its connection answers again. */
  private scheduleCommitRetry(connection: Connection, branch: BranchId): void {
    this.pendingCommits.set(`${connection.name}|${branch.gtrid}|${branch.bqual}`, { connection, branch });
    if (this.retryTimer) return;
    this.retryTimer = setInterval(() => void this.retryCommits(), this.options.commitRetryIntervalMs);
    this.retryTimer.unref();
  }

  private async retryCommits(): Promise<void> {
    for (const [key, { connection, branch }] of this.pendingCommits) {
      try {
        await connection.backend.twoPhase!.commitPrepared(branch);
        this.pendingCommits.delete(key);
        this.logger.log(`Committed the pending branch ${branch.bqual} of ${branch.gtrid} on connection '${connection.name}'`);
      } catch {
        // Still unreachable: try again at the next interval (recovery would also commit it).
      }
    }
    if (this.pendingCommits.size === 0) this.stopRetries();
  }

  private assertOwn(connection: Connection): void {
    if (this.host.get(connection.name) !== connection) {
      throw new TransactionError(`Connection '${connection.name}' does not belong to this coordinator's application`, { connection: connection.name });
    }
  }
}

