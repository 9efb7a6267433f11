import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { SchemaSupport } from '../../backend/schema-support';
import type { Row } from '../../backend/storage-backend';
import type { Connection } from '../../connection/connection';
import { isMissingTable } from '../../distributed/table-guard';
import { TransientError, UniqueConstraintError } from '../../errors';
import type { ColumnRef, CompiledQuery } from '../../query/nodes';
import { runOutsideTransaction } from '../../connection/ambient-scope';
import { columnDefinition, type TableDefinition } from '../table-definition';
import { MigrationError } from './migration-error';
import type { MigrationListener } from './migration-report';

export interface LockSettings {
  /** Give up waiting for another instance after this long. */
  readonly timeoutMs: number;
  /** A lock row not renewed for this long belongs to a dead process and may be taken over. */
  readonly leaseMs: number;
  readonly onEvent?: MigrationListener;
}

/** A migration lock held on one connection. */
export interface HeldLock {
  /** Set when a lock row was taken over by another instance (this one stalled past its lease). */
  readonly lost: boolean;
  release(): Promise<void>;
}

export const LOCK_TABLE: TableDefinition = {
  name: 'ar_migration_lock',
  columns: [
    columnDefinition('id', 'integer', { primary: true }),
    columnDefinition('owner', 'string', { length: 200 }),
    columnDefinition('acquired_at', 'bigint'),
    columnDefinition('expires_at', 'bigint'),
  ],
};

const POLL_MS = 250;

/** Who holds a lock, for messages: host, process and a random suffix (two runs in one process differ). */
export function lockOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Take the migration lock of one connection, waiting while another instance holds it. Two
 * instances that start together thus migrate one after the other, and the second finds the
 * first's migrations recorded. See MigrationLockStrategy for the two kinds.
 */
export function acquireMigrationLock(connection: Connection, support: SchemaSupport, settings: LockSettings): Promise<HeldLock> {
  return support.lock.kind === 'session'
    ? acquireSessionLock(connection, support.lock.tryAcquire, support.lock.release, settings)
    : acquireRowLock(connection, settings);
}

async function acquireSessionLock(connection: Connection, tryAcquire: CompiledQuery, release: CompiledQuery, settings: LockSettings): Promise<HeldLock> {
  const pool = (connection.backend.options as { pool?: { max?: unknown } }).pool;
  if (pool?.max === 1) {
    throw new MigrationError(
      `Connection '${connection.name}' has pool.max 1, and a migration run needs two sessions: one holds the migration lock, ` +
        `the other runs the migrations. Raise pool.max to 2 or more (for the run, at least)`,
      { connection: connection.name, field: `connections.${connection.name}.pool.max` },
    );
  }
  const session = await connection.backend.acquire();
  const deadline = Date.now() + settings.timeoutMs;
  let reported = false;
  try {
    for (;;) {
      const [row] = await session.query(tryAcquire);
      if (truthy(row)) break;
      if (!reported) settings.onEvent?.({ kind: 'lock-wait', connection: connection.name });
      reported = true;
      if (Date.now() >= deadline) throw timeout(connection, settings, 'another instance');
      await sleep(POLL_MS);
    }
  } catch (error) {
    session.release();
    throw error;
  }
  return {
    lost: false,
    release: async () => {
      try {
        await session.query(release);
        session.release();
      } catch {
        // The session is gone, and the server released the lock with it.
        session.destroy();
      }
    },
  };
}

function truthy(row: Row | undefined): boolean {
  if (!row) return false;
  const value = Object.values(row)[0];
  return value === true || value === 1 || value === '1' || value === 1n || value === 't';
}

const ref = (name: string): ColumnRef => ({ name, type: LOCK_TABLE.columns.find((c) => c.name === name)!.type });

/**
 * A row (id 1) in `ar_migration_lock`: inserting it takes the lock (the primary key lets only one
 * insert win), deleting it releases it. The holder renews `expires_at` every third of the lease;
 * a waiter that finds it expired takes it over with a compare-and-set on the old owner, so of
 * two waiters only one succeeds. Times are epoch milliseconds of the instances' clocks, which
 * must agree to within a small part of the lease.
 */
async function acquireRowLock(connection: Connection, settings: LockSettings): Promise<HeldLock> {
  const dialect = connection.dialect;
  const outside = <T>(work: () => Promise<T>) => runOutsideTransaction(connection, work);
  const owner = lockOwner();
  const deadline = Date.now() + settings.timeoutMs;
  let reported = false;
  const wait = async (holder: { owner: string; expiresAt: number } | undefined) => {
    if (!reported) settings.onEvent?.({ kind: 'lock-wait', connection: connection.name, holder: holder?.owner });
    reported = true;
    if (Date.now() >= deadline) {
      throw timeout(connection, settings, holder ? `${holder.owner} (its lease runs until ${new Date(holder.expiresAt).toISOString()})` : 'another instance');
    }
    await sleep(POLL_MS);
  };
  for (;;) {
    // Look before writing: on SQLite a write waits (blocking the thread) while another process
    // writes, and a reader never does.
    let holder: { owner: string; expiresAt: number } | undefined;
    try {
      holder = await readHolder(connection);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      await outside(() => connection.execute(dialect.compileCreateTable(LOCK_TABLE, { ifNotExists: true }))).catch((created: unknown) => {
        if (!(created instanceof UniqueConstraintError)) throw created;
      });
    }
    const now = Date.now();
    if (holder && holder.expiresAt >= now) {
      await wait(holder);
      continue;
    }
    try {
      if (holder) {
        const takeOver = dialect.compile({
          kind: 'update',
          table: LOCK_TABLE.name,
          set: [
            [ref('owner'), owner],
            [ref('acquired_at'), now],
            [ref('expires_at'), now + settings.leaseMs],
          ],
          where: {
            kind: 'and',
            items: [
              { kind: 'compare', column: ref('id'), op: '=', value: 1 },
              { kind: 'compare', column: ref('owner'), op: '=', value: holder.owner },
              { kind: 'compare', column: ref('expires_at'), op: '<', value: now },
            ],
          },
        });
        if ((await outside(() => connection.runExecute(takeOver))).affectedRows === 1) {
          settings.onEvent?.({ kind: 'lock-taken-over', connection: connection.name, previousHolder: holder.owner });
          break;
        }
        continue;
      }
      const insert = dialect.compile({
        kind: 'insert',
        table: LOCK_TABLE.name,
        columns: LOCK_TABLE.columns.map((c) => ref(c.name)),
        rows: [[1, owner, now, now + settings.leaseMs]],
      });
      await outside(() => connection.runExecute(insert));
      break;
    } catch (error) {
      // Someone else took it first (look again), or (SQLite) another process is writing the file.
      if (error instanceof UniqueConstraintError) continue;
      if (!(error instanceof TransientError)) throw error;
      await wait(undefined);
    }
  }
  return new RowLock(connection, owner, settings.leaseMs);
}

async function readHolder(connection: Connection): Promise<{ owner: string; expiresAt: number } | undefined> {
  const select = connection.dialect.compile({
    kind: 'select',
    table: LOCK_TABLE.name,
    columns: ['owner', 'expires_at'],
    where: { kind: 'compare', column: ref('id'), op: '=', value: 1 },
    orderBy: [],
  });
  const [row] = await runOutsideTransaction(connection, () => connection.runQuery(select));
  if (!row) return undefined;
  return { owner: String(row.owner), expiresAt: Number(connection.dialect.fromDriverValue('bigint', row.expires_at)) };
}

class RowLock implements HeldLock {
  lost = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly connection: Connection,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const query = this.connection.dialect.compile({
      kind: 'update',
      table: LOCK_TABLE.name,
      set: [[ref('expires_at'), Date.now() + this.leaseMs]],
      where: this.mine(),
    });
    try {
      const result = await runOutsideTransaction(this.connection, () => this.connection.runExecute(query));
      if (result.affectedRows === 0) this.lost = true;
    } catch {
      // A renewal that fails is retried at the next tick; the lease covers a few of them.
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    const query = this.connection.dialect.compile({ kind: 'delete', table: LOCK_TABLE.name, where: this.mine() });
    await runOutsideTransaction(this.connection, () => this.connection.runExecute(query));
  }

  private mine() {
    return {
      kind: 'and' as const,
      items: [
        { kind: 'compare' as const, column: ref('id'), op: '=' as const, value: 1 },
        { kind: 'compare' as const, column: ref('owner'), op: '=' as const, value: this.owner },
      ],
    };
  }
}

function timeout(connection: Connection, settings: LockSettings, holder: string): MigrationError {
  return new MigrationError(
    `Connection '${connection.name}': the migration lock is held by ${holder}; gave up after ${Math.round(settings.timeoutMs / 1000)} s. ` +
      `Another instance is migrating: wait for it, or raise migrations.lockTimeoutMs. A lock left by a crashed process ` +
      `frees itself (PostgreSQL and MySQL with the session; elsewhere when its lease of ${Math.round(settings.leaseMs / 1000)} s runs out).`,
    { connection: connection.name },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
