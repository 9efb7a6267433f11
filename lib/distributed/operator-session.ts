import { processWide } from '../util/process-wide';

const state = processWide('coordinator-operator', () => ({ operator: false }));

/**
 * The CLI boots an application to look at its transactions or migrate it: it is an operator, not
 * a node. It must not hold a lease under the application's node id (a dead node's lease has to
 * run out for the survivors to take its work over) and must not recover at startup (`tx status`
 * shows what is in doubt, it does not settle it). Process-wide, so that an application loaded
 * through another copy of the library obeys it too.
 */
export function enterOperatorSession(): void {
  state.operator = true;
}

export function inOperatorSession(): boolean {
  return state.operator;
}
