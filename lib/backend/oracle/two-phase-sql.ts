import type { CompiledQuery } from '../../query/nodes';
import { columnDefinition, type TableDefinition } from '../../schema/table-definition';
import type { Dialect } from '../dialect';
import type { BranchId } from '../two-phase';
import { branchKey, ORACLE_XID_FORMAT_ID } from './xid';

/**
 * The SQL the Oracle two-phase participant sends besides the driver's tpc* calls. Kept apart
 * (and pure) so that the exact text is tested without a server.
 */

/**
 * One row per branch, inserted inside the branch: it exists afterwards exactly when the branch's
 * work committed. Oracle forgets an XA branch once it is committed or rolled back (a branch
 * resolved by another XA client leaves nothing, unlike COMMIT/ROLLBACK FORCE), so this row is
 * what later tells a branch rolled back against a commit decision (MySQL does the same).
 */
export const MARKERS: TableDefinition = {
  name: 'ar_xa_markers',
  columns: [columnDefinition('gid', 'string', { primary: true, length: 150 }), columnDefinition('created_at', 'datetime')],
};

const GID = { name: 'gid', type: 'string' } as const;
const CREATED_AT = { name: 'created_at', type: 'datetime' } as const;

function plain(sql: string, params: readonly unknown[] = []): CompiledQuery {
  return { sql, params };
}

/**
 * Our prepared branches, as recovery lists them: the view node-oracledb's tpcRecover() reads,
 * narrowed to our format id on the server. RAW columns arrive as Buffers.
 */
export function pendingBranchesQuery(): CompiledQuery {
  return plain(
    'SELECT formatid AS "formatId", globalid AS "gtrid", branchid AS "bqual" FROM SYS.DBA_PENDING_TRANSACTIONS WHERE formatid = :1',
    [ORACLE_XID_FORMAT_ID],
  );
}

/** The signed-in user, for GRANT statements in messages. */
export const SESSION_USER_SQL = plain(`SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') AS "user" FROM DUAL`);

/** Which of the two privileges that resolve in-doubt branches this session holds (roles included). */
export const FORCE_PRIVILEGES_SQL = plain(
  `SELECT privilege AS "privilege" FROM SESSION_PRIVS WHERE privilege IN ('FORCE TRANSACTION', 'FORCE ANY TRANSACTION')`,
);

/** Whether the marker table exists where unqualified names resolve (CURRENT_SCHEMA). */
export function markerTableExistsQuery(): CompiledQuery {
  return plain(`SELECT 1 AS "found" FROM ALL_TABLES WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = :1`, [MARKERS.name]);
}

/**
 * node-oracledb's tpcBegin takes no isolation flag (OCI's OCI_TRANS_SERIALIZABLE has no Thin
 * equivalent), so a SERIALIZABLE branch is asked for as the session's level (ALTER SESSION SET
 * ISOLATION_LEVEL) before the branch starts, and set back once the branch has ended.
 */
export const SET_SERIALIZABLE = plain('ALTER SESSION SET ISOLATION_LEVEL = SERIALIZABLE');
export const RESET_ISOLATION = plain('ALTER SESSION SET ISOLATION_LEVEL = READ COMMITTED');

export function markerInsert(dialect: Dialect, branch: BranchId, now: Date): CompiledQuery {
  return dialect.compile({ kind: 'insert', table: MARKERS.name, columns: [GID, CREATED_AT], rows: [[branchKey(branch), now]] });
}

export function markerLookup(dialect: Dialect, branch: BranchId): CompiledQuery {
  return dialect.compile({
    kind: 'select',
    table: MARKERS.name,
    columns: [GID.name],
    where: { kind: 'compare', column: GID, op: '=', value: branchKey(branch) },
    orderBy: [],
  });
}

/** At most `limit` markers older than `before` (candidates for the purge). */
export function oldMarkers(dialect: Dialect, before: Date, limit: number): CompiledQuery {
  return dialect.compile({
    kind: 'select',
    table: MARKERS.name,
    columns: [GID.name],
    where: { kind: 'compare', column: CREATED_AT, op: '<', value: before },
    orderBy: [],
    limit,
  });
}

export function markerDelete(dialect: Dialect, gid: string): CompiledQuery {
  return dialect.compile({ kind: 'delete', table: MARKERS.name, where: { kind: 'compare', column: GID, op: '=', value: gid } });
}

/**
 * What `checkReady` found missing, as one message that says what to grant, or undefined when
 * nothing is. Recovery lists prepared branches from SYS.DBA_PENDING_TRANSACTIONS (the view
 * tpcRecover reads) and commits or rolls them back from a session that did not prepare them.
 */
export function privilegeProblem(
  connection: string,
  user: string,
  found: { readonly pendingViewError?: string; readonly forcePrivileges: readonly string[] },
): string | undefined {
  const grants: string[] = [];
  const reasons: string[] = [];
  if (found.pendingViewError !== undefined) {
    grants.push(`GRANT SELECT ON SYS.DBA_PENDING_TRANSACTIONS TO "${user}";`);
    reasons.push(`it cannot read SYS.DBA_PENDING_TRANSACTIONS, where recovery finds prepared branches (${found.pendingViewError})`);
  }
  if (found.forcePrivileges.length === 0) {
    grants.push(`GRANT FORCE ANY TRANSACTION TO "${user}";`);
    reasons.push(
      'it holds neither FORCE TRANSACTION nor FORCE ANY TRANSACTION, the privileges that let a session commit or roll back in-doubt transactions, as recovery does after a crash',
    );
  }
  if (grants.length === 0) return undefined;
  return (
    `Oracle connection '${connection}' (user ${user}) cannot take part in two-phase commit: ${reasons.join('; and ')}. ` +
    `As a DBA, run: ${grants.join(' ')}` +
    (found.forcePrivileges.length === 0
      ? ` (FORCE TRANSACTION instead is enough when every connection to this database signs in as ${user}; ` +
        `FORCE ANY TRANSACTION is needed when another connection, as another user, may resolve this user's branches)`
      : '')
  );
}
