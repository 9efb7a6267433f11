import type { Connection } from '../../connection/connection';
import type { EncryptionOptions } from '../../connection/encryption-options';
import { processWide } from '../../util/process-wide';
import { Keyring } from './keyring';

/**
 * Which keys each open connection's models encrypt with. The registry attaches the
 * application's `encryption` option to every connection it opens; a model finds the keyring
 * through the connection it resolves to, so two applications in one process keep their keys apart.
 */
const keyrings = processWide('keyrings', () => new WeakMap<Connection, Keyring>());

/** Called by the registry for each connection it creates (options already validated). */
export function attachEncryption(connection: Connection, options: EncryptionOptions | undefined): void {
  if (options === undefined || options.keys.length === 0) return;
  keyrings.set(connection, new Keyring(options));
}

export function keyringFor(connection: Connection): Keyring | undefined {
  return keyrings.get(connection);
}
