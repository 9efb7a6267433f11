import { ConfigurationError } from '../../errors';
import type { BranchId } from '../two-phase';
import type { OracleXid } from './driver';

/**
 * XA ids for Oracle branches.
 *
 * - The format id is this library's own, so recovery never touches a branch that another
 *   transaction manager (an application server, Atomikos, another ORM) prepared on the same
 *   database, even if its gtrid happened to start with our prefix.
 * - Each branch gets an XA gtrid of its own, `<unit gtrid>:<bqual>`. Oracle couples branches
 *   that share a gtrid in one database tightly (one transaction, prepared as one: all but one
 *   vote read-only, and committing a branch that voted read-only fails and, per Oracle, can
 *   break its sibling). The coordinator treats every participant as an independent branch, as
 *   PostgreSQL and MySQL do, so two connections of one unit to one Oracle database must be two
 *   independent XA transactions too. Recovery maps the XA gtrid back to the unit's.
 */

/** "AR2P" in ASCII. Any positive 32-bit value works; this one is recognisable in DBA views. */
export const ORACLE_XID_FORMAT_ID = 0x41523250;

/** XA's limit for both the gtrid and the bqual, which node-oracledb enforces too (NJS-153/154). */
const MAX_PART_BYTES = 64;

/** What the coordinator produces (global-id.ts): letters, digits, `.`, `-`; `:` is our separator. */
const PART = /^[A-Za-z0-9._-]+$/;
const ORACLE_GTRID = /^([A-Za-z0-9._-]+):([A-Za-z0-9._-]+)$/;

/** The key of a branch: its XA gtrid on Oracle, and its row in the marker table. */
export function branchKey(branch: BranchId): string {
  return `${branch.gtrid}:${branch.bqual}`;
}

/** The xid node-oracledb's tpc* calls take. Buffers, so that the bytes are exactly the id's ASCII. */
export function toOracleXid(branch: BranchId): OracleXid {
  const gtrid = branchKey(branch);
  if (!PART.test(branch.gtrid) || !PART.test(branch.bqual) || gtrid.length > MAX_PART_BYTES) {
    throw new ConfigurationError(
      `Refusing an unexpected branch id ${JSON.stringify(branch)} for an Oracle XA branch: gtrid and bqual must be ` +
        `[A-Za-z0-9._-] and together (joined by ':') at most ${MAX_PART_BYTES} characters`,
    );
  }
  return { formatId: ORACLE_XID_FORMAT_ID, globalTransactionId: Buffer.from(gtrid, 'ascii'), branchQualifier: Buffer.from(branch.bqual, 'ascii') };
}

/** One row of SYS.DBA_PENDING_TRANSACTIONS as the driver returns it (RAW columns are Buffers). */
export interface RecoveredXid {
  readonly formatId: unknown;
  readonly gtrid: unknown;
  readonly bqual: unknown;
}

function text(value: unknown): string | undefined {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return typeof value === 'string' ? value : undefined;
}

/**
 * The branch a recovered xid names, or undefined when it is not one of ours: another format id,
 * or bytes the coordinator never produces. The format id may arrive as a number or, through the
 * backend's fetch type handler (an unconstrained NUMBER), as a string.
 */
export function fromRecoveredXid(row: RecoveredXid): BranchId | undefined {
  if (Number(row.formatId) !== ORACLE_XID_FORMAT_ID) return undefined;
  const match = ORACLE_GTRID.exec(text(row.gtrid) ?? '');
  if (!match || match[0].length > MAX_PART_BYTES || match[2] !== text(row.bqual)) return undefined;
  return { gtrid: match[1]!, bqual: match[2]! };
}

/** The branches among recovered xids whose unit gtrid starts with `prefix` (this node's, for recovery). */
export function recoveredBranches(rows: readonly RecoveredXid[], prefix: string): BranchId[] {
  return rows.flatMap((row) => {
    const branch = fromRecoveredXid(row);
    return branch && branch.gtrid.startsWith(prefix) ? [branch] : [];
  });
}

/**
 * The PL/SQL a DBA runs to make Oracle forget a branch completed by hand (node-oracledb Thin has
 * no tpcForget). Only for messages; the ids were checked to be plain ASCII before this is built.
 */
export function forgetStatement(branch: BranchId): string {
  const xid = toOracleXid(branch);
  const hex = (bytes: string | Buffer) => Buffer.from(bytes).toString('hex').toUpperCase();
  return (
    `DECLARE r PLS_INTEGER; BEGIN r := DBMS_XA.XA_FORGET(DBMS_XA_XID(${ORACLE_XID_FORMAT_ID}, ` +
    `HEXTORAW('${hex(xid.globalTransactionId)}'), HEXTORAW('${hex(xid.branchQualifier)}'))); ` +
    `IF r <> DBMS_XA.XA_OK THEN RAISE_APPLICATION_ERROR(-20000, 'XA_FORGET returned ' || r); END IF; END;`
  );
}
