import type { DriverSession } from '../backend/storage-backend';
import type { IsolationLevel } from '../backend/transaction-options';
import type { Connection } from '../connection/connection';
import { TransactionError } from '../errors';

export type TransactionStatus = 'active' | 'committed' | 'rolled back' | 'timed out';
export type TransactionOutcome = 'committed' | 'rolled back';

/** The public face of an open transaction (or of a NESTED savepoint inside one). */
export interface Transaction {
  /** The connection this transaction runs on. */
  readonly connection: Connection;
  readonly status: TransactionStatus;
  /** Run after the transaction commits (not after a savepoint is released). */
  onCommit(hook: () => unknown): void;
  /** Run after the transaction (or this NESTED savepoint) rolls back. */
  onRollback(hook: () => unknown): void;
  /** Run after either outcome, with the outcome. */
  onComplete(hook: (outcome: TransactionOutcome) => unknown): void;
  /** Create a savepoint and return its name (generated names never collide). */
  savepoint(name?: string): Promise<string>;
  /** Forget a savepoint (and those made after it), keeping their writes. */
  releaseSavepoint(name: string): Promise<void>;
  /** Undo every write made after the savepoint; the savepoint itself stays, newer ones go. */
  rollbackTo(name: string): Promise<void>;
}

interface Hooks {
  commit: Array<() => unknown>;
  rollback: Array<() => unknown>;
  complete: Array<(outcome: TransactionOutcome) => unknown>;
}

let transactionSequence = 0;

/** One physical transaction: a connection, the session it holds, its savepoints and its state. */
export class ActiveTransaction {
  readonly id = ++transactionSequence;
  status: TransactionStatus = 'active';
  readonly root: TransactionFrame;
  /** The innermost open frame: a new NESTED savepoint must be opened from it. */
  top: TransactionFrame;
  /** Set when this transaction is one branch of a cross-database unit of work. */
  unit?: object;
  /** Savepoint names in the database's stack order (explicit ones and NESTED frames'). */
  private readonly savepoints: string[] = [];
  private savepointSequence = 0;

  constructor(
    readonly connection: Connection,
    readonly session: DriverSession,
    readonly isolation: IsolationLevel | undefined,
    readonly readOnly: boolean,
  ) {
    this.root = new TransactionFrame(this, undefined, undefined);
    this.top = this.root;
  }

  get isActive(): boolean {
    return this.status === 'active';
  }

  /** Fail fast on a transaction that has ended, naming how it ended. */
  assertActive(action: string): void {
    if (this.status !== 'active') {
      throw new TransactionError(`Cannot ${action}: the transaction on connection '${this.connection.name}' has ${describeEnd(this.status)}`, {
        connection: this.connection.name,
      });
    }
  }

  async createSavepoint(name: string | undefined, kind: 'explicit' | 'nested'): Promise<string> {
    this.assertActive('create a savepoint');
    const chosen = name ?? `${kind === 'nested' ? 'ar_nested' : 'ar_sp'}_${this.id}_${++this.savepointSequence}`;
    if (typeof chosen !== 'string' || chosen === '') {
      throw new TransactionError('A savepoint name must be a non-empty string', { connection: this.connection.name });
    }
    if (this.savepoints.includes(chosen)) {
      throw new TransactionError(`Savepoint '${chosen}' already exists on connection '${this.connection.name}'`, {
        connection: this.connection.name,
      });
    }
    await this.run(this.connection.dialect.createSavepoint(chosen));
    this.savepoints.push(chosen);
    return chosen;
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    const index = this.indexOf(name, 'roll back to');
    await this.run(this.connection.dialect.rollbackToSavepoint(name));
    this.savepoints.length = index + 1;
  }

  async releaseSavepoint(name: string): Promise<void> {
    const index = this.indexOf(name, 'release');
    await this.run(this.connection.dialect.releaseSavepoint(name));
    this.savepoints.length = index;
  }

  private indexOf(name: string, action: string): number {
    this.assertActive(`${action} a savepoint`);
    const index = this.savepoints.lastIndexOf(name);
    if (index < 0) {
      const known = this.savepoints.length ? `open savepoints: ${this.savepoints.join(', ')}` : 'no savepoint is open';
      throw new TransactionError(`Cannot ${action} unknown savepoint '${name}' on connection '${this.connection.name}' (${known})`, {
        connection: this.connection.name,
      });
    }
    return index;
  }

  private async run(sql: string | undefined): Promise<void> {
    if (sql) await this.session.execute({ sql, params: [] });
  }
}

/**
 * A level of a transaction: its root, or a NESTED savepoint inside it. Hooks registered while a
 * frame is current belong to it: a released savepoint hands them to its parent, a rolled-back one
 * runs its rollback hooks and drops its commit hooks.
 */
export class TransactionFrame implements Transaction {
  readonly hooks: Hooks = { commit: [], rollback: [], complete: [] };
  /** Set when a joined call failed inside this frame: it must roll back whatever its body says. */
  rollbackOnly?: unknown;

  constructor(
    readonly transaction: ActiveTransaction,
    readonly parent: TransactionFrame | undefined,
    /** The savepoint this frame rolls back to; undefined for the root. */
    readonly savepointName: string | undefined,
  ) {}

  get connection(): Connection {
    return this.transaction.connection;
  }

  get status(): TransactionStatus {
    return this.transaction.status;
  }

  onCommit(hook: () => unknown): void {
    this.transaction.assertActive('register onCommit');
    this.hooks.commit.push(hook);
  }

  onRollback(hook: () => unknown): void {
    this.transaction.assertActive('register onRollback');
    this.hooks.rollback.push(hook);
  }

  onComplete(hook: (outcome: TransactionOutcome) => unknown): void {
    this.transaction.assertActive('register onComplete');
    this.hooks.complete.push(hook);
  }

  savepoint(name?: string): Promise<string> {
    return this.transaction.createSavepoint(name, 'explicit');
  }

  releaseSavepoint(name: string): Promise<void> {
    return this.transaction.releaseSavepoint(name);
  }

  rollbackTo(name: string): Promise<void> {
    return this.transaction.rollbackToSavepoint(name);
  }

  /** A released savepoint's writes now stand or fall with its parent, and so do its hooks. */
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
