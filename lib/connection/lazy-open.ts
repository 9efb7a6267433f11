import type { StorageBackend } from '../backend/storage-backend';

/** The backend methods through which anything reaches its database: sessions, statements, streams. */
const ENTRY_POINTS = ['acquire', 'query', 'execute', 'stream', 'queryNow', 'executeNow'] as const;

type Entries = Record<(typeof ENTRY_POINTS)[number], ((...args: never[]) => unknown) | undefined>;

/**
 * Make a backend open itself on first use (`lazyConnect`). Everything that reaches a database —
 * the connection's statements, the transaction engine's sessions, the coordinator's two-phase
 * calls — goes through one of the backend's entry points, so shadowing those (with own
 * properties of this one instance) until the database opens covers every path, and no backend
 * needs to know about it. Once `open()` succeeds the backend's own methods are put back as the
 * own properties (assigned, not deleted: deleting would turn the object into a slow dictionary),
 * and the hot paths are the backend's own again.
 *
 * `open` is the connection's: it shares one attempt among concurrent callers and rejects with a
 * ConnectionError naming the connection; the next use tries again.
 */
export function openOnFirstUse(backend: StorageBackend, open: () => Promise<void>): () => void {
  const own = backend as unknown as Entries;
  const originals = {} as Entries;
  for (const name of ENTRY_POINTS) {
    const original = own[name];
    if (typeof original !== 'function') continue;
    originals[name] = original;
    const call = original as (...args: unknown[]) => unknown;
    if (name === 'queryNow' || name === 'executeNow') {
      // "Cannot run now": the caller takes the asynchronous path, which opens.
      (own as Record<string, unknown>)[name] = () => undefined;
    } else if (name === 'stream') {
      (own as Record<string, unknown>)[name] = async function* (...args: unknown[]) {
        await open();
        yield* call.apply(backend, args) as AsyncIterable<unknown>;
      };
    } else {
      (own as Record<string, unknown>)[name] = (...args: unknown[]) => open().then(() => call.apply(backend, args));
    }
  }
  return () => {
    for (const name of ENTRY_POINTS) {
      if (originals[name] !== undefined) (own as Record<string, unknown>)[name] = originals[name];
    }
  };
}
