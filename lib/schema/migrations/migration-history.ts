import type { Row } from '../../backend/storage-backend';
import type { Connection } from '../../connection/connection';
import { isMissingTable } from '../../distributed/table-guard';
import { UniqueConstraintError } from '../../errors';
import type { ColumnRef } from '../../query/nodes';
import { runOutsideTransaction } from '../../connection/ambient-scope';
import { columnDefinition, type TableDefinition } from '../table-definition';

/** One row of a connection's migration history. */
export interface HistoryEntry {
  readonly id: string;
  /** The run that applied it: `rollback` without steps undoes a whole batch's worth per connection. */
  readonly batch: number;
  /** `failed`: the migration stopped halfway on a database without transactional DDL. */
  readonly state: 'applied' | 'failed';
  readonly appliedAt: Date;
  readonly durationMs: number;
  /** For a failed migration: its direction, the failed statement and those applied before it. */
  readonly detail?: FailureDetail;
}

export interface FailureDetail {
  readonly direction: 'up' | 'down';
  readonly statement?: string;
  readonly applied: readonly string[];
  readonly error: string;
}

export const HISTORY_TABLE: TableDefinition = {
  name: 'ar_migrations',
  columns: [
    columnDefinition('id', 'string', { primary: true, length: 200 }),
    columnDefinition('batch', 'integer'),
    columnDefinition('state', 'string', { length: 16 }),
    columnDefinition('applied_at', 'datetime'),
    columnDefinition('duration_ms', 'integer'),
    columnDefinition('detail', 'json', { nullable: true }),
  ],
};

const ref = (name: string): ColumnRef => ({ name, type: HISTORY_TABLE.columns.find((c) => c.name === name)!.type });
const COLUMNS = HISTORY_TABLE.columns.map((c) => c.name);

/**
 * The `ar_migrations` table of one connection. Reads and the failure marker run outside any
 * transaction; `record`/`remove` run in the caller's (the migration's own, where DDL is
 * transactional, so the row commits or rolls back with the migration).
 */
export class MigrationHistory {
  constructor(readonly connection: Connection) {}

  async ensureTable(): Promise<void> {
    const sql = this.connection.dialect.compileCreateTable(HISTORY_TABLE, { ifNotExists: true });
    try {
      await this.outside(() => this.connection.execute(sql));
    } catch (error) {
      // Created by another instance at the same moment (PostgreSQL reports the race as a duplicate type).
      if (!(error instanceof UniqueConstraintError)) throw error;
    }
  }

  /** Every entry, oldest first; none when the table does not exist. */
  async entries(inCurrentScope = false): Promise<HistoryEntry[]> {
    const query = this.connection.dialect.compile({ kind: 'select', table: HISTORY_TABLE.name, columns: COLUMNS, orderBy: [{ column: 'id', direction: 'asc' }] });
    try {
      const rows = await (inCurrentScope ? this.connection.runQuery(query) : this.outside(() => this.connection.runQuery(query)));
      return rows.map((row) => this.read(row));
    } catch (error) {
      if (isMissingTable(error)) return [];
      throw error;
    }
  }

  /** The entry of one migration, read in the caller's transaction (under the migration lock). */
  async find(id: string): Promise<HistoryEntry | undefined> {
    const query = this.connection.dialect.compile({
      kind: 'select',
      table: HISTORY_TABLE.name,
      columns: COLUMNS,
      where: { kind: 'compare', column: ref('id'), op: '=', value: id },
      orderBy: [],
    });
    const rows = await this.connection.runQuery(query);
    return rows[0] ? this.read(rows[0]) : undefined;
  }

  async record(entry: HistoryEntry): Promise<void> {
    const query = this.connection.dialect.compile({
      kind: 'insert',
      table: HISTORY_TABLE.name,
      columns: COLUMNS.map(ref),
      rows: [[entry.id, entry.batch, entry.state, entry.appliedAt, entry.durationMs, entry.detail ?? null]],
    });
    await this.connection.runExecute(query);
  }

  async remove(id: string): Promise<void> {
    const query = this.connection.dialect.compile({ kind: 'delete', table: HISTORY_TABLE.name, where: { kind: 'compare', column: ref('id'), op: '=', value: id } });
    await this.connection.runExecute(query);
  }

  /** Mark a migration failed halfway (outside any transaction: it must stay). */
  async markFailed(id: string, batch: number, detail: FailureDetail): Promise<void> {
    await this.outside(async () => {
      await this.remove(id);
      await this.record({ id, batch, state: 'failed', appliedAt: new Date(), durationMs: 0, detail });
    });
  }

  /**
   * Before a migration runs without transactional DDL: if the process dies before it completes,
   * the next run finds this marker and refuses to go on from a schema it cannot vouch for.
   */
  async markInterrupted(id: string, batch: number, direction: 'up' | 'down'): Promise<void> {
    await this.markFailed(id, batch, { direction, applied: [], error: 'interrupted: the process stopped before the migration finished (its statements may be partly applied)' });
  }

  /** Back to applied (a `down` that failed halfway, repaired by hand). */
  async markApplied(id: string): Promise<void> {
    const query = this.connection.dialect.compile({
      kind: 'update',
      table: HISTORY_TABLE.name,
      set: [
        [ref('state'), 'applied'],
        [ref('detail'), null],
      ],
      where: { kind: 'compare', column: ref('id'), op: '=', value: id },
    });
    await this.outside(() => this.connection.runExecute(query));
  }

  async forget(id: string): Promise<void> {
    await this.outside(() => this.remove(id));
  }

  private read(row: Row): HistoryEntry {
    const value = (name: string) => this.connection.dialect.fromDriverValue(ref(name).type!, row[name]);
    const detail = value('detail') as FailureDetail | null;
    return {
      id: value('id') as string,
      batch: value('batch') as number,
      state: value('state') === 'failed' ? 'failed' : 'applied',
      appliedAt: value('applied_at') as Date,
      durationMs: value('duration_ms') as number,
      ...(detail ? { detail } : {}),
    };
  }

  private outside<T>(work: () => Promise<T>): Promise<T> {
    return runOutsideTransaction(this.connection, work);
  }
}
