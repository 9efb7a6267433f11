import type { InDoubtBranch, RecoveryReport } from '../../distributed/recovery';
import type { TransactionCoordinator } from '../../distributed/transaction-coordinator';
import { UsageError, type OptionSpec } from '../arguments';
import type { CliCommand } from '../command-registry';
import type { Output } from '../output';

const JSON_OUTPUT: OptionSpec = { name: 'json', kind: 'flag', description: 'print one JSON document instead of tables (for scripts and monitoring)' };

type Lease = Awaited<ReturnType<TransactionCoordinator['nodes']>>[number];
type Pending = Awaited<ReturnType<TransactionCoordinator['inDoubt']>>;

/**
 * The coordinator's operator commands: what is in doubt on every node (`tx status`), settle it
 * as recovery would (`tx recover`), or by hand (`tx resolve <gid> commit|rollback`). The CLI
 * boots the application as an operator (lib/distributed/operator-session.ts): it holds no lease
 * and recovers only when asked.
 */
export const transactionCommands: readonly CliCommand[] = [
  {
    name: 'tx:status',
    summary: 'list what is in doubt on every node: prepared branches with their decision and age, unfinished sagas, node leases',
    usage: 'tx status [--json]',
    details:
      'Reads every connection that can prepare, the decision log and the saga log; changes nothing.\n' +
      'Exit code 1 when a connection could not be inspected (what it holds is then unknown).',
    options: [JSON_OUTPUT],
    run: async ({ args, app, output }) => {
      const coordinator = app.registry.coordinator;
      const [pending, leases] = await everyNode(coordinator);
      if (args.flags.has('json')) output.out(JSON.stringify({ nodes: leases, ...pending }, null, 2));
      else printStatus(output, pending, leases, coordinator.options.orphanTimeoutMs);
      return pending.unreachable.length > 0 ? 1 : 0;
    },
  },
  {
    name: 'tx:recover',
    summary: "settle what is in doubt as a restarted node would: this node's work, and that of nodes whose lease expired",
    usage: 'tx recover [--json]',
    details:
      'Commits the branches whose decision is commit, rolls back undecided ones older than coordinator.orphanTimeoutMs\n' +
      '(presumed abort), compensates unfinished sagas. Younger branches are left alone: their node may still be deciding.\n' +
      'Exit code 1 when something could not be settled (an unreachable connection, a saga left).',
    options: [JSON_OUTPUT],
    run: async ({ args, app, output }) => {
      const report = await app.registry.coordinator.recover();
      if (args.flags.has('json')) output.out(JSON.stringify(report, null, 2));
      else printRecoveryReport(output, report);
      return report.unreachable.length + report.leftUndecided.length + report.sagasLeft.length > 0 ? 1 : 0;
    },
  },
  {
    name: 'tx:resolve',
    summary: 'settle one global transaction by hand: write the decision to the log, then apply it to every prepared branch',
    usage: 'tx resolve <gid> commit|rollback [--yes]',
    details:
      'For an operator who knows better than presumed abort (a branch is holding locks, its node is gone).\n' +
      'The decision is recorded in the decision log first, so every database and every later recovery agrees;\n' +
      'a different decision already recorded is refused. Asks for confirmation unless --yes.',
    options: [{ name: 'yes', kind: 'flag', description: 'do not ask for confirmation (scripts)' }],
    run: async ({ args, app, output }) => {
      const [gid, outcome, ...extra] = args.positionals;
      if (gid === undefined || (outcome !== 'commit' && outcome !== 'rollback') || extra.length > 0) {
        throw new UsageError(`give the transaction id and 'commit' or 'rollback' (tx status lists the ids)`);
      }
      const coordinator = app.registry.coordinator;
      const [pending, leases] = await everyNode(coordinator);
      const branches = pending.branches.filter((branch) => branch.gid === gid);
      if (branches.length === 0) {
        const unreachable = pending.unreachable.map((entry) => entry.connection);
        output.err(
          `No prepared branch of ${gid} on any connection${unreachable.length > 0 ? ` that could be inspected (not: ${unreachable.join(', ')})` : ''}: ` +
            `nothing to resolve. 'tx status' lists what is in doubt.`,
        );
        return 1;
      }
      output.out(`${gid}, started by node ${branches[0]!.node}${ageText(branches[0]!.ageMs)}:`);
      for (const branch of branches) output.out(`  ${branch.connection}  prepared   decision in the log: ${branch.decision ?? 'none'}`);
      const lease = leases.find((entry) => entry.node === branches[0]!.node);
      if (lease && lease.leaseUntil.getTime() > Date.now()) {
        output.err(`warning: node ${lease.node} holds a live lease: it may still be deciding this transaction, and its own recovery will settle it.`);
      }
      for (const entry of pending.unreachable) output.err(`warning: connection '${entry.connection}' could not be inspected (${entry.reason}); a branch there is not settled now.`);
      if (!args.flags.has('yes')) {
        const answer = await output.ask?.(`Type '${outcome}' to ${outcome} it on ${branches.map((b) => b.connection).join(', ')}: `);
        if (answer === undefined) throw new UsageError('no terminal to confirm in: pass --yes to resolve without asking');
        if (answer !== outcome) {
          output.err('Not confirmed; nothing was changed.');
          return 1;
        }
      }
      const report = await coordinator.resolve(gid, outcome);
      printRecoveryReport(output, report);
      return report.unreachable.length > 0 ? 1 : 0;
    },
  },
];

/** What is pending on every node, and every node's lease: what the operator looks at. */
function everyNode(coordinator: TransactionCoordinator): Promise<[Pending, Lease[]]> {
  return Promise.all([coordinator.inDoubt({ allNodes: true }), coordinator.nodes()]);
}

function printStatus(output: Output, pending: Pending, leases: readonly Lease[], orphanTimeoutMs: number): void {
  const now = Date.now();
  output.out(leases.length === 0 ? 'Nodes: none holds a lease in the decision log.' : 'Nodes:');
  for (const lease of leases) {
    const left = lease.leaseUntil.getTime() - now;
    const state = left > 0 ? `alive (lease for ${seconds(left)} more)` : `lease expired ${seconds(-left)} ago`;
    output.out(`  ${lease.node}  ${state}${lease.claimedBy ? `, claimed by ${lease.claimedBy}` : ''}`);
  }
  const byGid = new Map<string, InDoubtBranch[]>();
  for (const branch of pending.branches) byGid.set(branch.gid, [...(byGid.get(branch.gid) ?? []), branch]);
  output.out(byGid.size === 0 ? 'In doubt: nothing prepared.' : `In doubt: ${pending.branches.length} prepared branch(es) of ${byGid.size} global transaction(s):`);
  for (const [gid, branches] of byGid) {
    const { node, ageMs, decision } = branches[0]!;
    output.out(`  ${gid}  node ${node}${ageText(ageMs)}  ${decisionText(decision, ageMs, orphanTimeoutMs)}`);
    for (const branch of branches) output.out(`    ${branch.connection}  prepared (branch ${branch.bqual})`);
  }
  output.out(pending.sagas.length === 0 ? 'Sagas: none unfinished.' : `Sagas: ${pending.sagas.length} unfinished or failed:`);
  for (const saga of pending.sagas) output.out(`  ${saga.id}  ${saga.name}  ${saga.state}  node ${saga.node}${ageText(saga.ageMs)}`);
  for (const entry of pending.unreachable) output.err(`Could not inspect connection '${entry.connection}': ${entry.reason}`);
}

function decisionText(decision: InDoubtBranch['decision'], ageMs: number | undefined, orphanTimeoutMs: number): string {
  if (decision === 'committing' || decision === 'committed') return 'decided: commit (recovery commits it)';
  if (decision === 'aborted') return 'decided: rollback (recovery rolls it back)';
  const young = ageMs !== undefined && ageMs < orphanTimeoutMs;
  return young ? 'undecided, young: its node may still be deciding' : 'undecided: presumed abort (recovery rolls it back)';
}

function printRecoveryReport(output: Output, report: RecoveryReport): void {
  const list = (label: string, entries: ReadonlyArray<{ gid: string; connection: string }>) => {
    for (const entry of entries) output.out(`  ${label.padEnd(11)} ${entry.gid} on ${entry.connection}`);
  };
  for (const node of report.nodesTakenOver) output.out(`  took over  node ${node} (its lease had expired)`);
  list('committed', report.committed);
  list('rolled back', report.rolledBack);
  list('left young', report.leftYoung);
  list('undecided', report.leftUndecided);
  for (const id of report.sagasCompensated) output.out(`  compensated saga ${id}`);
  for (const saga of report.sagasLeft) output.err(`  saga ${saga.id} left: ${saga.reason}`);
  for (const entry of report.unreachable) output.err(`  could not inspect connection '${entry.connection}': ${entry.reason}`);
  const settled = report.committed.length + report.rolledBack.length + report.sagasCompensated.length;
  output.out(settled === 0 ? 'Nothing to settle.' : `Settled ${settled} branch(es) and saga(s).`);
  if (report.leftYoung.length > 0) output.out('Young branches were left alone (coordinator.orphanTimeoutMs): run again later, or resolve one by hand with tx resolve.');
}

function ageText(ageMs: number | undefined): string {
  return ageMs === undefined ? '' : `, ${seconds(ageMs)} old`;
}

function seconds(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
