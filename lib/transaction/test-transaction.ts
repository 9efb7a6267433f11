import type { DriverSession, ExecuteResult, Row, RunOptions, StreamOptions } from '../backend/storage-backend';
import { currentScope, type AmbientScope, type SessionBinding } from '../connection/ambient-scope';
import type { Connection } from '../connection/connection';
import type { CompiledQuery } from '../query/nodes';
import { UnitFrame, type Unit } from './unit';

/**
 * A test's transaction (TransactionManager.pin): one unit over every connection of the
 * application, begun before the test and rolled back after it. What the code under test would
 * commit becomes part of it instead:
 * - a transaction the code begins (REQUIRED with none open, REQUIRES_NEW, NESTED, a unit across
 *   databases, a bulk insert's own) is a savepoint level of the innermost level of the test's
 *   transaction in scope: its "commit" releases the savepoint and runs its commit hooks, its
 *   rollback rolls back to it, as the real one would have;
 * - a statement outside any transaction (autocommit, NOT_SUPPORTED) runs in a savepoint of its
 *   own, so that a failing one is undone alone, as in autocommit, and never aborts the test's
 *   transaction (PostgreSQL aborts a whole transaction on any failed statement).
 * This binding serves the second case: the connection consults it where the scope names no
 * transaction (Connection.pinned).
 */
export class PinnedStatements implements SessionBinding {
  private sequence = 0;

  constructor(private readonly unit: Unit) {}

  statementSession(connection: Connection): DriverSession | undefined {
    const branch = this.unit.branchFor(connection);
    if (branch === undefined) return undefined; // not part of the test's transaction: the pool
    this.unit.root.statementSession(connection); // refuses once the test's transaction has rolled back
    return new StatementSavepoint(branch.session, connection, innermostLevel(this.unit, currentScope()), () => `ar_stmt_${this.unit.id}_${++this.sequence}`);
  }

  covers(): boolean {
    return false; // never in scope as a frame: code under test sees no open transaction
  }
}

/** The innermost level of `unit` the running code is inside, else its root. */
export function innermostLevel(unit: Unit, scope: AmbientScope): UnitFrame {
  for (const binding of scope.allBindings()) {
    if (binding instanceof UnitFrame && binding.unit === unit) return binding;
  }
  return unit.root;
}

/**
 * One statement on the test transaction's session, inside a savepoint of its own. Savepoints
 * are a stack per session: the statement takes its turn with the NESTED levels of the level it
 * runs in (the same mutex), so a level's savepoint is never released by a statement's.
 */
class StatementSavepoint implements DriverSession {
  constructor(
    private readonly session: DriverSession,
    private readonly connection: Connection,
    private readonly level: UnitFrame,
    private readonly nextName: () => string,
  ) {}

  query(query: CompiledQuery, options?: RunOptions): Promise<Row[]> {
    return this.inSavepoint(() => this.session.query(query, options));
  }

  execute(query: CompiledQuery, options?: RunOptions): Promise<ExecuteResult> {
    return this.inSavepoint(() => this.session.execute(query, options));
  }

  /** A read, however long its loop body runs: no savepoint (it would hold the turn for the whole loop). */
  stream(query: CompiledQuery, options: StreamOptions): AsyncIterable<Row> {
    return this.session.stream(query, options);
  }

  release(): void {
    // The test's transaction owns the session.
  }

  destroy(): void {
    // The test's transaction owns the session.
  }

  private async inSavepoint<T>(run: () => Promise<T>): Promise<T> {
    const dialect = this.connection.dialect;
    const release = await this.level.children.acquire();
    try {
      const name = this.nextName();
      await this.run(dialect.createSavepoint(name));
      let result: T;
      try {
        result = await run();
      } catch (error) {
        await this.run(dialect.rollbackToSavepoint(name));
        await this.run(dialect.releaseSavepoint(name));
        throw error;
      }
      await this.run(dialect.releaseSavepoint(name));
      return result;
    } finally {
      release();
    }
  }

  private async run(sql: string | undefined): Promise<void> {
    if (sql) await this.session.execute({ sql, params: [] });
  }
}
