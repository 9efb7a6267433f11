import { ConfigurationError, HeuristicCompletionError, QueryError } from 'nestjs-activerecord';
import { OracleBackend } from '../../lib/backend/oracle/backend';
import { OracleTypedValue } from '../../lib/backend/oracle/compiled';
import { OracleDialect } from '../../lib/backend/oracle/dialect';
import { translateOracleError } from '../../lib/backend/oracle/errors';
import { classifyTpcFailure, finishFailure, heuristicError, tpcErrorCode } from '../../lib/backend/oracle/tpc-errors';
import { OracleTwoPhase } from '../../lib/backend/oracle/two-phase';
import {
  FORCE_PRIVILEGES_SQL,
  MARKERS,
  markerDelete,
  markerInsert,
  markerLookup,
  markerTableExistsQuery,
  oldMarkers,
  pendingBranchesQuery,
  privilegeProblem,
  RESET_ISOLATION,
  SESSION_USER_SQL,
  SET_SERIALIZABLE,
} from '../../lib/backend/oracle/two-phase-sql';
import { branchKey, forgetStatement, fromRecoveredXid, ORACLE_XID_FORMAT_ID, recoveredBranches, toOracleXid } from '../../lib/backend/oracle/xid';
import { branchOf, newGlobalId, nodePrefix } from '../../lib/distributed/global-id';

// Only the pure parts of the Oracle participant are tested here: no driver object stands in for
// a database. The participant's calls against a server are covered by
// test/distributed/oracle-two-phase.spec.ts, which runs when ORACLE_URL is set.

const oracleError = (code: string, message = 'details') => Object.assign(new Error(`${code}: ${message}`), { code });

describe('Oracle XA ids', () => {
  it('uses one fixed format id, "AR2P" in ASCII', () => {
    expect(ORACLE_XID_FORMAT_ID).toBe(0x41523250);
    expect(Buffer.from(ORACLE_XID_FORMAT_ID.toString(16), 'hex').toString('ascii')).toBe('AR2P');
  });

  it('gives each branch an XA gtrid of its own (unit gtrid:bqual), within XA limits even for the longest node id', () => {
    const branch = branchOf(newGlobalId('n'.repeat(24)), 12);
    const xid = toOracleXid(branch);
    expect(xid.formatId).toBe(ORACLE_XID_FORMAT_ID);
    expect(Buffer.isBuffer(xid.globalTransactionId) && Buffer.isBuffer(xid.branchQualifier)).toBe(true);
    expect(xid.globalTransactionId.toString()).toBe(`${branch.gtrid}:12`);
    expect(xid.branchQualifier.toString()).toBe('12');
    expect(xid.globalTransactionId.length).toBeLessThanOrEqual(64);
    // Two branches of one unit are two XA transactions to Oracle, never tightly coupled siblings.
    expect(toOracleXid(branchOf(branch.gtrid, 1)).globalTransactionId).not.toEqual(toOracleXid(branchOf(branch.gtrid, 2)).globalTransactionId);
  });

  it.each([
    [{ gtrid: '', bqual: '1' }],
    [{ gtrid: 'x'.repeat(63), bqual: '1' }], // 65 bytes once joined
    [{ gtrid: "ar.n.1-'; DROP", bqual: '1' }],
    [{ gtrid: 'ar.n.1:2', bqual: '1' }], // ':' is the separator
    [{ gtrid: 'ar.ñ.1', bqual: '1' }],
    [{ gtrid: 'ar.n.1', bqual: '' }],
  ])('refuses an id the coordinator never makes: %j', (branch) => {
    expect(() => toOracleXid(branch)).toThrow(ConfigurationError);
  });

  it('decodes a recovered xid back to the same branch (Buffers, strings, format id as text)', () => {
    const branch = branchOf(newGlobalId('node-1'), 3);
    const xid = toOracleXid(branch);
    expect(fromRecoveredXid({ formatId: xid.formatId, gtrid: xid.globalTransactionId, bqual: xid.branchQualifier })).toEqual(branch);
    expect(fromRecoveredXid({ formatId: String(ORACLE_XID_FORMAT_ID), gtrid: `${branch.gtrid}:3`, bqual: '3' })).toEqual(branch);
    // The gtrid's suffix must be the bqual, else it is not an id we made.
    expect(fromRecoveredXid({ formatId: ORACLE_XID_FORMAT_ID, gtrid: `${branch.gtrid}:3`, bqual: '4' })).toBeUndefined();
    expect(fromRecoveredXid({ formatId: ORACLE_XID_FORMAT_ID, gtrid: branch.gtrid, bqual: '3' })).toBeUndefined();
  });

  it("keeps only this node's branches with our format id and sane bytes", () => {
    const mine = branchOf(newGlobalId('node-1'), 1);
    const otherNode = branchOf(newGlobalId('node-10'), 2); // 'ar.node-1' is a prefix of it, 'ar.node-1.' is not
    const row = (branch: { gtrid: string; bqual: string }, formatId: unknown = ORACLE_XID_FORMAT_ID) => {
      const xid = toOracleXid(branch);
      return { formatId, gtrid: xid.globalTransactionId, bqual: xid.branchQualifier };
    };
    const rows = [
      row(mine),
      row(otherNode),
      row(mine, 4660), // another transaction manager's format id
      { formatId: ORACLE_XID_FORMAT_ID, gtrid: Buffer.from([0x61, 0x72, 0x2e, 0xff, 0x3a, 0x31]), bqual: Buffer.from('1') },
      { formatId: ORACLE_XID_FORMAT_ID, gtrid: null, bqual: Buffer.from('1') },
    ];
    expect(recoveredBranches(rows, nodePrefix('node-1'))).toEqual([mine]);
    expect(recoveredBranches(rows, '')).toEqual([mine, otherNode]);
  });

  it('names a branch gtrid:bqual, and gives a DBA the exact forget call', () => {
    const branch = { gtrid: 'ar.n.1-ab', bqual: '2' };
    expect(branchKey(branch)).toBe('ar.n.1-ab:2');
    expect(forgetStatement(branch)).toBe(
      "DECLARE r PLS_INTEGER; BEGIN r := DBMS_XA.XA_FORGET(DBMS_XA_XID(1095905872, HEXTORAW('61722E6E2E312D61623A32'), HEXTORAW('32'))); " +
        "IF r <> DBMS_XA.XA_OK THEN RAISE_APPLICATION_ERROR(-20000, 'XA_FORGET returned ' || r); END IF; END;",
    );
  });
});

describe('Oracle XA error classification', () => {
  it.each([
    ['ORA-24756', 'not-found'],
    ['ORA-24761', 'rolled-back'],
    ['ORA-24764', 'heuristic-commit'],
    ['ORA-24765', 'heuristic-rollback'],
    ['ORA-24766', 'heuristic-mixed'],
    ['ORA-24763', undefined], // cannot be completed now: an ordinary failure, tried again later
    ['ORA-00942', undefined],
    ['NJS-500', undefined],
  ])('%s -> %s', (code, expected) => {
    expect(classifyTpcFailure(oracleError(code))).toBe(expected);
  });

  it('finds the code on the driver error, in its message, or under the library error that wraps it', () => {
    expect(tpcErrorCode(new Error('ORA-24756: transaction does not exist'))).toBe('ORA-24756');
    const wrapped = translateOracleError(oracleError('ORA-24765'), 'erp', 'tpcCommit');
    expect(wrapped).toBeInstanceOf(QueryError);
    expect(classifyTpcFailure(wrapped)).toBe('heuristic-rollback');
    expect(classifyTpcFailure(new Error('something else'))).toBeUndefined();
  });

  it('turns failures of commit / rollback into what the coordinator expects', () => {
    expect(finishFailure('commit', 'not-found')).toBe('unknown');
    expect(finishFailure('rollback', 'not-found')).toBe('unknown');
    expect(finishFailure('rollback', 'rolled-back')).toBe('done');
    expect(finishFailure('commit', 'rolled-back')).toBe('heuristic');
    for (const failure of ['heuristic-commit', 'heuristic-rollback', 'heuristic-mixed'] as const) {
      expect(finishFailure('commit', failure)).toBe('heuristic');
      expect(finishFailure('rollback', failure)).toBe('heuristic');
    }
    expect(finishFailure('commit', undefined)).toBeUndefined();
  });

  it('reports a hand-completed branch as a HeuristicCompletionError that says what to do', () => {
    const branch = { gtrid: 'ar.n.1-ab', bqual: '2' };
    const cause = oracleError('ORA-24765');
    const against = heuristicError('erp', branch, 'commit', 'heuristic-rollback', cause);
    expect(against).toBeInstanceOf(HeuristicCompletionError);
    expect(against.connection).toBe('erp');
    expect(against.cause).toBe(cause);
    expect(against.message).toContain("Branch 2 of transaction ar.n.1-ab on Oracle connection 'erp' was rolled back by hand (ORA-24765");
    expect(against.message).toContain('the databases may disagree and a human must look');
    expect(against.message).toContain(forgetStatement(branch));

    const agreeing = heuristicError('erp', branch, 'commit', 'heuristic-commit', cause);
    expect(agreeing.message).toContain('the outcome is the decided one');
    expect(agreeing.message).toContain('DBMS_XA.XA_FORGET');

    const rolledBack = heuristicError('erp', branch, 'commit', 'rolled-back', cause);
    expect(rolledBack.message).toContain('was rolled back by Oracle (ORA-24761)');
    expect(rolledBack.message).not.toContain('XA_FORGET');
  });
});

describe('Oracle two-phase SQL', () => {
  const dialect = new OracleDialect();
  const branch = { gtrid: 'ar.n.1-ab', bqual: '2' };

  it('lists our pending branches from the view tpcRecover reads, filtered by format id on the server', () => {
    expect(pendingBranchesQuery()).toEqual({
      sql: 'SELECT formatid AS "formatId", globalid AS "gtrid", branchid AS "bqual" FROM SYS.DBA_PENDING_TRANSACTIONS WHERE formatid = :1',
      params: [ORACLE_XID_FORMAT_ID],
    });
  });

  it('checks the user and its FORCE privileges, and finds the marker table in the current schema', () => {
    expect(SESSION_USER_SQL.sql).toBe(`SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') AS "user" FROM DUAL`);
    expect(FORCE_PRIVILEGES_SQL.sql).toBe(
      `SELECT privilege AS "privilege" FROM SESSION_PRIVS WHERE privilege IN ('FORCE TRANSACTION', 'FORCE ANY TRANSACTION')`,
    );
    expect(markerTableExistsQuery()).toEqual({
      sql: `SELECT 1 AS "found" FROM ALL_TABLES WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = :1`,
      params: ['ar_xa_markers'],
    });
  });

  it('switches a SERIALIZABLE branch through the session and back', () => {
    expect(SET_SERIALIZABLE.sql).toBe('ALTER SESSION SET ISOLATION_LEVEL = SERIALIZABLE');
    expect(RESET_ISOLATION.sql).toBe('ALTER SESSION SET ISOLATION_LEVEL = READ COMMITTED');
  });

  it('creates the marker table only if it is missing', () => {
    expect(dialect.compileCreateTable(MARKERS, { ifNotExists: true })).toBe(
      'BEGIN\n  EXECUTE IMMEDIATE \'CREATE TABLE "ar_xa_markers" (\n  "gid" VARCHAR2(150 CHAR) PRIMARY KEY,\n  "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL\n)\';\n' +
        'EXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN RAISE; END IF;\nEND;',
    );
  });

  it('writes, reads and purges markers with bind parameters only', () => {
    const now = new Date('2030-01-02T03:04:05.006Z');
    const insert = markerInsert(dialect, branch, now);
    expect(insert.sql).toBe('INSERT INTO "ar_xa_markers" ("gid", "created_at") VALUES (:1, :2)');
    expect(insert.params).toEqual(['ar.n.1-ab:2', new OracleTypedValue('TIMESTAMP_TZ', now)]);
    expect(markerLookup(dialect, branch)).toEqual({ sql: 'SELECT "gid" FROM "ar_xa_markers" WHERE "gid" = :1', params: ['ar.n.1-ab:2'] });
    const old = oldMarkers(dialect, now, 1000);
    expect(old.sql).toBe('SELECT "gid" FROM "ar_xa_markers" WHERE "created_at" < :1 FETCH NEXT :2 ROWS ONLY');
    expect(old.params).toEqual([new OracleTypedValue('TIMESTAMP_TZ', now), 1000]);
    expect(markerDelete(dialect, 'ar.n.1-ab:2')).toEqual({ sql: 'DELETE FROM "ar_xa_markers" WHERE "gid" = :1', params: ['ar.n.1-ab:2'] });
  });
});

describe('Oracle two-phase readiness', () => {
  it('passes when the pending view is readable and a FORCE privilege is held', () => {
    expect(privilegeProblem('erp', 'APP', { forcePrivileges: ['FORCE TRANSACTION'] })).toBeUndefined();
    expect(privilegeProblem('erp', 'APP', { forcePrivileges: ['FORCE ANY TRANSACTION'] })).toBeUndefined();
  });

  it('says exactly what to grant, naming the connection and the user', () => {
    const both = privilegeProblem('erp', 'APP', { pendingViewError: 'ORA-00942: table or view does not exist', forcePrivileges: [] })!;
    expect(both).toMatch(/^Oracle connection 'erp' \(user APP\) cannot take part in two-phase commit: /);
    expect(both).toContain('(ORA-00942: table or view does not exist)');
    expect(both).toContain('As a DBA, run: GRANT SELECT ON SYS.DBA_PENDING_TRANSACTIONS TO "APP"; GRANT FORCE ANY TRANSACTION TO "APP";');
    expect(both).toContain('FORCE TRANSACTION instead is enough when every connection to this database signs in as APP');

    const viewOnly = privilegeProblem('erp', 'APP', { pendingViewError: 'ORA-00942: x', forcePrivileges: ['FORCE TRANSACTION'] })!;
    expect(viewOnly).toContain('GRANT SELECT ON SYS.DBA_PENDING_TRANSACTIONS TO "APP";');
    expect(viewOnly).not.toContain('FORCE');

    const forceOnly = privilegeProblem('erp', 'APP', { forcePrivileges: [] })!;
    expect(forceOnly).not.toContain('DBA_PENDING_TRANSACTIONS');
    expect(forceOnly).toContain('GRANT FORCE ANY TRANSACTION TO "APP";');
  });
});

describe('Oracle backend wiring', () => {
  it('offers its participant without loading the driver (that happens at open)', () => {
    const backend = new OracleBackend({ backend: 'oracle', connectString: 'db/FREE', user: 'app' }, {
      connectionName: 'erp',
      logger: console,
    });
    expect(backend.capabilities.twoPhaseCommit).toBe(true);
    expect(backend.twoPhase).toBeInstanceOf(OracleTwoPhase);
  });
});
