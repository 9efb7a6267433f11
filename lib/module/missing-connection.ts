import type { Connection } from '../connection/connection';
import type { ConnectionRegistry } from '../registry/connection-registry';
import { ConfigurationError } from '../errors';

const CONNECTION_MEMBERS = new Set(['name', 'backend', 'dialect', 'isOpen', 'query', 'execute', 'transaction', 'close']);

/**
 * Stands in for a connection that something in the process names (a decorator) but this
 * application does not define. Another application in the same process may well define it, so
 * this is not a startup error; using it is, with a message that says what is missing.
 */
export function missingConnection(name: string, registry: ConnectionRegistry): Connection {
  const fail = () => {
    throw new ConfigurationError(
      `Connection '${name}' is injected, but this application's ActiveRecordModule.forRoot/forRootAsync ` +
        `does not define it (defined: ${registry.connectionNames().join(', ') || 'none'})`,
      { connection: name },
    );
  };
  return new Proxy({} as Connection, {
    get(_target, property) {
      if (typeof property === 'string' && CONNECTION_MEMBERS.has(property)) return fail();
      return undefined;
    },
  });
}
