import {
  ActiveRecord,
  Column,
  ConfigurationError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  TransactionError,
  transactional,
  type CoordinatorEvent,
  type OracleConnectionOptions,
  type TwoPhaseParticipant,
} from 'nestjs-activerecord';
import { resolveOracleSettings } from '../../lib/backend/oracle/config';
import type { OracleConnection } from '../../lib/backend/oracle/driver';
import { DecisionLog } from '../../lib/distributed/decision-log';
import { branchOf, newGlobalId, nodePrefix } from '../../lib/distributed/global-id';
import { ORACLE_URL, oracleTarget } from '../backends/oracle/target';
import { probedAvailability } from '../support/availability';
import { quietLogger, sqliteFile } from './support';

/**
 * The Oracle two-phase participant against a live server. Runs only when ORACLE_URL names one
 * (see docs/backends/oracle.md: a user that may create users, e.g. SYSTEM on Oracle Database
 * Free); otherwise it says loudly that it was skipped. Never required in CI, like the Oracle
 * target of the backend suite. Two users of the same database take part as two connections,
 * so one unit holds two branches in one Oracle database; the decision log and the last
 * resource are SQLite.
 */
jest.setTimeout(120_000);

const availability = probedAvailability();
const unreachable = 'oracle' in availability ? availability.oracle : 'not probed (run through jest with globalSetup)';
if (unreachable) {
  console.warn(`SKIPPED Oracle two-phase commit (test/distributed/oracle-two-phase.spec.ts): ${oracleTarget.describe} is unreachable (${unreachable})`);
}
const describeIf = unreachable ? describe.skip : describe;

const NODE = `ora-tpc-${process.pid}`.slice(0, 24);

@Model({ table: 'tpc_accounts', connection: 'ora' })
class OraAccount extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() balance!: number;
}

@Model({ table: 'tpc_accounts', connection: 'ora2' })
class OraAccount2 extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() balance!: number;
}

@Model({ table: 'tpc_ledger', connection: 'local' })
class LocalEntry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) note!: string;
}

/** Statements as the ORACLE_URL user (who created the test users). */
async function asAdmin(statements: readonly string[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const oracledb = require('oracledb') as { getConnection(options: { user?: string; password?: string; connectString: string }): Promise<OracleConnection> };
  const { connectString, user, password } = resolveOracleSettings({ backend: 'oracle', url: ORACLE_URL! });
  const connection = await oracledb.getConnection({ user, password, connectString });
  try {
    for (const sql of statements) await connection.execute(sql, [], { autoCommit: true });
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** What recovery needs: SELECT on the pending view (directly, or through SELECT_CATALOG_ROLE) and FORCE TRANSACTION. */
async function grantTwoPhase(options: OracleConnectionOptions): Promise<void> {
  const user = options.user!;
  await asAdmin([`GRANT SELECT ON SYS.DBA_PENDING_TRANSACTIONS TO "${user}"`]).catch(() => asAdmin([`GRANT SELECT_CATALOG_ROLE TO "${user}"`]));
  await asAdmin([`GRANT FORCE TRANSACTION TO "${user}"`]);
}

describeIf('two-phase commit on Oracle (two Oracle users + SQLite)', () => {
  let registry: ConnectionRegistry;
  let ora: TwoPhaseParticipant;
  const events: CoordinatorEvent[] = [];
  const suites = ['oracle_tpc_a', 'oracle_tpc_b', 'oracle_tpc_bare'];

  beforeAll(async () => {
    const [a, b] = [await oracleTarget.isolate(suites[0]!), await oracleTarget.isolate(suites[1]!)] as OracleConnectionOptions[];
    await grantTwoPhase(a!);
    await grantTwoPhase(b!);
    // With a coordinator configured, opening checks every participant (checkReady): the grants
    // pass, and the marker tables are created.
    registry = await ConnectionRegistry.open({
      connections: {
        ora: { ...a!, synchronize: true },
        ora2: { ...b!, synchronize: true },
        local: { ...sqliteFile('local'), synchronize: true },
      },
      models: [OraAccount, OraAccount2, LocalEntry],
      coordinator: { log: { connection: 'local' }, nodeId: NODE },
      logger: quietLogger,
    });
    ora = registry.get('ora').backend.twoPhase!;
    registry.coordinator.onEvent((event) => void events.push(event));
  });

  afterAll(async () => {
    // Never leave a prepared branch behind: it would hold its locks, and block DROP USER.
    if (registry) {
      for (const { branch } of await ora.listPrepared(nodePrefix(NODE)).catch(() => [])) await ora.rollbackPrepared(branch).catch(() => undefined);
      await registry.close();
    }
    for (const suite of suites) await oracleTarget.release?.(suite);
  });

  beforeEach(async () => {
    await OraAccount.deleteAll();
    await OraAccount2.deleteAll();
    await LocalEntry.deleteAll();
    await OraAccount.create({ id: 1, balance: 100 });
    await OraAccount2.create({ id: 1, balance: 100 });
    events.length = 0;
  });

  const balances = async () => [(await OraAccount.find(1)).balance, (await OraAccount2.find(1)).balance];
  const lastGid = () => (events.find((e) => e.type === 'begin') as { gid: string } | undefined)!.gid;

  it('commits Oracle with SQLite as the last resource, and its marker says committed', async () => {
    await transactional({ connections: ['ora', 'local'] }, async () => {
      await OraAccount.where({ id: 1 }).updateAll({ balance: 70 });
      await LocalEntry.create({ note: 'moved 30' });
    });
    expect(await OraAccount.find(1)).toMatchObject({ balance: 70 });
    expect(await LocalEntry.count()).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['begin', 'preparing', 'prepared', 'decided', 'branch-committed', 'done']);
    expect(await ora.outcomeOf(branchOf(lastGid(), 1), 'marker')).toBe('committed');
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('rolls back when the work fails, and its marker says rolled back', async () => {
    await expect(
      transactional({ connections: ['ora', 'local'] }, async () => {
        await OraAccount.where({ id: 1 }).updateAll({ balance: 1 });
        await LocalEntry.create({ note: 'never' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await OraAccount.find(1)).toMatchObject({ balance: 100 });
    expect(await LocalEntry.count()).toBe(0);
    expect(await ora.outcomeOf(branchOf(lastGid(), 1), 'marker')).toBe('rolled back');
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('commits two branches in the same Oracle database as independent XA transactions, decided in the log', async () => {
    await transactional({ connections: ['ora', 'ora2'] }, async () => {
      await OraAccount.where({ id: 1 }).updateAll({ balance: 60 });
      await OraAccount2.where({ id: 1 }).updateAll({ balance: 140 });
    });
    expect(await balances()).toEqual([60, 140]);
    expect(events.map((e) => e.type)).toEqual(['begin', 'preparing', 'preparing', 'prepared', 'prepared', 'decided', 'branch-committed', 'branch-committed', 'done']);
    const ora2 = registry.get('ora2').backend.twoPhase!;
    expect(await ora.outcomeOf(branchOf(lastGid(), 1), 'marker')).toBe('committed');
    expect(await ora2.outcomeOf(branchOf(lastGid(), 2), 'marker')).toBe('committed');
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('rolls back both Oracle branches when the unit fails', async () => {
    await expect(
      transactional({ connections: ['ora', 'ora2'] }, async () => {
        await OraAccount.where({ id: 1 }).updateAll({ balance: 1 });
        await OraAccount2.where({ id: 1 }).updateAll({ balance: 2 });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await balances()).toEqual([100, 100]);
  });

  it('runs a read-only unit: nothing to prepare, nothing committed by hand, nothing left prepared', async () => {
    const seen = await transactional({ connections: ['ora', 'ora2'], readOnly: true }, async () => [(await OraAccount.find(1)).balance, (await OraAccount2.find(1)).balance]);
    expect(seen).toEqual([100, 100]);
    expect(events.map((e) => e.type)).toEqual(['begin', 'preparing', 'preparing', 'prepared', 'prepared', 'decided', 'branch-committed', 'branch-committed', 'done']);
    expect(await ora.outcomeOf(branchOf(lastGid(), 1), 'read-only')).toBe('committed');
    expect((await registry.coordinator.inDoubt()).branches).toEqual([]);
  });

  it('runs a SERIALIZABLE unit and refuses a level Oracle lacks', async () => {
    await transactional({ connections: ['ora', 'local'], isolation: 'SERIALIZABLE' }, async () => {
      await OraAccount.where({ id: 1 }).updateAll({ balance: 90 });
    });
    expect(await OraAccount.find(1)).toMatchObject({ balance: 90 });
    await expect(transactional({ connections: ['ora', 'local'], isolation: 'REPEATABLE READ' }, async () => 1)).rejects.toThrow(TransactionError);
  });

  /** A branch prepared "by a process that then died": its session is dropped after prepare. */
  async function orphanBranch(gid: string, balance: number): Promise<{ branch: { gtrid: string; bqual: string }; evidence: string | undefined }> {
    const branch = branchOf(gid, 1);
    const session = await registry.get('ora').backend.acquire();
    const evidence = await ora.beginBranch(session, branch, {});
    await session.execute({ sql: 'UPDATE "tpc_accounts" SET "balance" = :1 WHERE "id" = :2', params: [balance, 1] });
    await ora.prepareBranch(session, branch);
    session.destroy();
    return { branch, evidence };
  }

  it('keeps a prepared branch past its session; recovery commits it from the decision, once', async () => {
    const gid = newGlobalId(NODE, Date.now() - 10 * 60_000);
    const { branch, evidence } = await orphanBranch(gid, 7);
    expect((await ora.listPrepared(nodePrefix(NODE))).map((p) => p.branch)).toContainEqual(branch);
    await new DecisionLog(registry.get('local')).insert({
      gid,
      node: NODE,
      state: 'committing',
      participants: [{ connection: 'ora', gtrid: gid, bqual: '1', kind: 'prepared', evidence }],
    });
    const report = await registry.coordinator.recover();
    expect(report.committed).toContainEqual({ gid, connection: 'ora' });
    expect(await OraAccount.find(1)).toMatchObject({ balance: 7 });
    expect(await ora.outcomeOf(branch, evidence)).toBe('committed');
    expect(await ora.commitPrepared(branch)).toBe('unknown');
    expect(await ora.listPrepared(nodePrefix(NODE))).toEqual([]);
  });

  it('rolls back an orphaned branch without a decision (presumed abort), once', async () => {
    const gid = newGlobalId(NODE, Date.now() - 10 * 60_000);
    const { branch, evidence } = await orphanBranch(gid, 9);
    const report = await registry.coordinator.recover();
    expect(report.rolledBack).toContainEqual({ gid, connection: 'ora' });
    expect(await OraAccount.find(1)).toMatchObject({ balance: 100 });
    expect(await ora.outcomeOf(branch, evidence)).toBe('rolled back');
    expect(await ora.rollbackPrepared(branch)).toBe('unknown');
  });

  it('leaves a young branch to its (possibly live) transaction, then resolves it when asked directly', async () => {
    const gid = newGlobalId(NODE);
    const { branch } = await orphanBranch(gid, 11);
    const report = await registry.coordinator.recover();
    expect(report.leftYoung).toContainEqual({ gid, connection: 'ora' });
    expect(await ora.rollbackPrepared(branch)).toBe('done');
    expect(await OraAccount.find(1)).toMatchObject({ balance: 100 });
  });

  it('refuses a user without the recovery privileges, saying what to grant', async () => {
    const bare = (await oracleTarget.isolate(suites[2]!)) as OracleConnectionOptions;
    const other = await ConnectionRegistry.open({ connections: { bare }, logger: quietLogger });
    try {
      const error = await other.get('bare').backend.twoPhase!.checkReady().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      const user = bare.user!.toUpperCase();
      expect((error as Error).message).toContain(`Oracle connection 'bare' (user ${user}) cannot take part in two-phase commit`);
      expect((error as Error).message).toContain(`GRANT SELECT ON SYS.DBA_PENDING_TRANSACTIONS TO "${user}";`);
      expect((error as Error).message).toContain(`GRANT FORCE ANY TRANSACTION TO "${user}";`);
    } finally {
      await other.close();
    }
  });
});
