import { HeuristicCompletionError } from '../../errors';
import type { BranchId } from '../two-phase';
import { oracleErrorCode } from './errors';
import { forgetStatement } from './xid';

/**
 * What a failed XA call on Oracle says about the branch. Oracle reports the XA return codes
 * as ORA-247xx errors; only these change what the coordinator is told, everything else is an
 * ordinary failure (thrown, and retried by the coordinator or by recovery).
 */
export type TpcFailure = 'not-found' | 'rolled-back' | 'heuristic-commit' | 'heuristic-rollback' | 'heuristic-mixed';

const FAILURES: Readonly<Record<string, TpcFailure>> = {
  // XAER_NOTA, "transaction does not exist": no such branch is prepared (any more). Resolved
  // already (by us, by another recovery, or by hand with a thin-protocol client, which reports
  // this instead of XA_HEURMIX), or never prepared, or a branch that voted read-only.
  'ORA-24756': 'not-found',
  // XA_RB*, "transaction rolled back": Oracle rolled the branch back itself.
  'ORA-24761': 'rolled-back',
  // XA_HEURCOM / XA_HEURRB / XA_HEURMIX: someone resolved the prepared branch by hand
  // (COMMIT FORCE / ROLLBACK FORCE). Oracle keeps it listed until the branch is forgotten.
  'ORA-24764': 'heuristic-commit',
  'ORA-24765': 'heuristic-rollback',
  'ORA-24766': 'heuristic-mixed',
};

/** The ORA-/NJS- code of a driver error, also when the library's error class wraps it as `cause`. */
export function tpcErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = oracleErrorCode(current);
    if (code) return code;
  }
  return undefined;
}

export function classifyTpcFailure(error: unknown): TpcFailure | undefined {
  const code = tpcErrorCode(error);
  return code === undefined ? undefined : FAILURES[code];
}

export type FinishAction = 'commit' | 'rollback';

/**
 * What a failed commit or rollback of a prepared branch means for the coordinator:
 * - 'unknown': no such branch is prepared (the contract's answer; recovery and retries expect it);
 * - 'done': a rollback found the branch already rolled back, which is what was asked;
 * - 'heuristic': the branch was completed against or around the protocol (see heuristicError);
 * - undefined: an ordinary failure, rethrown.
 */
export function finishFailure(action: FinishAction, failure: TpcFailure | undefined): 'unknown' | 'done' | 'heuristic' | undefined {
  if (failure === 'not-found') return 'unknown';
  if (failure === 'rolled-back') return action === 'rollback' ? 'done' : 'heuristic';
  if (failure === undefined) return undefined;
  return 'heuristic';
}

const WHAT: Readonly<Record<Exclude<TpcFailure, 'not-found'>, string>> = {
  'rolled-back': 'was rolled back by Oracle (ORA-24761) although it had been prepared',
  'heuristic-commit': 'was committed by hand (ORA-24764: heuristically committed)',
  'heuristic-rollback': 'was rolled back by hand (ORA-24765: heuristically rolled back)',
  'heuristic-mixed': 'was partly committed and partly rolled back by hand (ORA-24766)',
};

/**
 * The error for a branch someone else completed. It is raised even when the outcome happens to
 * be the decided one: Oracle keeps a hand-completed branch in DBA_2PC_PENDING and
 * DBA_PENDING_TRANSACTIONS until it is forgotten, node-oracledb Thin mode cannot forget it
 * (tpcForget is not implemented there), and forgetting by ourselves would erase the only record
 * of the intervention. So the library reports it on every attempt until a DBA has reconciled
 * the databases and forgotten the branch.
 */
export function heuristicError(connection: string, branch: BranchId, action: FinishAction, failure: Exclude<TpcFailure, 'not-found'>, cause: unknown): HeuristicCompletionError {
  const agrees = (action === 'commit' && failure === 'heuristic-commit') || (action === 'rollback' && failure === 'heuristic-rollback');
  const verdict = agrees ? 'the outcome is the decided one' : 'the databases may disagree and a human must look';
  const kept =
    failure === 'rolled-back'
      ? ''
      : ` Oracle keeps the branch listed until it is forgotten, which node-oracledb Thin mode cannot do; once the databases ` +
        `are reconciled, a DBA runs: ${forgetStatement(branch)}`;
  return new HeuristicCompletionError(
    `Branch ${branch.bqual} of transaction ${branch.gtrid} on Oracle connection '${connection}' ${WHAT[failure]} ` +
      `while the coordinator was to ${action === 'commit' ? 'commit' : 'roll back'} it: ${verdict}.${kept}`,
    { connection, cause },
  );
}
