import type { DriverSession } from '../backend/storage-backend';
import type { IsolationLevel } from '../backend/transaction-options';
import type { SessionBinding } from '../connection/ambient-scope';
import type { Connection, Transaction } from '../connection/connection';
import type { TransactionOutcome, TransactionStatus } from '../connection/transaction-options';
import { TransactionError } from '../errors';
import { AsyncMutex } from '../util/async-mutex';
import type { BeginOptions } from '../backend/transaction-options';
import type { Branch } from './branch';
import type { SessionHolder } from './session-broker';

let unitSequence = 0;

/**
 * How a unit's branches begin and end. `local` for a unit of one connection; the distributed
 * coordinator provides two-phase commit (with an optional last resource). The engine calls these
 * in order: admit (before any branch opens), beginBranch per connection (or adoptBranch for one
 * that was begun locally and is joined by a wider unit), then commit or rollback once.
 */
export interface CommitStrategy {
  readonly kind: 'local' | 'two-phase' | 'saga';
  /** Refuse, before any write, a set of connections this strategy cannot commit together. */
  admit(unit: Unit, connections: readonly Connection[]): Promise<void>;
  /** Begin the physical transaction of a new branch (BEGIN, XA START, ...). */
  beginBranch(unit: Unit, branch: Branch, options: BeginOptions): Promise<void>;
  /** Take over a branch begun as a local transaction (a unit widened by a call that names more connections). */
  adoptBranch(unit: Unit, branch: Branch): Promise<void>;
  /** Every branch is open: the unit starts (events, logs). */
  started?(unit: Unit): Promise<void>;
  /** Commit every branch or none; throws when the unit did not commit (it is then rolled back, or in doubt). */
  commit(unit: Unit): Promise<void>;
  /** Roll every branch back; never throws (what fails is left to recovery or discarded). */
  rollback(unit: Unit): Promise<void>;
  /** A NESTED level; by default a savepoint on every branch (a saga marks its steps instead). */
  openLevel?(unit: Unit): Promise<UnitLevel>;
}

/** A NESTED level as a strategy opens it: undone alone on failure, kept (merged into its parent) on success. */
export interface UnitLevel {
  readonly name: string;
  undo(): Promise<void>;
  keep(): Promise<void>;
}

interface Hooks {
  commit: Array<() => unknown>;
  rollback: Array<() => unknown>;
  complete: Array<(outcome: TransactionOutcome) => unknown>;
}

/**
 * One unit of work: everything that commits or rolls back together. A transaction on one
 * connection is a unit of one branch; a cross-database transaction is a unit of several; a saga
 * is a unit with no long-lived branch at all. The commit strategy (local, two-phase with an
 * optional last resource, saga) is the only thing that differs, so propagation, isolation,
 * read-only, timeouts, retries, hooks and rollback rules are the same code for all of them.
 */
export class Unit implements SessionHolder {
  readonly id = ++unitSequence;
  status: TransactionStatus = 'active';
  /** The strategy could not tell the outcome (a distributed decision recovery will settle): no hooks run. */
  inDoubt = false;
  /** Widening the unit to more connections happens one call at a time. */
  readonly enlisting = new AsyncMutex();
  readonly branches: Branch[] = [];
  readonly root: UnitFrame;
  readonly startedAt = Date.now();
  /** The global transaction id once the unit is distributed (two-phase commit, saga). */
  gid?: string;
  /** Data the strategy keeps for itself (the running saga, say). */
  strategyState?: unknown;
  /** Savepoint names open on every branch, oldest first: a branch enlisted later gets them too. */
  readonly savepoints: string[] = [];
  private readonly byConnection = new Map<Connection, Branch>();
  private savepointSequence = 0;

  constructor(
    /** For messages and lock-wait reports: `OrderService.place`, or `unit(orders,billing)`. */
    readonly name: string,
    /** The connections the unit was opened over, in the order given (the first is the handle's). */
    readonly declared: readonly Connection[],
    public strategy: CommitStrategy,
    readonly isolation: IsolationLevel | undefined,
    readonly readOnly: boolean,
    /** How each branch begins (isolation, read-only, SQLite's BEGIN mode). */
    readonly begin: BeginOptions = { isolation, readOnly },
  ) {
    this.root = new UnitFrame(this, undefined, undefined);
  }

  get isActive(): boolean {
    return this.status === 'active';
  }

  /** For those who wait for a session this unit holds. */
  get description(): string {
    return `transaction '${this.name}'`;
  }

  get since(): number {
    return this.startedAt;
  }

  /** Every connection the unit spans now: the declared ones and any enlisted later. */
  get connections(): readonly Connection[] {
    return this.branches.length > 0 ? this.branches.map((branch) => branch.connection) : this.declared;
  }

  branchFor(connection: Connection): Branch | undefined {
    return this.byConnection.get(connection);
  }

  addBranch(branch: Branch): void {
    this.branches.push(branch);
    this.byConnection.set(branch.connection, branch);
  }

  /** Fail fast on a unit that has ended, naming how it ended. */
  assertActive(action: string): void {
    if (this.status !== 'active') {
      throw new TransactionError(`Cannot ${action}: the transaction ${this.describe()} has ${describeEnd(this.status)}`, {
        connection: this.declared[0]?.name,
      });
    }
  }

  /** `on connection 'main'` or `across 'orders', 'billing'`, for messages. */
  describe(): string {
    const names = this.connections.map((connection) => `'${connection.name}'`);
    return names.length === 1 ? `on connection ${names[0]}` : `across ${names.join(', ')}`;
  }

  // ---- savepoints, on every branch at once -------------------------------------------------

  async createSavepoint(name: string | undefined, kind: 'explicit' | 'nested'): Promise<string> {
    this.assertActive('create a savepoint');
    const chosen = name ?? `${kind === 'nested' ? 'ar_nested' : 'ar_sp'}_${this.id}_${++this.savepointSequence}`;
    if (typeof chosen !== 'string' || chosen === '') {
      throw new TransactionError('A savepoint name must be a non-empty string', { connection: this.declared[0]?.name });
    }
    if (this.savepoints.includes(chosen)) {
      throw new TransactionError(`Savepoint '${chosen}' already exists ${this.describe()}`, { connection: this.declared[0]?.name });
    }
    for (const branch of this.branches) await branch.createSavepoint(chosen);
    this.savepoints.push(chosen);
    return chosen;
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    const index = this.indexOf(name, 'roll back to');
    for (const branch of this.branches) await branch.rollbackToSavepoint(name);
    this.savepoints.length = index + 1;
  }

  async releaseSavepoint(name: string): Promise<void> {
    const index = this.indexOf(name, 'release');
    for (const branch of this.branches) await branch.releaseSavepoint(name);
    this.savepoints.length = index;
  }

  private indexOf(name: string, action: string): number {
    this.assertActive(`${action} a savepoint`);
    const index = this.savepoints.lastIndexOf(name);
    if (index < 0) {
      const known = this.savepoints.length ? `open savepoints: ${this.savepoints.join(', ')}` : 'no savepoint is open';
      throw new TransactionError(`Cannot ${action} unknown savepoint '${name}' ${this.describe()} (${known})`, {
        connection: this.declared[0]?.name,
      });
    }
    return index;
  }
}

/**
 * A level of a unit: its root, or a NESTED savepoint level inside it. It is what the ambient
 * scope binds connections to, the handle user code receives, and the owner of hooks registered
 * while it is current: a released level hands them to its parent, a rolled-back one runs its
 * rollback hooks and drops its commit hooks.
 */
export class UnitFrame implements Transaction, SessionBinding {
  readonly hooks: Hooks = { commit: [], rollback: [], complete: [] };
  /** Set when a joined call failed inside this level: it must roll back whatever its body says. */
  rollbackOnly?: unknown;
  /**
   * Savepoints are stack-ordered on a session: NESTED levels opened from this one (and explicit
   * savepoints) take turns here, so two siblings started together never interleave.
   */
  readonly children = new AsyncMutex();

  constructor(
    readonly unit: Unit,
    readonly parent: UnitFrame | undefined,
    /** The savepoint this level rolls back to; undefined for the root. */
    readonly savepointName: string | undefined,
  ) {}

  get connection(): Connection {
    return this.unit.declared[0]!;
  }

  get connections(): readonly Connection[] {
    return this.unit.connections;
  }

  get status(): TransactionStatus {
    return this.unit.status;
  }

  statementSession(connection: Connection): DriverSession | undefined {
    const unit = this.unit;
    const status = unit.status;
    if (status === 'active') return unit.branchFor(connection)?.session;
    if (status === 'committed') return undefined;
    throw new TransactionError(
      `A statement on connection '${connection.name}' ran in a transaction that has already ` +
        `${status === 'timed out' ? 'timed out' : 'rolled back'}; it was refused rather than run outside it`,
      { connection: connection.name },
    );
  }

  covers(connection: Connection): boolean {
    return this.unit.status === 'active' && this.unit.branchFor(connection) !== undefined;
  }

  onCommit(hook: () => unknown): void {
    this.unit.assertActive('register onCommit');
    this.hooks.commit.push(hook);
  }

  onRollback(hook: () => unknown): void {
    this.unit.assertActive('register onRollback');
    this.hooks.rollback.push(hook);
  }

  onComplete(hook: (outcome: TransactionOutcome) => unknown): void {
    this.unit.assertActive('register onComplete');
    this.hooks.complete.push(hook);
  }

  /** An explicit savepoint waits for a sibling NESTED level of this one to finish first. */
  async savepoint(name?: string): Promise<string> {
    const release = await this.children.acquire();
    try {
      return await this.unit.createSavepoint(name, 'explicit');
    } finally {
      release();
    }
  }

  releaseSavepoint(name: string): Promise<void> {
    return this.unit.releaseSavepoint(name);
  }

  rollbackTo(name: string): Promise<void> {
    return this.unit.rollbackToSavepoint(name);
  }

  /** A released level's writes now stand or fall with its parent, and so do its hooks. */
  handHooksToParent(): void {
    if (!this.parent) return;
    this.parent.hooks.commit.push(...this.hooks.commit);
    this.parent.hooks.rollback.push(...this.hooks.rollback);
    this.parent.hooks.complete.push(...this.hooks.complete);
  }
}

function describeEnd(status: TransactionStatus): string {
  return status === 'timed out' ? 'timed out and was rolled back' : `already ${status}`;
}
