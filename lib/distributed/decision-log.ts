import type { DriverSession, Row, RunOptions } from '../backend/storage-backend';
import type { Connection } from '../connection/connection';
import { UniqueConstraintError } from '../errors';
import type { ColumnRef, CompiledQuery, ConditionNode } from '../query/nodes';
import { columnDefinition, type TableDefinition } from '../schema/table-definition';
import { runOutsideTransaction } from '../connection/ambient-scope';
import { ensureTable, forgetTable, isMissingTable, withTable } from './table-guard';

/** What recovery needs to know about one participant of a global transaction. */
export interface ParticipantRecord {
  readonly connection: string;
  readonly gtrid: string;
  readonly bqual: string;
  /** 'prepared': a two-phase branch; 'last-resource': committed locally as the decision. */
  readonly kind: 'prepared' | 'last-resource';
  /** What tells a resolved branch's outcome later (PostgreSQL: its transaction id). */
  readonly evidence?: string;
}

/**
 * `committing`: the decision is commit, phase 2 may be unfinished. `committed`: every branch is
 * done. `aborted`: recovery (or a failed decision) chose rollback; the record keeps a late
 * decision from ever being written under the same id.
 */
export type DecisionState = 'committing' | 'committed' | 'aborted';

export interface DecisionRecord {
  readonly gid: string;
  readonly node: string;
  readonly state: DecisionState;
  readonly participants: readonly ParticipantRecord[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const DECISIONS_TABLE: TableDefinition = {
  name: 'ar_tx_decisions',
  columns: [
    columnDefinition('gid', 'string', { primary: true, length: 100 }),
    columnDefinition('node', 'string', { length: 40 }),
    columnDefinition('state', 'string', { length: 16 }),
    columnDefinition('participants', 'json'),
    columnDefinition('created_at', 'datetime'),
    columnDefinition('updated_at', 'datetime'),
  ],
};

const PREPARED: RunOptions = { prepare: true };

const ref = (name: string): ColumnRef => {
  const found = DECISIONS_TABLE.columns.find((c) => c.name === name)!;
  return { name, type: found.type };
};

/**
 * The durable record of global transactions' outcomes (presumed abort: a prepared branch with
 * no `committing`/`committed` record is rolled back). One table, on any connection, written with
 * the library's own query tree so that every dialect can hold it. Statements run outside any
 * transaction the caller has open on the connection, except where a caller deliberately runs
 * one inside (the last resource writes its decision inside its own commit).
 */
export class DecisionLog {
  constructor(readonly connection: Connection) {}

  /** Create the table if it is missing (once per connection). */
  ensureTable(): Promise<void> {
    return ensureTable(this.connection, DECISIONS_TABLE);
  }

  /** Insert a record on a session of its own, outside whatever the caller has open. */
  insert(record: Omit<DecisionRecord, 'createdAt' | 'updatedAt'>): Promise<void> {
    return this.insertMany([record]);
  }

  /** Insert records in one statement (all or none). */
  async insertMany(records: ReadonlyArray<Omit<DecisionRecord, 'createdAt' | 'updatedAt'>>): Promise<void> {
    const query = this.compileInsert(records);
    const options = records.length === 1 ? PREPARED : undefined;
    await withTable(this.connection, DECISIONS_TABLE, () => this.outside(() => this.connection.runExecute(query, options)));
  }

  /**
   * Insert a record on `session`: inside the transaction open there (a last resource writes its
   * decision inside its own commit), or as a statement of its own on a session the unit holds.
   * A table dropped since it was last seen is created again on that same session, and the
   * insert retried once (SQLite and SQL Server keep a transaction usable after that error).
   */
  async insertOn(session: DriverSession, record: Omit<DecisionRecord, 'createdAt' | 'updatedAt'>): Promise<void> {
    const query = this.compileInsert([record]);
    try {
      await this.connection.runOnSession(session, query, PREPARED);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      forgetTable(this.connection, DECISIONS_TABLE);
      await this.connection.runOnSession(session, { sql: this.connection.dialect.compileCreateTable(DECISIONS_TABLE, { ifNotExists: true }), params: [] });
      await this.connection.runOnSession(session, query, PREPARED);
    }
  }

  /** The INSERT of `records`; one record's is always the same text (worth a prepared statement). */
  compileInsert(records: ReadonlyArray<Omit<DecisionRecord, 'createdAt' | 'updatedAt'>>): CompiledQuery {
    const now = new Date();
    return this.connection.dialect.compile({
      kind: 'insert',
      table: DECISIONS_TABLE.name,
      columns: DECISIONS_TABLE.columns.map((c) => ref(c.name)),
      rows: records.map((record) => [record.gid, record.node, record.state, record.participants, now, now]),
    });
  }

  /** Record "rolled back" for a gid nobody decided; false if a decision already exists. */
  async tombstone(gid: string, node: string, participants: readonly ParticipantRecord[], session?: DriverSession): Promise<boolean> {
    try {
      const record = { gid, node, state: 'aborted' as const, participants };
      await (session ? this.insertOn(session, record) : this.insert(record));
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintError) return false;
      throw error;
    }
  }

  async find(gids: readonly string[]): Promise<Map<string, DecisionRecord>> {
    const found = new Map<string, DecisionRecord>();
    for (let start = 0; start < gids.length; start += 500) {
      const chunk = gids.slice(start, start + 500);
      for (const record of await this.select({ kind: 'in', column: ref('gid'), values: chunk, negated: false })) {
        found.set(record.gid, record);
      }
    }
    return found;
  }

  /** Records of this node in the given states. */
  async withStates(node: string, states: readonly DecisionState[]): Promise<DecisionRecord[]> {
    return this.select({
      kind: 'and',
      items: [
        { kind: 'compare', column: ref('node'), op: '=', value: node },
        { kind: 'in', column: ref('state'), values: states, negated: false },
      ],
    });
  }

  /** committing -> committed, once every branch is done. */
  async markCommitted(gids: readonly string[]): Promise<void> {
    if (gids.length === 0) return;
    const query = this.connection.dialect.compile({
      kind: 'update',
      table: DECISIONS_TABLE.name,
      set: [
        [ref('state'), 'committed'],
        [ref('updated_at'), new Date()],
      ],
      where: {
        kind: 'and',
        items: [
          { kind: 'in', column: ref('gid'), values: gids, negated: false },
          { kind: 'compare', column: ref('state'), op: '=', value: 'committing' },
        ],
      },
    });
    await this.outside(() => this.connection.runExecute(query, gids.length === 1 ? PREPARED : undefined));
  }

  /** Delete finished records (of any node) last touched before `before`. */
  async purge(before: Date): Promise<number> {
    const query = this.connection.dialect.compile({
      kind: 'delete',
      table: DECISIONS_TABLE.name,
      where: {
        kind: 'and',
        items: [
          { kind: 'in', column: ref('state'), values: ['committed', 'aborted'], negated: false },
          { kind: 'compare', column: ref('updated_at'), op: '<', value: before },
        ],
      },
    });
    return (await this.outside(() => this.connection.runExecute(query))).affectedRows;
  }

  private async select(where: ConditionNode): Promise<DecisionRecord[]> {
    const query = this.connection.dialect.compile({
      kind: 'select',
      table: DECISIONS_TABLE.name,
      columns: DECISIONS_TABLE.columns.map((c) => c.name),
      where,
      orderBy: [],
    });
    const rows = await this.outside(() => this.connection.runQuery(query));
    return rows.map((row) => this.read(row));
  }

  private read(row: Row): DecisionRecord {
    const value = (name: string) => this.connection.dialect.fromDriverValue(ref(name).type!, row[name]);
    return {
      gid: value('gid') as string,
      node: value('node') as string,
      state: value('state') as DecisionState,
      participants: value('participants') as ParticipantRecord[],
      createdAt: value('created_at') as Date,
      updatedAt: value('updated_at') as Date,
    };
  }

  private outside<T>(work: () => Promise<T>): Promise<T> {
    return runOutsideTransaction(this.connection, work);
  }
}
