import type { DriverSession, ExecuteResult, RunOptions } from '../backend/storage-backend';
import { ISOLATION_LEVELS } from '../backend/transaction-options';
import { currentScope, enteredScope, runInScope, type AmbientScope } from '../connection/ambient-scope';
import type { Connection, Transaction, TransactionPort } from '../connection/connection';
import { DeadlockError, SerializationError, TransactionError } from '../errors';
import type { CompiledQuery } from '../query/nodes';
import { Branch } from './branch';
import { localCommit } from './local-commit';
import { noTransaction } from './no-transaction';
import { SessionBroker, type SessionHolder } from './session-broker';
import { innermostLevel, PinnedStatements } from './test-transaction';
import { PROPAGATIONS, type TransactionOptions } from './transaction-options';
import { backoff, rollbackOnlyError, runHooks, shouldRollBack, startDeadline } from './transaction-rules';
import { Unit, UnitFrame, type CommitStrategy } from './unit';
import { unitEnded, unitStarted } from './unit-observers';

/** What a unit spans and how it commits. */
export interface UnitSpec {
  /** Resolved, distinct, at least one; all of this manager's application. */
  readonly connections: readonly Connection[];
  readonly options: TransactionOptions;
  /** `local` for one connection, `2pc` for several, `saga` when asked for. */
  readonly mode: 'local' | '2pc' | 'saga';
  /** A saga's input, logged with it (coordinator.saga().execute(input)). */
  readonly input?: unknown;
}

/**
 * The strategies that need the distributed coordinator, installed by the application's registry
 * (the engine itself knows only the local one, so this layer imports nothing from distributed/).
 */
export interface DistributedStrategies {
  /** Two-phase commit (with at most one last resource) for units over several connections. */
  twoPhaseStrategy(): CommitStrategy;
  /** Sagas: steps commit at once, compensations undo them. */
  sagaStrategy(): CommitStrategy;
}

/** Runs one statement of a bulk write on the session the engine chose (see runStatements). */
export type StatementRunner = (query: CompiledQuery, options?: RunOptions) => ExecuteResult | Promise<ExecuteResult>;

const managers = new WeakMap<Connection, TransactionManager>();

/**
 * The transaction engine of one application. Every transaction — `@Transactional`,
 * `transactional()`, `connection.transaction()`, a coordinator unit, a saga, a bulk insert's own
 * transaction — runs here: one propagation logic (Spring's meanings) for a unit of one
 * connection or of many, one session hand-out (SessionBroker), one frame stack, and commit
 * strategies as plug-ins (local here; two-phase commit and saga from the coordinator).
 */
export class TransactionManager implements TransactionPort {
  readonly sessions = new SessionBroker();
  /** A test's transaction that every unit of this application nests into (see pin()). */
  private pinned?: Unit;

  constructor(private readonly distributed: DistributedStrategies) {}

  /** Make `connection` run its transactions here (called by the registry that owns both). */
  adopt(connection: Connection): void {
    managers.set(connection, this);
  }

  /** The manager of a connection's application. */
  static of(connection: Connection): TransactionManager {
    const manager = managers.get(connection);
    if (!manager) {
      throw new TransactionError(`Connection '${connection.name}' belongs to no open application, so it cannot run transactions`, {
        connection: connection.name,
      });
    }
    return manager;
  }

  /** `connection.transaction(work, options)`: a unit of one connection. */
  run<T>(connection: Connection, work: (transaction: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.runUnit({ connections: [connection], options, mode: 'local' }, work);
  }

  /** Run `work` as a unit over `spec.connections` with the spec's propagation. */
  async runUnit<T>(spec: UnitSpec, work: (transaction: Transaction) => Promise<T>): Promise<T> {
    this.check(spec);
    const scope = currentScope();
    const options = spec.options;
    const propagation = options.propagation ?? 'REQUIRED';
    const outer = spec.mode === 'saga' ? enclosingSaga(scope) : this.enclosingUnit(spec, scope);
    switch (propagation) {
      case 'REQUIRED':
        return outer ? this.join(outer, spec, work, true) : this.begin(spec, work, scope);
      case 'MANDATORY':
        if (!outer) {
          throw new TransactionError(`MANDATORY propagation needs an open ${spec.mode === 'saga' ? 'saga' : 'transaction'} on ${describeConnections(spec.connections)}, and there is none`, {
            connection: spec.connections[0]!.name,
          });
        }
        return this.join(outer, spec, work, true);
      case 'SUPPORTS':
        return outer ? this.join(outer, spec, work, false) : work(noTransaction(spec.connections[0]!));
      case 'NEVER':
        if (outer || (spec.mode === 'saga' && this.enclosingUnit(spec, scope))) {
          throw new TransactionError(`NEVER propagation refuses to run inside the open transaction on ${describeConnections(spec.connections)}`, {
            connection: spec.connections[0]!.name,
          });
        }
        return work(noTransaction(spec.connections[0]!));
      case 'NOT_SUPPORTED':
        return this.outside(spec, work, scope);
      case 'REQUIRES_NEW':
        return this.begin(spec, work, scope);
      case 'NESTED':
        return outer ? this.nested(outer, spec, work) : this.begin(spec, work, scope);
    }
  }

  /**
   * A bulk write's own transaction (insertAll, upsert of many rows): joined to the caller's
   * transaction on the connection when one is open, otherwise begun, committed or rolled back,
   * and its session given back exactly as for any unit, but without entering an ambient scope,
   * since no user code runs inside (entering one would enable AsyncLocalStorage's hooks for the
   * whole process, which then cost a little on every later promise).
   */
  async runStatements<T>(connection: Connection, description: string, work: (run: StatementRunner) => Promise<T>): Promise<T> {
    const scope = enteredScope();
    const binding = scope?.binding(connection);
    if (binding instanceof UnitFrame && binding.unit.isActive) {
      return this.join(binding, { connections: [connection], options: {}, mode: 'local' }, () => work((query, options) => connection.runExecuteNow(query, options)), false);
    }
    if (binding) binding.statementSession(connection); // refuses in a transaction that rolled back
    const pinned = this.pinned;
    if (pinned) return this.inPinned(pinned, { connections: [connection], options: {}, mode: 'local' }, () => work((query, options) => connection.runExecuteNow(query, options)), currentScope());
    const unit = new Unit(description, [connection], localCommit, undefined, false);
    unitStarted(unit, 'local');
    await this.openBranches(unit, [connection], scope ? activeHolders(scope) : []);
    const session = unit.branches[0]!.session;
    let result: T;
    try {
      result = await work((query, options) => connection.runOnSession(session, query, options));
    } catch (error) {
      await this.end(unit, 'rollback', error);
      throw error;
    }
    await this.end(unit, 'commit');
    return result;
  }

  // ---- a test's transaction ----------------------------------------------------------------

  /**
   * Begin one transaction on `connections` that everything this application does nests into,
   * until unpin() rolls it back: the per-test transaction of ActiveRecordTestingModule (see
   * test-transaction.ts for what runs how). Outside tests no unit is pinned, and the only cost
   * is one field read where a unit begins.
   */
  async pin(connections: readonly Connection[]): Promise<void> {
    if (this.pinned) throw new TransactionError('A test transaction is already open in this application; roll it back first');
    const unit = new Unit('test transaction', connections, localCommit, undefined, false);
    await this.openBranches(unit, connections, [], 'The test transaction');
    this.pinned = unit;
    const statements = new PinnedStatements(unit);
    for (const connection of connections) connection.pinned = statements;
  }

  /** Roll back the pinned test transaction (and everything nested in it), and stop pinning. */
  async unpin(): Promise<void> {
    const unit = this.pinned;
    if (!unit) return;
    try {
      await this.end(unit, 'rollback');
    } finally {
      this.pinned = undefined;
      for (const connection of unit.declared) connection.pinned = undefined;
    }
  }

  /**
   * A transaction begun while a test's transaction is pinned: a savepoint level of the
   * innermost level of it in scope, whose success runs its commit hooks as a commit would.
   */
  private inPinned<T>(pinned: Unit, spec: UnitSpec, work: (transaction: Transaction) => Promise<T>, scope: AmbientScope): Promise<T> {
    const outside = spec.connections.filter((connection) => !pinned.branchFor(connection));
    if (outside.length > 0) {
      throw new TransactionError(
        `${describeConnections(outside)} ${outside.length === 1 ? 'is' : 'are'} not part of the test transaction, so a transaction there ` +
          `could not be rolled back with it; begin the test transaction on every connection the test uses`,
        { connection: outside[0]!.name },
      );
    }
    return this.nested(innermostLevel(pinned, scope), spec, work, true);
  }

  // ---- joining -------------------------------------------------------------------------------

  /**
   * Run inside the open unit, after enlisting the connections it lacks (REQUIRED and MANDATORY
   * widen it; SUPPORTS runs those without a transaction). If the call fails, the level is
   * marked rollback-only: even if an outer caller catches the error, the unit will not commit
   * half of a failed operation (NESTED makes a failure recoverable).
   */
  private async join<T>(frame: UnitFrame, spec: UnitSpec, work: (transaction: Transaction) => Promise<T>, enlist: boolean): Promise<T> {
    if (enlist) await this.enlist(frame.unit, spec.connections);
    reportIgnoredOptions(frame.unit, spec.options);
    try {
      return await work(frame);
    } catch (error) {
      if (shouldRollBack(error, spec.options) && frame.rollbackOnly === undefined) frame.rollbackOnly = error;
      throw error;
    }
  }

  /**
   * Add branches for `connections` to an open unit, before the caller's work writes anything. A
   * unit of one connection becomes a distributed one: its branch is adopted by two-phase commit
   * where the database allows (PostgreSQL can prepare any open transaction; SQLite becomes the
   * last resource) and refused where it does not (a MySQL/MariaDB local transaction cannot become
   * an XA branch).
   */
  private async enlist(unit: Unit, connections: readonly Connection[]): Promise<void> {
    if (unit.strategy.kind === 'saga' || connections.every((connection) => unit.branchFor(connection))) return;
    const release = await unit.enlisting.acquire();
    try {
      unit.assertActive('widen it to more connections');
      const missing = connections.filter((connection) => !unit.branchFor(connection));
      if (missing.length === 0) return;
      const widened = [...unit.connections, ...missing];
      let promoted = false;
      if (unit.strategy.kind === 'local') {
        const twoPhase = this.distributed.twoPhaseStrategy();
        await twoPhase.admit(unit, widened);
        for (const branch of unit.branches) await twoPhase.adoptBranch(unit, branch);
        unit.strategy = twoPhase;
        promoted = true;
      } else {
        await unit.strategy.admit(unit, widened);
      }
      const holders = activeHolders(currentScope()).filter((holder) => holder !== unit);
      await this.openBranches(unit, missing, holders);
      if (promoted) await unit.strategy.started?.(unit);
    } finally {
      release();
    }
  }

  // ---- a new unit ----------------------------------------------------------------------------

  private async begin<T>(spec: UnitSpec, work: (transaction: Transaction) => Promise<T>, scope: AmbientScope): Promise<T> {
    const pinned = this.pinned;
    if (pinned && spec.mode !== 'saga') return this.inPinned(pinned, spec, work, scope);
    const attempts = spec.options.retry?.attempts ?? 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.beginOnce(spec, work, scope);
      } catch (error) {
        const retryable =
          error instanceof DeadlockError || error instanceof SerializationError || (spec.options.retry?.on?.some((type) => error instanceof type) ?? false);
        if (attempt >= attempts || !retryable) throw error;
        const delay = backoff(spec.options.retry?.backoffMs ?? 50, attempt);
        spec.connections[0]!.logger.warn(
          `Transaction ${unitName(spec)} failed with ${(error as Error).name} (attempt ${attempt} of ${attempts}); running it again in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async beginOnce<T>(spec: UnitSpec, work: (transaction: Transaction) => Promise<T>, scope: AmbientScope): Promise<T> {
    const { options } = spec;
    const strategy: CommitStrategy = spec.mode === 'local' ? localCommit : spec.mode === '2pc' ? this.distributed.twoPhaseStrategy() : this.distributed.sagaStrategy();
    const unit = new Unit(unitName(spec), spec.connections, strategy, options.isolation, options.readOnly ?? false, {
      isolation: options.isolation,
      readOnly: options.readOnly,
      sqliteBegin: options.sqliteBegin,
    });
    if (spec.mode === 'saga') unit.strategyState = { input: spec.input };
    unitStarted(unit, spec.mode);
    const holders = activeHolders(scope);
    let inner: AmbientScope;
    if (spec.mode === 'saga') {
      // A saga holds no session: its steps commit on their own. Inside it, the spec's
      // connections run outside the transactions it was started in (REQUIRES_NEW suspends them).
      const open = this.enclosingUnit(spec, scope);
      if (open && (options.propagation ?? 'REQUIRED') !== 'REQUIRES_NEW') {
        throw new TransactionError(
          `A saga commits each step at once, so it cannot run inside the open transaction ${open.unit.describe()}: ` +
            `use propagation REQUIRES_NEW to run it as a saga of its own, or make the outer method the saga`,
          { connection: spec.connections[0]!.name },
        );
      }
      for (const connection of spec.connections) this.sessions.assertCanEverGet(connection, holders, `The saga '${unit.name}' (its steps)`);
      inner = scope.bind(spec.connections, null).bind([], unit.root);
      await strategy.admit(unit, spec.connections);
    } else {
      const purpose = options.propagation === 'REQUIRES_NEW' ? `REQUIRES_NEW (${unit.description})` : `The ${unit.description}`;
      for (const connection of spec.connections) this.sessions.assertCanEverGet(connection, holders, purpose);
      await strategy.admit(unit, spec.connections);
      try {
        await this.openBranches(unit, spec.connections, holders, purpose);
      } catch (error) {
        await this.end(unit, 'rollback', error).catch(() => undefined);
        throw error;
      }
      inner = scope.bind(spec.connections, unit.root);
    }
    try {
      await strategy.started?.(unit);
    } catch (error) {
      await this.end(unit, 'rollback', error).catch(() => undefined);
      throw error;
    }

    const deadline = options.timeoutMs === undefined ? undefined : startDeadline(unit, options.timeoutMs);
    let result: T;
    try {
      const running = runInScope(inner, () => work(unit.root));
      result = await (deadline ? Promise.race([running, deadline.expired]) : running);
      if (unit.root.rollbackOnly !== undefined) throw rollbackOnlyError(unit.root);
    } catch (error) {
      deadline?.clear();
      if (unit.status === 'timed out') {
        // The caller hears now; the rollback follows as soon as the sessions are free.
        void this.end(unit, 'rollback', deadline!.error).catch(() => undefined);
        throw deadline!.error;
      }
      await this.end(unit, shouldRollBack(error, options) ? 'rollback' : 'commit', error);
      throw error;
    }
    deadline?.clear();
    await this.end(unit, 'commit');
    return result;
  }

  /**
   * Begin a branch of `unit` on each connection (with the unit's open savepoints), after taking
   * their sessions in the one global order of connections: two units that need the same
   * connections never each hold a session the other waits for. On failure the sessions taken
   * so far go back (the caller rolls back branches already begun).
   */
  private async openBranches(unit: Unit, connections: readonly Connection[], holders: readonly SessionHolder[], purpose = `The ${unit.description}`): Promise<void> {
    const sessions = new Map<Connection, DriverSession>();
    try {
      for (const connection of [...connections].sort((a, b) => a.order - b.order)) {
        sessions.set(connection, await this.sessions.acquire(connection, unit, holders, purpose));
      }
    } catch (error) {
      for (const [connection, session] of sessions) this.sessions.release(connection, session, false);
      throw error;
    }
    // The branches begin at once (one round trip for all); a branch whose begin failed is
    // discarded, the others join the unit so that the caller's rollback ends them.
    const branches = connections.map(
      (connection, i) => new Branch(connection, sessions.get(connection)!, unit.branches.length + 1 + i, (discard) => this.sessions.release(connection, sessions.get(connection)!, discard)),
    );
    const begun = await Promise.allSettled(branches.map((branch) => unit.strategy.beginBranch(unit, branch, unit.begin)));
    let failure: PromiseRejectedResult | undefined;
    for (const [i, result] of begun.entries()) {
      if (result.status === 'fulfilled') unit.addBranch(branches[i]!);
      else {
        failure ??= result;
        branches[i]!.discard = true;
        branches[i]!.releaseSession();
      }
    }
    if (failure) throw failure.reason;
    for (const branch of branches) for (const name of unit.savepoints) await branch.createSavepoint(name);
  }

  /**
   * End the unit the given way, give every session back, then run the hooks. A commit that
   * fails leaves a rolled-back unit whose error the caller receives, except one the strategy
   * left in doubt (a distributed outcome recovery will settle): its hooks do not run.
   */
  private async end(unit: Unit, intended: 'commit' | 'rollback', cause?: unknown): Promise<void> {
    let failure: unknown;
    if (intended === 'commit') {
      try {
        await unit.strategy.commit(unit);
      } catch (error) {
        failure = error;
      }
    } else {
      await unit.strategy.rollback(unit);
    }
    const outcome = intended === 'commit' && failure === undefined ? 'committed' : 'rolled back';
    if (unit.status === 'active') unit.status = outcome;
    for (const branch of unit.branches) branch.releaseSession();
    unitEnded(unit, outcome, failure ?? cause);
    if (!unit.inDoubt) await runHooks(unit.root, outcome);
    if (failure !== undefined) throw failure;
  }

  // ---- NESTED: a level that can fail alone ---------------------------------------------------

  /** `standsIn`: the level stands in for a transaction of its own (a test's, see pin()): it ends as one would, hooks included. */
  private async nested<T>(parent: UnitFrame, spec: UnitSpec, work: (transaction: Transaction) => Promise<T>, standsIn = false): Promise<T> {
    const unit = parent.unit;
    await this.enlist(unit, spec.connections);
    if (!standsIn) reportIgnoredOptions(unit, { ...spec.options, timeoutMs: undefined, retry: undefined });
    // Savepoints are stack-ordered on each session: siblings started together take turns.
    const release = await parent.children.acquire();
    try {
      unit.assertActive('open a NESTED level');
      const level = unit.strategy.openLevel ? await unit.strategy.openLevel(unit) : await savepointLevel(unit);
      const frame = new UnitFrame(unit, parent, level.name);
      let result: T;
      try {
        result = await runInScope(currentScope().bind(unit.connections, frame), () => work(frame));
        if (frame.rollbackOnly !== undefined) throw rollbackOnlyError(frame);
      } catch (error) {
        if (!unit.isActive) throw error;
        if (shouldRollBack(error, spec.options)) {
          await level.undo();
          await runHooks(frame, 'rolled back');
        } else {
          await level.keep();
          await this.levelKept(frame, standsIn);
        }
        throw error;
      }
      await level.keep();
      await this.levelKept(frame, standsIn);
      return result;
    } finally {
      release();
    }
  }

  /** A kept level's hooks go to its parent; those of a level that stands in for a transaction run now, as after a commit. */
  private async levelKept(frame: UnitFrame, standsIn: boolean): Promise<void> {
    if (standsIn) await runHooks(frame, 'committed');
    else frame.handHooksToParent();
  }

  // ---- without a transaction -----------------------------------------------------------------

  /** NOT_SUPPORTED: suspend what is open on the connections and run without a transaction. */
  private async outside<T>(spec: UnitSpec, work: (transaction: Transaction) => Promise<T>, scope: AmbientScope): Promise<T> {
    const holders = activeHolders(scope);
    let inner = scope;
    for (const connection of spec.connections) {
      const binding = scope.binding(connection);
      if (binding instanceof UnitFrame && binding.unit.isActive) {
        // Under a test's transaction, statements without one still run on its sessions (Connection.pinned).
        if (!this.pinned) this.sessions.assertCanEverGet(connection, holders, 'NOT_SUPPORTED');
        inner = inner.bind([connection], null);
      }
    }
    const saga = enclosingSaga(scope);
    if (saga) inner = inner.without(saga);
    return runInScope(inner, () => work(noTransaction(spec.connections[0]!)));
  }

  /**
   * The open unit the spec's connections run in, if any. Two different units (say, separate
   * transactions opened on two of the connections) cannot be merged into one: refused.
   */
  private enclosingUnit(spec: UnitSpec, scope: AmbientScope): UnitFrame | undefined {
    let found: UnitFrame | undefined;
    for (const connection of spec.connections) {
      const binding = scope.binding(connection);
      if (!(binding instanceof UnitFrame) || !binding.unit.isActive || binding.unit.strategy.kind === 'saga') continue;
      if (found && found.unit !== binding.unit) {
        throw new TransactionError(
          `Connections ${describeConnections(spec.connections)} are in two separate open transactions (${found.unit.describe()} ` +
            `and ${binding.unit.describe()}); one unit cannot join both. Open the unit first, naming every connection, ` +
            `or use REQUIRES_NEW to run it apart`,
          { connection: connection.name },
        );
      }
      found = binding;
    }
    return found;
  }

  private check(spec: UnitSpec): void {
    const { options } = spec;
    const first = spec.connections[0];
    const fail = (message: string, connection = first) => {
      throw new TransactionError(`Transaction options for ${describeConnections(spec.connections)}: ${message}`, { connection: connection?.name });
    };
    if (!first) fail('a transaction needs at least one connection');
    for (const connection of spec.connections) {
      if (managers.get(connection) !== this) fail(`connection '${connection.name}' belongs to another application (or none)`, connection);
    }
    if (options.propagation !== undefined && !PROPAGATIONS.includes(options.propagation)) {
      fail(`unknown propagation '${String(options.propagation)}' (use ${PROPAGATIONS.join(', ')})`);
    }
    for (const connection of spec.connections) {
      const provided = connection.dialect.isolationLevels;
      if (options.isolation !== undefined && !provided.includes(options.isolation)) {
        const stronger = ISOLATION_LEVELS.slice(ISOLATION_LEVELS.indexOf(options.isolation) + 1).find((level) => provided.includes(level));
        fail(
          `isolation ${String(options.isolation)} is not provided by ${connection.dialect.name} (connection '${connection.name}' provides ${provided.join(', ')})` +
            (stronger ? `; ask for ${stronger}, the nearest stronger level` : ''),
          connection,
        );
      }
    }
    if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) fail('timeoutMs must be a positive integer');
    const retry = options.retry;
    if (retry !== undefined && !(Number.isInteger(retry.attempts) && retry.attempts >= 1)) fail('retry.attempts must be an integer of at least 1');
    if (retry?.backoffMs !== undefined && !(Number.isInteger(retry.backoffMs) && retry.backoffMs >= 0)) fail('retry.backoffMs must be a non-negative integer');
    if (retry?.on !== undefined && !(Array.isArray(retry.on) && retry.on.every((type) => typeof type === 'function'))) {
      fail('retry.on must be an array of error classes');
    }
  }
}

/** The default NESTED level: one savepoint on every branch of the unit. */
async function savepointLevel(unit: Unit): Promise<{ name: string; undo(): Promise<void>; keep(): Promise<void> }> {
  const name = await unit.createSavepoint(undefined, 'nested');
  return {
    name,
    undo: async () => {
      await unit.rollbackToSavepoint(name);
      await unit.releaseSavepoint(name);
    },
    keep: () => unit.releaseSavepoint(name),
  };
}

/** The units open in a scope (the caller runs inside them, so they give nothing back before it returns). */
function activeHolders(scope: AmbientScope): Unit[] {
  const units: Unit[] = [];
  for (const binding of scope.allBindings()) {
    if (binding instanceof UnitFrame && binding.unit.isActive && !units.includes(binding.unit)) units.push(binding.unit);
  }
  return units;
}

function enclosingSaga(scope: AmbientScope): UnitFrame | undefined {
  for (const binding of scope.allBindings()) {
    if (binding instanceof UnitFrame && binding.unit.strategy.kind === 'saga' && binding.unit.isActive) return binding;
  }
  return undefined;
}

function reportIgnoredOptions(unit: Unit, options: TransactionOptions): void {
  const ignored: string[] = [];
  if (options.isolation !== undefined && options.isolation !== unit.isolation) ignored.push(`isolation '${options.isolation}'`);
  if (options.readOnly !== undefined && options.readOnly !== unit.readOnly) ignored.push(`readOnly: ${options.readOnly}`);
  if (options.timeoutMs !== undefined) ignored.push('timeoutMs');
  if (options.retry !== undefined) ignored.push('retry (only the outermost call can re-run a transaction)');
  if (ignored.length === 0) return;
  unit.declared[0]!.logger.warn(
    `A transactional call joined the open transaction ${unit.describe()} and cannot apply ${ignored.join(', ')}; ` +
      `use REQUIRES_NEW for a transaction of its own`,
  );
}

function unitName(spec: UnitSpec): string {
  if (spec.options.name) return spec.options.name;
  const names = spec.connections.map((connection) => connection.name);
  return spec.mode === 'saga' ? `saga(${names.join(',')})` : names.length === 1 ? `transaction on '${names[0]}'` : `unit(${names.join(',')})`;
}

function describeConnections(connections: readonly Connection[]): string {
  return connections.length === 1 ? `connection '${connections[0]!.name}'` : `connections ${connections.map((c) => `'${c.name}'`).join(', ')}`;
}
