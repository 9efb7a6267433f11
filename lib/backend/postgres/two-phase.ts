import { ConfigurationError } from '../../errors';
import type { CompiledQuery } from '../../query/nodes';
import type { DriverSession, StorageBackend } from '../storage-backend';
import type { BeginOptions } from '../transaction-options';
import type { BranchId, BranchOutcome, PreparedBranch, TwoPhaseParticipant } from '../two-phase';

/** gid characters the coordinator produces; checked so that a gid can be written as a literal. */
const SAFE_GID = /^[A-Za-z0-9.:-]{1,199}$/;

/**
 * PostgreSQL as a two-phase commit participant: PREPARE TRANSACTION / COMMIT PREPARED /
 * ROLLBACK PREPARED, recovery through pg_prepared_xacts, and the branch's transaction id as
 * evidence (txid_status tells afterwards whether it committed). These statements take no bind
 * parameters, so the gid is written as a literal, after checking it holds only [A-Za-z0-9.:-].
 */
export class PostgresTwoPhase implements TwoPhaseParticipant {
  constructor(private readonly backend: StorageBackend) {}

  async checkReady(): Promise<void> {
    const [row] = await this.backend.query(sql('SHOW max_prepared_transactions'));
    const setting = Number(row?.max_prepared_transactions ?? 0);
    if (setting > 0) return;
    throw new ConfigurationError(
      `PostgreSQL connection '${this.backend.context.connectionName}' has max_prepared_transactions = 0, so it cannot prepare ` +
        `transactions for two-phase commit. Set it above 0 and restart PostgreSQL: ` +
        `ALTER SYSTEM SET max_prepared_transactions = 64; (or max_prepared_transactions = 64 in postgresql.conf)`,
      { connection: this.backend.context.connectionName, field: 'max_prepared_transactions' },
    );
  }

  /**
   * BEGIN and the evidence in one round trip: a parameterless string goes by pg's simple
   * protocol, which runs both statements and leaves the explicit transaction open.
   */
  async beginBranch(session: DriverSession, _branch: BranchId, options: BeginOptions): Promise<string | undefined> {
    const begin = this.backend.dialect.beginTransaction(options);
    const [row] = await session.query(sql([...begin, 'SELECT txid_current()::text AS xid'].join('; ')));
    return row?.xid === undefined ? undefined : String(row.xid);
  }

  /** PostgreSQL can prepare any open transaction: only its id is needed as evidence. */
  async adoptBranch(session: DriverSession): Promise<string | undefined> {
    const [row] = await session.query(sql('SELECT txid_current()::text AS xid'));
    return row?.xid === undefined ? undefined : String(row.xid);
  }

  async prepareBranch(session: DriverSession, branch: BranchId): Promise<void> {
    await session.execute(sql(`PREPARE TRANSACTION ${literal(branch)}`));
  }

  async abortBranch(session: DriverSession): Promise<void> {
    await session.execute(sql('ROLLBACK'));
  }

  commitPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    return this.finish(`COMMIT PREPARED ${literal(branch)}`, session);
  }

  rollbackPrepared(branch: BranchId, session?: DriverSession): Promise<'done' | 'unknown'> {
    return this.finish(`ROLLBACK PREPARED ${literal(branch)}`, session);
  }

  async listPrepared(prefix: string): Promise<PreparedBranch[]> {
    const rows = await this.backend.query({
      sql: 'SELECT gid, prepared FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1)',
      params: [prefix],
    });
    return rows.flatMap((row) => {
      const branch = parseGid(String(row.gid));
      return branch ? [{ branch, preparedAt: row.prepared instanceof Date ? row.prepared : undefined }] : [];
    });
  }

  async outcomeOf(_branch: BranchId, evidence: string | undefined): Promise<BranchOutcome> {
    if (evidence === undefined || !/^\d+$/.test(evidence)) return 'unknown';
    const [row] = await this.backend.query({ sql: 'SELECT txid_status($1::bigint) AS status', params: [evidence] });
    if (row?.status === 'committed') return 'committed';
    if (row?.status === 'aborted') return 'rolled back';
    return 'unknown';
  }

  /** COMMIT/ROLLBACK PREPARED of a gid that is not prepared (already resolved) is SQLSTATE 42704. */
  private async finish(statement: string, session?: DriverSession): Promise<'done' | 'unknown'> {
    try {
      if (session) await session.execute(sql(statement));
      else await this.backend.execute(sql(statement));
      return 'done';
    } catch (error) {
      if (sqlState(error) === '42704') return 'unknown';
      throw error;
    }
  }
}

function sql(text: string): CompiledQuery {
  return { sql: text, params: [] };
}

function literal(branch: BranchId): string {
  const gid = `${branch.gtrid}:${branch.bqual}`;
  if (!SAFE_GID.test(gid)) throw new ConfigurationError(`Refusing an unexpected transaction id '${gid}'`);
  return `'${gid}'`;
}

function parseGid(gid: string): BranchId | undefined {
  const at = gid.lastIndexOf(':');
  return at > 0 ? { gtrid: gid.slice(0, at), bqual: gid.slice(at + 1) } : undefined;
}

function sqlState(error: unknown): string | undefined {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
