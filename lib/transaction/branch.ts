import type { DriverSession } from '../backend/storage-backend';
import type { BranchId } from '../backend/two-phase';
import type { Connection } from '../connection/connection';

/**
 * How a branch finishes: `local` commits on its own (a unit of one connection); `prepared` is a
 * two-phase participant; `last-resource` cannot prepare and commits after all others prepared,
 * its commit being the unit's decision.
 */
export type BranchKind = 'local' | 'prepared' | 'last-resource';

/** `active` until phase 1; `prepared` after it; `ended` once committed, rolled back or given up. */
export type BranchState = 'active' | 'prepared' | 'ended';

/**
 * One physical transaction: a session of one connection, held for the life of the unit it
 * belongs to, and the stack of savepoints open on it (savepoints are stack-ordered per session,
 * which is why the unit serialises NESTED levels).
 */
export class Branch {
  state: BranchState = 'active';
  kind: BranchKind = 'local';
  /** Set when the branch takes part in two-phase commit: its global id and qualifier. */
  id?: BranchId;
  /** What later tells the branch's outcome once it is no longer prepared (PostgreSQL: its transaction id). */
  evidence?: string;
  /** The session's state is unknown (a failed rollback, a broken connection): discard it, never reuse. */
  discard = false;
  private readonly savepoints: string[] = [];
  private released = false;

  constructor(
    readonly connection: Connection,
    readonly session: DriverSession,
    /** Position in the unit, from 1: a two-phase branch's qualifier. */
    readonly index: number,
    /** Gives the session back to the engine that lent it (or discards it). */
    private readonly giveBack: (discard: boolean) => void,
  ) {}

  /**
   * Give the session back now (once; later calls do nothing). The engine does this for every
   * branch when the unit ends; a strategy does it earlier where the session stands in the way,
   * as a last resource's broken session does for reading its decision back on the same database.
   */
  releaseSession(): void {
    if (this.released) return;
    this.released = true;
    this.giveBack(this.discard);
  }

  async createSavepoint(name: string): Promise<void> {
    await this.run(this.connection.dialect.createSavepoint(name));
    this.savepoints.push(name);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    const index = this.savepoints.lastIndexOf(name);
    if (index < 0) return;
    await this.run(this.connection.dialect.rollbackToSavepoint(name));
    this.savepoints.length = index + 1;
  }

  async releaseSavepoint(name: string): Promise<void> {
    const index = this.savepoints.lastIndexOf(name);
    if (index < 0) return;
    await this.run(this.connection.dialect.releaseSavepoint(name));
    this.savepoints.length = index;
  }

  hasSavepoint(name: string): boolean {
    return this.savepoints.includes(name);
  }

  openSavepoints(): readonly string[] {
    return this.savepoints;
  }

  private async run(sql: string | undefined): Promise<void> {
    if (sql) await this.session.execute({ sql, params: [] });
  }
}
