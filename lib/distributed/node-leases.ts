import type { Connection } from '../connection/connection';
import type { ColumnRef, ConditionNode } from '../query/nodes';
import { columnDefinition, type TableDefinition } from '../schema/table-definition';
import { runOutsideTransaction } from '../connection/ambient-scope';
import { UniqueConstraintError } from '../errors';
import { isMissingTable, withTable } from './table-guard';

/**
 * One row per running coordinator (node): how long its lease lasts, and which survivor, if any,
 * has claimed its work after the lease expired.
 */
export const NODES_TABLE: TableDefinition = {
  name: 'ar_tx_nodes',
  columns: [
    columnDefinition('node', 'string', { primary: true, length: 40 }),
    columnDefinition('lease_until', 'datetime'),
    columnDefinition('claimed_by', 'string', { length: 40, nullable: true }),
    columnDefinition('claim_until', 'datetime', { nullable: true }),
    columnDefinition('updated_at', 'datetime'),
  ],
};

const ref = (name: string): ColumnRef => ({ name, type: NODES_TABLE.columns.find((column) => column.name === name)!.type });
const eq = (name: string, value: unknown): ConditionNode => ({ kind: 'compare', column: ref(name), op: '=', value });
const before = (name: string, value: Date): ConditionNode => ({ kind: 'compare', column: ref(name), op: '<', value });
const isNull = (name: string): ConditionNode => ({ kind: 'null', column: ref(name), negated: false });

/** A node whose lease expired, as this node found it. */
export interface ExpiredNode {
  readonly node: string;
  readonly leaseUntil: Date;
}

/**
 * Node leases in the decision log's database. Every running coordinator renews its lease
 * (`coordinator.nodeLeaseMs`); recovery on any node claims the nodes whose lease expired — one
 * conditional UPDATE each, so of two survivors only one works on a dead node — and settles their
 * branches, decisions and sagas. A node that restarts under its old id renews its lease and
 * clears any claim: it takes its own work back. Leases compare the clocks of the nodes that write
 * and read them; see docs/distributed-transactions.md on choosing node ids and on clock skew.
 */
export class NodeLeases {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly connection: () => Connection,
    readonly node: string,
    private readonly leaseMs: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Take the lease (again) and renew it every third of its length until `stop()`. */
  async start(): Promise<void> {
    await this.renew();
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.renew().catch((error: unknown) => this.warn(`Could not renew the lease of node '${this.node}': ${error instanceof Error ? error.message : String(error)}`));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    // Never the reason a process stays up.
    this.timer.unref();
  }

  /** Stop renewing and let the lease lapse at once: survivors may settle what is left. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.update([[ref('lease_until'), new Date()]], eq('node', this.node)).catch(() => undefined);
  }

  /** Renew this node's lease, clearing any claim on it (a node back under its old id takes its work back). */
  async renew(): Promise<void> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.leaseMs);
    await withTable(this.connection(), NODES_TABLE, async () => {
      const updated = await this.update(
        [
          [ref('lease_until'), lease],
          [ref('claimed_by'), null],
          [ref('claim_until'), null],
        ],
        eq('node', this.node),
      );
      if (updated > 0) return;
      try {
        await this.run({
          kind: 'insert',
          table: NODES_TABLE.name,
          columns: NODES_TABLE.columns.map((column) => ref(column.name)),
          rows: [[this.node, lease, null, null, now]],
        });
      } catch (error) {
        // Inserted meanwhile by this node's other process (same id): renewing it is enough.
        if (!(error instanceof UniqueConstraintError)) throw error;
        await this.update([[ref('lease_until'), lease]], eq('node', this.node));
      }
    });
  }

  /**
   * Claim every other node whose lease has expired and whom no survivor holds a live claim on.
   * Each claim is one conditional UPDATE on the lease seen: only one survivor gets each node.
   */
  async claimExpired(): Promise<ExpiredNode[]> {
    const connection = this.connection();
    const now = new Date();
    // No table: no node ever held a lease here (recovery must not create it in every database).
    const rows = await runOutsideTransaction(connection, () =>
      connection.runQuery(
        connection.dialect.compile({
          kind: 'select',
          table: NODES_TABLE.name,
          columns: ['node', 'lease_until'],
          where: { kind: 'and', items: [before('lease_until', now), { kind: 'not', item: eq('node', this.node) }] },
          orderBy: [{ column: 'node', direction: 'asc' }],
        }),
      ),
    ).catch((error: unknown) => {
      if (isMissingTable(error)) return [];
      throw error;
    });
    const claimed: ExpiredNode[] = [];
    for (const row of rows) {
      const node = connection.dialect.fromDriverValue('string', row.node) as string;
      const leaseUntil = connection.dialect.fromDriverValue('datetime', row.lease_until) as Date;
      const unclaimed: ConditionNode = { kind: 'or', items: [isNull('claimed_by'), before('claim_until', now)] };
      const taken = await this.update(
        [
          [ref('claimed_by'), this.node],
          [ref('claim_until'), new Date(now.getTime() + this.leaseMs)],
        ],
        { kind: 'and', items: [eq('node', node), eq('lease_until', leaseUntil), unclaimed] },
      );
      if (taken === 1) claimed.push({ node, leaseUntil });
    }
    return claimed;
  }

  /**
   * Done with a dead node: forget it when nothing of it is left (unless it came back meanwhile),
   * else give the claim up so that the next recovery tries again.
   */
  async release(dead: ExpiredNode, settled: boolean): Promise<void> {
    const mine: ConditionNode = { kind: 'and', items: [eq('node', dead.node), eq('claimed_by', this.node), eq('lease_until', dead.leaseUntil)] };
    if (settled) {
      await this.run({ kind: 'delete', table: NODES_TABLE.name, where: mine });
    } else {
      await this.update([[ref('claim_until'), new Date()]], mine);
    }
  }

  /** Every node's lease, for an operator's view. */
  async list(): Promise<Array<{ node: string; leaseUntil: Date; claimedBy: string | null }>> {
    const connection = this.connection();
    const rows = await runOutsideTransaction(connection, () =>
      connection.runQuery(
        connection.dialect.compile({ kind: 'select', table: NODES_TABLE.name, columns: ['node', 'lease_until', 'claimed_by'], orderBy: [{ column: 'node', direction: 'asc' }] }),
      ),
    );
    return rows.map((row) => ({
      node: connection.dialect.fromDriverValue('string', row.node) as string,
      leaseUntil: connection.dialect.fromDriverValue('datetime', row.lease_until) as Date,
      claimedBy: (row.claimed_by === null || row.claimed_by === undefined ? null : connection.dialect.fromDriverValue('string', row.claimed_by)) as string | null,
    }));
  }

  private async update(set: Array<readonly [ColumnRef, unknown]>, where: ConditionNode): Promise<number> {
    const result = await this.run({ kind: 'update', table: NODES_TABLE.name, set: [...set, [ref('updated_at'), new Date()]], where });
    return result.affectedRows;
  }

  private run(node: Parameters<Connection['dialect']['compile']>[0]) {
    const connection = this.connection();
    return runOutsideTransaction(connection, () => connection.runExecute(connection.dialect.compile(node)));
  }
}
