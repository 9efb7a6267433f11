import { ConfigurationError } from '../errors';
import { currentScope, runInScope } from './ambient-scope';

/** Which server a connection with read replicas sends statements to. */
export type ConnectionRole = 'reading' | 'writing';

export interface ConnectedToOptions {
  /**
   * `reading`: every read outside a transaction goes to a replica (also raw `query()`, and also
   * right after the request's own writes), and a write outside a transaction is refused.
   * `writing`: every statement goes to the primary.
   */
  role: ConnectionRole;
}

/**
 * Run `work` with every connection that has read replicas in the given role (Rails'
 * `connected_to`): `connectedTo({ role: 'writing' }, () => Report.all())` reads from the
 * primary; `connectedTo({ role: 'reading' }, ...)` keeps a reporting job on the replicas.
 * Transactions inside always run on the primary. Connections without replicas are not affected.
 */
export function connectedTo<T>(options: ConnectedToOptions, work: () => T): T {
  const role = options?.role;
  if (role !== 'reading' && role !== 'writing') {
    throw new ConfigurationError(`connectedTo({ role }) takes 'reading' or 'writing', not ${JSON.stringify(role)}`, { field: 'role' });
  }
  const scope = currentScope();
  return runInScope(scope.withRouting({ ...scope.routing, role }), work);
}
