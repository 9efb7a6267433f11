import type { Row } from '../../backend/storage-backend';
import type { Connection } from '../../connection/connection';
import type { ConditionNode } from '../../query/nodes';
import { runOutsideTransaction } from '../../connection/ambient-scope';
import { ensureTable, withTable } from '../table-guard';
import { columnRef, SAGA_LOG_TABLE } from './saga-tables';

export type SagaState = 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';
export type StepStatus = 'started' | 'done' | 'failed' | 'compensated';

export interface StepRecord {
  /** The registered step's key. */
  readonly key: string;
  status: StepStatus;
  /** What `run` returned, as JSON. */
  result?: unknown;
}

export interface SagaRecord {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  readonly state: SagaState;
  readonly input: unknown;
  readonly steps: StepRecord[];
  readonly leaseUntil: Date;
  readonly updatedAt: Date;
}

const ref = (name: string) => columnRef(SAGA_LOG_TABLE, name);

/**
 * The durable log of sagas: each step is recorded as started before it runs and done after, so
 * a process that dies mid-saga leaves enough for recovery to compensate what was done. Whoever
 * drives a saga holds a lease on its row; recovery takes over only expired leases, with a
 * conditional update, so two processes never drive one saga at once.
 */
export class SagaLog {
  constructor(readonly connection: Connection) {}

  ensureTable(): Promise<void> {
    return ensureTable(this.connection, SAGA_LOG_TABLE);
  }

  async start(record: Omit<SagaRecord, 'updatedAt'>): Promise<void> {
    const now = new Date();
    const query = this.connection.dialect.compile({
      kind: 'insert',
      table: SAGA_LOG_TABLE.name,
      columns: SAGA_LOG_TABLE.columns.map((c) => ref(c.name)),
      rows: [[record.id, record.name, record.node, record.state, record.input ?? null, record.steps, record.leaseUntil, now, now]],
    });
    await withTable(this.connection, SAGA_LOG_TABLE, () => this.outside(() => this.connection.runExecute(query)));
  }

  /** Write the steps and state, renewing the lease; only while `node` holds it. */
  async save(id: string, node: string, state: SagaState, steps: readonly StepRecord[], leaseUntil: Date): Promise<boolean> {
    const query = this.connection.dialect.compile({
      kind: 'update',
      table: SAGA_LOG_TABLE.name,
      set: [
        [ref('state'), state],
        [ref('steps'), steps],
        [ref('lease_until'), leaseUntil],
        [ref('updated_at'), new Date()],
      ],
      where: { kind: 'and', items: [eq('id', id), eq('node', node)] },
    });
    return (await this.outside(() => this.connection.runExecute(query))).affectedRows === 1;
  }

  /**
   * Take over an unfinished saga whose lease has run out: one UPDATE whose condition includes
   * the lease seen, so of two recoverers only one gets the row.
   */
  async claim(record: SagaRecord, node: string, leaseUntil: Date): Promise<boolean> {
    const query = this.connection.dialect.compile({
      kind: 'update',
      table: SAGA_LOG_TABLE.name,
      set: [
        [ref('node'), node],
        [ref('state'), 'compensating'],
        [ref('lease_until'), leaseUntil],
        [ref('updated_at'), new Date()],
      ],
      where: {
        kind: 'and',
        items: [eq('id', record.id), eq('node', record.node), { kind: 'compare', column: ref('lease_until'), op: '=', value: record.leaseUntil }],
      },
    });
    return (await this.outside(() => this.connection.runExecute(query))).affectedRows === 1;
  }

  async load(id: string): Promise<SagaRecord | undefined> {
    const [record] = await this.select(eq('id', id));
    return record;
  }

  /** Sagas not yet finished (and, for recovery, those whose lease has expired). */
  async unfinished(expiredBefore?: Date): Promise<SagaRecord[]> {
    const items: ConditionNode[] = [{ kind: 'in', column: ref('state'), values: ['running', 'compensating'], negated: false }];
    if (expiredBefore) items.push({ kind: 'compare', column: ref('lease_until'), op: '<', value: expiredBefore });
    return this.select({ kind: 'and', items });
  }

  async withState(state: SagaState): Promise<SagaRecord[]> {
    return this.select(eq('state', state));
  }

  async purge(before: Date): Promise<number> {
    const query = this.connection.dialect.compile({
      kind: 'delete',
      table: SAGA_LOG_TABLE.name,
      where: {
        kind: 'and',
        items: [
          { kind: 'in', column: ref('state'), values: ['completed', 'compensated'], negated: false },
          { kind: 'compare', column: ref('updated_at'), op: '<', value: before },
        ],
      },
    });
    return (await this.outside(() => this.connection.runExecute(query))).affectedRows;
  }

  private async select(where: ConditionNode): Promise<SagaRecord[]> {
    const query = this.connection.dialect.compile({
      kind: 'select',
      table: SAGA_LOG_TABLE.name,
      columns: SAGA_LOG_TABLE.columns.map((c) => c.name),
      where,
      orderBy: [{ column: 'created_at', direction: 'asc' }],
    });
    const rows = await this.outside(() => this.connection.runQuery(query));
    return rows.map((row) => this.read(row));
  }

  private read(row: Row): SagaRecord {
    const value = (name: string) => this.connection.dialect.fromDriverValue(ref(name).type, row[name]);
    return {
      id: value('id') as string,
      name: value('name') as string,
      node: value('node') as string,
      state: value('state') as SagaState,
      input: value('input'),
      steps: (value('steps') as StepRecord[] | null) ?? [],
      leaseUntil: value('lease_until') as Date,
      updatedAt: value('updated_at') as Date,
    };
  }

  private outside<T>(work: () => Promise<T>): Promise<T> {
    return runOutsideTransaction(this.connection, work);
  }
}

function eq(name: string, value: unknown): ConditionNode {
  return { kind: 'compare', column: ref(name), op: '=', value };
}
