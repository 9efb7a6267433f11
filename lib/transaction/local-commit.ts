import type { BeginOptions } from '../backend/transaction-options';
import type { Branch } from './branch';
import type { CommitStrategy, Unit } from './unit';

/**
 * The commit strategy of a unit on one connection: BEGIN, then COMMIT or ROLLBACK. A COMMIT that
 * fails leaves a rolled-back transaction whose error the caller receives; a session whose end
 * failed is in an unknown state and is discarded rather than reused.
 */
export class LocalCommit implements CommitStrategy {
  readonly kind = 'local' as const;

  async admit(): Promise<void> {
    // Any single connection can run a local transaction.
  }

  async beginBranch(_unit: Unit, branch: Branch, options: BeginOptions): Promise<void> {
    await branch.connection.backend.begin(branch.session, options);
  }

  async adoptBranch(): Promise<void> {
    // A local unit's branches are its own.
  }

  async commit(unit: Unit): Promise<void> {
    for (const branch of unit.branches) {
      const backend = branch.connection.backend;
      try {
        await backend.commit(branch.session);
        branch.state = 'ended';
      } catch (error) {
        branch.state = 'ended';
        branch.discard = true;
        try {
          await backend.rollback(branch.session);
        } catch {
          // Discarded below; the database rolls back what a dead session held.
        }
        throw error;
      }
    }
  }

  async rollback(unit: Unit): Promise<void> {
    for (const branch of unit.branches) {
      if (branch.state === 'ended') continue;
      branch.state = 'ended';
      try {
        await branch.connection.backend.rollback(branch.session);
      } catch {
        branch.discard = true;
      }
    }
  }
}

export const localCommit = new LocalCommit();
