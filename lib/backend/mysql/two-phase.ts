import { ConfigurationError } from '../../errors';
import type { CompiledQuery } from '../../query/nodes';
import { columnDefinition, type TableDefinition } from '../../schema/table-definition';
import type { DriverSession, StorageBackend } from '../storage-backend';
import type { BeginOptions } from '../transaction-options';
import type { BranchId, BranchOutcome, PreparedBranch, TwoPhaseParticipant } from '../two-phase';

/**
 * One row per branch, inserted inside the branch itself: it exists afterwards exactly when the
 * branch committed. MySQL forgets an XA id once it is resolved, so this is the only way to tell
 * later that a branch was rolled back (by hand) against a commit decision.
 */
const MARKERS: TableDefinition = {
  name: 'ar_xa_markers',
  columns: [columnDefinition('gid', 'string', { primary: true, length: 150 }), columnDefinition('created_at', 'datetime')],
};

/** Marker inserts sent but not yet confirmed, per branch session (see beginBranch). */
const pendingMarkers = new WeakMap<DriverSession, Promise<unknown>>();

/**
 * MySQL / MariaDB as a two-phase commit participant: XA START / END / PREPARE / COMMIT /
 * ROLLBACK and XA RECOVER. A prepared branch must outlive its connection, which MariaDB does
 * since 10.5 (MDEV-742) and MySQL since 5.7.7; older servers are refused. XA statements take no
 * bind parameters, so ids are written as hex literals (X'..'), which cannot carry SQL.
 */
export class MysqlTwoPhase implements TwoPhaseParticipant {
  constructor(private readonly backend: StorageBackend) {}

  async checkReady(): Promise<void> {
    const name = this.backend.context.connectionName;
    const [row] = await this.backend.query(sql('SELECT VERSION() AS version'));
    const version = String(row?.version ?? '');
    const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
    const mariadb = /mariadb/i.test(version);
    const tooOld = mariadb ? major * 100 + minor < 1005 : major * 10000 + minor * 100 + patch < 50707;
    if (tooOld) {
      throw new ConfigurationError(
        `Connection '${name}' runs ${mariadb ? 'MariaDB' : 'MySQL'} ${version}, where a prepared XA transaction does not survive its ` +
          `connection; two-phase commit needs ${mariadb ? 'MariaDB 10.5' : 'MySQL 5.7.7'} or later`,
        { connection: name },
      );
    }
    try {
      await this.backend.query(sql('XA RECOVER'));
    } catch (error) {
      throw new ConfigurationError(
        `Connection '${name}' may not list prepared XA transactions (XA RECOVER failed: ${error instanceof Error ? error.message : String(error)}); ` +
          `recovery needs it: GRANT XA_RECOVER_ADMIN ON *.* TO the connection's user (MySQL 8), or check the user's privileges`,
        { connection: name, cause: error },
      );
    }
    // Even CREATE TABLE IF NOT EXISTS waits for the metadata lock a prepared branch holds on the
    // table (every branch inserts a marker): look first, create only when it is really missing.
    const existing = await this.backend.query({
      sql: 'SELECT 1 AS found FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
      params: [MARKERS.name],
    });
    if (existing.length === 0) await this.backend.execute(sql(this.backend.dialect.compileCreateTable(MARKERS, { ifNotExists: true })));
  }

  /**
   * XA START, then the branch's marker row. The marker is sent without waiting for it: the
   * connection runs commands in order, so it lands inside the branch before anything the unit
   * sends later, and its round trip overlaps the unit's work on the other databases instead of
   * adding one to every unit. `prepareBranch` waits for it, and fails the unit if it failed.
   */
  async beginBranch(session: DriverSession, branch: BranchId, options: BeginOptions): Promise<string | undefined> {
    if (options.isolation) await session.execute(sql(`SET TRANSACTION ISOLATION LEVEL ${options.isolation}`));
    await session.execute(sql(`XA START ${xid(branch)}`));
    const marker = session.execute(
      this.backend.dialect.compile({
        kind: 'insert',
        table: MARKERS.name,
        columns: [
          { name: 'gid', type: 'string' },
          { name: 'created_at', type: 'datetime' },
        ],
        rows: [[markerId(branch), new Date()]],
      }),
    );
    // Observed now (no unhandled rejection); reported by prepareBranch.
    marker.catch(() => undefined);
    pendingMarkers.set(session, marker);
    return 'marker';
  }

  async prepareBranch(session: DriverSession, branch: BranchId): Promise<void> {
    const marker = pendingMarkers.get(session);
    pendingMarkers.delete(session);
    await marker;
    await session.execute(sql(`XA END ${xid(branch)}`));
    await session.execute(sql(`XA PREPARE ${xid(branch)}`));
  }

  async abortBranch(session: DriverSession, branch: BranchId): Promise<void> {
    pendingMarkers.delete(session);
    // XA END fails if the branch already ended; XA ROLLBACK works from either state.
    await session.execute(sql(`XA END ${xid(branch)}`)).catch(() => undefined);
    await session.execute(sql(`XA ROLLBACK ${xid(branch)}`));
  }

  commitPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    return this.finish(`XA COMMIT ${xid(branch)}`, session);
  }

  rollbackPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    return this.finish(`XA ROLLBACK ${xid(branch)}`, session);
  }

  async listPrepared(prefix: string): Promise<PreparedBranch[]> {
    const rows = await this.backend.query(sql('XA RECOVER'));
    return rows.flatMap((row) => {
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(String(row.data), 'latin1');
      const gtridLength = Number(row.gtrid_length);
      const gtrid = data.subarray(0, gtridLength).toString('latin1');
      const bqual = data.subarray(gtridLength, gtridLength + Number(row.bqual_length)).toString('latin1');
      return gtrid.startsWith(prefix) ? [{ branch: { gtrid, bqual } }] : [];
    });
  }

  async outcomeOf(branch: BranchId, evidence: string | undefined): Promise<BranchOutcome> {
    if (evidence !== 'marker') return 'unknown';
    const rows = await this.backend.query(
      this.backend.dialect.compile({
        kind: 'select',
        table: MARKERS.name,
        columns: ['gid'],
        where: { kind: 'compare', column: { name: 'gid', type: 'string' }, op: '=', value: markerId(branch) },
        orderBy: [],
      }),
    );
    return rows.length > 0 ? 'committed' : 'rolled back';
  }

  /**
   * Markers of long-finished branches are no longer needed as evidence. A ranged DELETE would
   * lock every row it scans, including the marker of a branch that is still prepared, and wait
   * for it indefinitely: so read the candidates (a non-locking read) and delete by key only
   * those whose branch is no longer prepared.
   */
  async purgeEvidence(before: Date): Promise<void> {
    const prepared = new Set((await this.listPrepared('')).map(({ branch }) => markerId(branch)));
    const old = await this.backend.query(
      this.backend.dialect.compile({
        kind: 'select',
        table: MARKERS.name,
        columns: ['gid'],
        where: { kind: 'compare', column: { name: 'created_at', type: 'datetime' }, op: '<', value: before },
        orderBy: [],
        limit: 1000,
      }),
    );
    for (const row of old) {
      const gid = String(row.gid);
      if (prepared.has(gid)) continue;
      await this.backend.execute(
        this.backend.dialect.compile({
          kind: 'delete',
          table: MARKERS.name,
          where: { kind: 'compare', column: { name: 'gid', type: 'string' }, op: '=', value: gid },
        }),
      );
    }
  }

  /** XA COMMIT/ROLLBACK of an xid that is not prepared (already resolved) is error 1397, XAER_NOTA. */
  private async finish(statement: string, session?: DriverSession): Promise<'done' | 'unknown'> {
    try {
      if (session) await session.execute(sql(statement));
      else await this.backend.execute(sql(statement));
      return 'done';
    } catch (error) {
      if (errno(error) === 1397) return 'unknown';
      throw error;
    }
  }
}

function sql(text: string): CompiledQuery {
  return { sql: text, params: [] };
}

function xid(branch: BranchId): string {
  const hex = (text: string) => `X'${Buffer.from(text, 'latin1').toString('hex')}'`;
  return `${hex(branch.gtrid)},${hex(branch.bqual)}`;
}

function markerId(branch: BranchId): string {
  return `${branch.gtrid}:${branch.bqual}`;
}

function errno(error: unknown): number | undefined {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const value = (current as { errno?: unknown }).errno;
    if (typeof value === 'number') return value;
  }
  return undefined;
}
