import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../lib/cli/cli';
import type { Output } from '../../lib/cli/output';
import { runCliProcess, type CliRun } from '../support/cli-process';
import { BankInspector, NODE, recoverInFreshProcess, runUntilKilled } from './harness/harness';
import { mariadb, postgres, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/**
 * The operator's view of the coordinator (issue #11): `npx nestjs-activerecord tx status`,
 * `tx recover` and `tx resolve <gid> commit|rollback`, run against databases a crashed worker
 * left in doubt. The CLI is an operator, not a node: it takes no lease and settles nothing
 * until asked.
 */
jest.setTimeout(120_000);
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;
const LEASE_MS = 300;
const OPERATOR = `operator-${process.pid}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


interface Status {
  nodes: Array<{ node: string; leaseUntil: string; claimedBy: string | null }>;
  branches: Array<{ node: string; gid: string; connection: string; decision?: string; ageMs?: number }>;
  unreachable: unknown[];
}

describeIf('npx nestjs-activerecord tx status | recover | resolve', () => {
  let connections: Record<string, object>;
  let bank: BankInspector;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    connections = { pg: await postgres('opcli_pg'), maria: await mariadb('opcli_maria'), lite: sqliteFile('opcli') };
    bank = await BankInspector.open(connections);
    dir = mkdtempSync(join(tmpdir(), 'ar-tx-cli-'));
    config = join(dir, 'activerecord.config.js');
    // What an operator's config file holds: the application's connections and coordinator options.
    const options = { connections, coordinator: { log: { connection: 'lite' }, nodeId: OPERATOR, orphanTimeoutMs: 0 } };
    writeFileSync(config, `module.exports = ${JSON.stringify(options, null, 2)};\n`);
  });
  afterAll(async () => {
    await bank?.close();
    await releasePostgres('opcli_pg');
    await releaseMariadb('opcli_maria');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI in this process, answering a confirmation prompt with `answer` (undefined: no terminal). */
  const tx = async (args: string[], answer?: string): Promise<CliRun> => {
    const lines = { out: [] as string[], err: [] as string[] };
    const output: Output = { out: (line) => lines.out.push(line), err: (line) => lines.err.push(line), ask: async () => answer };
    const code = await runCli(['tx', ...args, '--config', config], output);
    return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
  };
  const status = async (): Promise<Status> => {
    const run = await tx(['status', '--json']);
    expect(run).toMatchObject({ code: 0, err: '' });
    return JSON.parse(run.out) as Status;
  };
  /** Other suites' crashed nodes may have branches on the same servers: only ours count. */
  const ours = (s: Status) => s.branches.filter((branch) => branch.node === NODE);
  const crash = async (killAt: { type: 'decided' | 'prepared'; nth: number }) => {
    await bank.reset();
    await runUntilKilled({ mode: 'transfers', connections, shape: 'log', killAt, nodeLeaseMs: LEASE_MS });
    expect(await bank.preparedBranches()).toHaveLength(2);
    return ours(await status())[0]!.gid;
  };

  it('status lists a crashed node’s branches with their decision and age, as a process of its own, and changes nothing', async () => {
    const gid = await crash({ type: 'decided', nth: 1 });
    const json = await status();
    expect(ours(json).map((b) => [b.connection, b.decision]).sort()).toEqual([
      ['maria', 'committing'],
      ['pg', 'committing'],
    ]);
    expect(ours(json).every((b) => typeof b.ageMs === 'number' && b.ageMs >= 0)).toBe(true);
    expect(json.nodes.map((n) => n.node)).toContain(NODE);

    // The real command line: `tx status` as two words, human-readable.
    const run = await runCliProcess(dir, ['tx', 'status', '--config', config]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain(`${gid}  node ${NODE}`);
    expect(run.out).toMatch(new RegExp(`${gid.replace(/[.]/g, '\\.')}.*decided: commit`));
    expect(run.out).toMatch(/^ {4}pg {2}prepared/m);
    expect(run.out).toMatch(new RegExp(`^ {2}${NODE} {2}(alive|lease expired)`, 'm'));

    // Looking settled nothing, and the operator took no lease (a dead node's must run out).
    expect(await bank.preparedBranches()).toHaveLength(2);
    expect((await status()).nodes.map((n) => n.node)).not.toContain(OPERATOR);

    // Leave it to the next test's reset: commit it by hand below.
    const done = await tx(['resolve', gid, 'commit', '--yes']);
    expect(done.code).toBe(0);
    expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
  });

  it('resolve asks before it acts, refuses without a terminal unless --yes, and refuses to contradict the log', async () => {
    const gid = await crash({ type: 'decided', nth: 1 });

    const declined = await tx(['resolve', gid, 'commit'], 'no');
    expect(declined.code).toBe(1);
    expect(declined.err).toContain('Not confirmed; nothing was changed.');

    const unattended = await tx(['resolve', gid, 'commit']);
    expect(unattended.code).toBe(2);
    expect(unattended.err).toContain('pass --yes');

    const contradicting = await tx(['resolve', gid, 'rollback'], 'rollback');
    expect(contradicting.code).toBe(1);
    expect(contradicting.err).toMatch(/already has the decision 'committing' in the log; resolving it to rollback would make the databases disagree/);
    expect(await bank.preparedBranches()).toHaveLength(2);

    const confirmed = await tx(['resolve', gid, 'commit'], 'commit');
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toMatch(new RegExp(`committed +${gid.replace(/[.]/g, '\\.')} on (pg|maria)`));
    expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
  });

  it('resolve commit overrides presumed abort for an undecided transaction, and a later recovery agrees', async () => {
    const gid = await crash({ type: 'prepared', nth: 2 });
    expect(ours(await status()).map((b) => b.decision)).toEqual([undefined, undefined]);

    const run = await tx(['resolve', gid, 'commit', '--yes']);
    expect(run.code).toBe(0);
    // The decision is in the log, so the crashed node's own recovery (restarted) commits too, never aborts.
    const decision = await bank.connection('lite').query('SELECT state FROM ar_tx_decisions WHERE gid = ?', [gid]);
    expect(decision.map((row) => row.state)).toEqual([expect.stringMatching(/^committ(ing|ed)$/)]);
    await recoverInFreshProcess(connections);
    expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual(['t-0']);
  });

  it('recover takes over a node whose lease expired and rolls its undecided work back', async () => {
    const gid = await crash({ type: 'prepared', nth: 2 });
    await sleep(LEASE_MS * 2);
    const run = await tx(['recover']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain(`took over  node ${NODE}`);
    expect(run.out).toMatch(new RegExp(`rolled back ${gid.replace(/[.]/g, '\\.')} on pg`));
    expect((await bank.assertConsistent({ withLedger: false })).applied).toEqual([]);
    expect(ours(await status())).toEqual([]);
    expect((await tx(['status'])).out).not.toContain(NODE);
  });

  it('says what is wrong with a gid or an outcome', async () => {
    const unknown = await tx(['resolve', `ar.${NODE}.zzz-0000`, 'commit', '--yes']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("nothing to resolve. 'tx status' lists what is in doubt.");
    const usage = await tx(['resolve', 'some-gid', 'maybe']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("give the transaction id and 'commit' or 'rollback'");
  });
});
