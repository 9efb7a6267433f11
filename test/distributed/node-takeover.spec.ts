import { ConnectionRegistry, type RecoveryReport } from 'nestjs-activerecord';
import { BankInspector, NODE, runUntilKilled } from './harness/harness';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/**
 * Nodes that never come back (issue #11, item 6): a crashed instance replaced by one with a new
 * host name used to leave its prepared branches prepared for ever. Every coordinator holds a
 * lease; once it expires, recovery on any other node settles the dead node's work, and of two
 * survivors only one claims it. A node restarted under its old id takes its own work back.
 */
jest.setTimeout(120_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;
const LEASE_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeIf('node leases and takeover', () => {
  let connections: Record<string, object>;
  let bank: BankInspector;

  beforeAll(async () => {
    connections = { pg: await postgres('takeover_pg'), maria: await mariadb('takeover_maria'), lite: sqliteFile('takeover') };
    bank = await BankInspector.open(connections);
  });
  afterAll(async () => {
    await bank?.close();
    await releasePostgres('takeover_pg');
    await releaseMariadb('takeover_maria');
  });

  const survivor = (nodeId: string) =>
    ConnectionRegistry.open({
      connections: connections as never,
      coordinator: { log: { connection: 'lite' }, nodeId, orphanTimeoutMs: 0, recoverOnStartup: false, nodeLeaseMs: LEASE_MS },
      logger: quietLogger,
    });

  /** A worker of node NODE dies right after its decision to commit: both branches stay prepared. */
  const crashAfterDecision = async () => {
    await bank.reset();
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', killAt: { type: 'decided', nth: 1 }, nodeLeaseMs: LEASE_MS });
    expect(await bank.preparedBranches()).toHaveLength(2);
  };

  it('settles the work of a node whose lease expired, on exactly one of two survivors with other ids', async () => {
    await crashAfterDecision();
    const [b, c] = [await survivor(`survivor-b-${process.pid}`), await survivor(`survivor-c-${process.pid}`)];
    try {
      await sleep(LEASE_MS * 2); // the dead node's lease runs out
      const reports: RecoveryReport[] = await Promise.all([b.coordinator.recover(), c.coordinator.recover()]);
      expect(reports.flatMap((report) => report.nodesTakenOver)).toEqual([NODE]);
      expect(reports.flatMap((report) => report.committed.map((entry) => entry.connection)).sort()).toEqual(['maria', 'pg']);
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
      // Nothing of the dead node is left: it is forgotten, and the next recovery finds no one to take over.
      expect((await b.coordinator.nodes()).map((lease) => lease.node)).not.toContain(NODE);
      expect((await c.coordinator.recover()).nodesTakenOver).not.toContain(NODE);
    } finally {
      await b.close();
      await c.close();
    }
  });

  it('leaves a node alone while its lease runs', async () => {
    await bank.reset();
    const alive = await survivor(NODE);
    const other = await survivor(`survivor-d-${process.pid}`);
    try {
      await sleep(LEASE_MS * 2); // longer than the lease: only renewal keeps it
      // (Nodes of the earlier tests, closed since, are expired and may be taken over here.)
      expect((await other.coordinator.recover()).nodesTakenOver).not.toContain(NODE);
      expect((await other.coordinator.nodes()).find((lease) => lease.node === NODE)?.claimedBy).toBeNull();
    } finally {
      await alive.close();
      await other.close();
    }
  });

  it('lets a node restarted under its old id take its own work back', async () => {
    await crashAfterDecision();
    await sleep(LEASE_MS * 2);
    const restarted = await survivor(NODE); // takes its lease back at startup
    const other = await survivor(`survivor-e-${process.pid}`);
    try {
      expect((await other.coordinator.recover()).nodesTakenOver).not.toContain(NODE);
      const own = await restarted.coordinator.recover();
      expect(own.committed.map((entry) => entry.connection).sort()).toEqual(['maria', 'pg']);
      expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
    } finally {
      await restarted.close();
      await other.close();
    }
  });
});
