import type { DriverSession } from '../backend/storage-backend';
import type { Connection } from '../connection/connection';
import { TransactionError } from '../errors';

/** Who holds a session, for the messages of those who wait for one. */
export interface SessionHolder {
  /** `transaction 'OrderService.place'`, `insertAll on 'main'`. */
  readonly description: string;
  readonly since: number;
}

/**
 * Every session the transaction engine holds goes through here: the broker knows, per
 * connection, who holds which session and since when. That lets a wait that can never end (the
 * caller itself holds every session the connection has, as SQLite's single connection inside
 * its own transaction) fail at once, and a wait that times out name the holders instead of
 * leaving the caller to guess.
 */
export class SessionBroker {
  private readonly held = new Map<Connection, Map<DriverSession, SessionHolder>>();

  /**
   * A session for `holder`. `suspended` are the holders the caller is running inside (an outer
   * transaction it suspended): they cannot give anything back before the caller returns.
   */
  async acquire(connection: Connection, holder: SessionHolder, suspended: readonly SessionHolder[], purpose: string): Promise<DriverSession> {
    this.assertCanEverGet(connection, suspended, purpose);
    const timeoutMs = connection.acquireTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const acquiring = connection.backend.acquire({ holder: holder.description });
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(this.waitedTooLong(connection, timeoutMs, purpose));
      }, timeoutMs);
    });
    let session: DriverSession;
    try {
      session = await Promise.race([acquiring, expired]);
    } catch (error) {
      // A session that arrives after we gave up goes straight back.
      if (timedOut) acquiring.then((late) => late.release(), () => undefined);
      throw timedOut || !this.exhausted(connection) ? error : this.waitedTooLong(connection, timeoutMs, purpose, error);
    } finally {
      clearTimeout(timer);
    }
    let sessions = this.held.get(connection);
    if (!sessions) this.held.set(connection, (sessions = new Map()));
    sessions.set(session, holder);
    return session;
  }

  /** Give a session back to its pool, or discard it when its state is unknown. */
  release(connection: Connection, session: DriverSession, discard: boolean): void {
    this.held.get(connection)?.delete(session);
    if (discard) session.destroy();
    else session.release();
  }

  /** How many sessions of `connection` the given holders have. */
  private heldBy(connection: Connection, holders: readonly SessionHolder[]): number {
    const sessions = this.held.get(connection);
    if (!sessions || holders.length === 0) return 0;
    let count = 0;
    for (const holder of sessions.values()) if (holders.includes(holder)) count++;
    return count;
  }

  /**
   * Fail at once when the caller itself holds every session `connection` can ever hand out:
   * waiting for one would wait for the caller to return, which waits for the session.
   */
  assertCanEverGet(connection: Connection, suspended: readonly SessionHolder[], purpose: string): void {
    const capacity = connection.sessionCapacity;
    const mine = this.heldBy(connection, suspended);
    if (mine < capacity) return;
    const holders = [...(this.held.get(connection)?.values() ?? [])].filter((holder) => suspended.includes(holder));
    throw new TransactionError(
      `${purpose} needs another session of connection '${connection.name}', but ` +
        (capacity === 1
          ? `its backend has a single connection (${connection.dialect.name}), held by ${describe(holders)}`
          : `all ${capacity} of its sessions (pool.max) are held by ${describe(holders)}`) +
        `, which this call runs inside: it would wait for itself forever. Use REQUIRED or NESTED propagation here` +
        (capacity > 1 ? ', or raise pool.max' : ''),
      { connection: connection.name },
    );
  }

  private exhausted(connection: Connection): boolean {
    return (this.held.get(connection)?.size ?? 0) >= connection.sessionCapacity;
  }

  private waitedTooLong(connection: Connection, timeoutMs: number, purpose: string, cause?: unknown): Error {
    const holders = [...(this.held.get(connection)?.values() ?? [])];
    const message =
      `${purpose} waited ${timeoutMs} ms for a session of connection '${connection.name}' and gave up` +
      (holders.length > 0 ? `; held by ${describe(holders)}` : '') +
      `. Look for transactions that do not finish, or raise ${connection.sessionCapacity === 1 ? 'acquireTimeoutMs' : 'pool.max or pool.acquireTimeoutMs'}`;
    return new TransactionError(message, { connection: connection.name, cause });
  }
}

function describe(holders: readonly SessionHolder[]): string {
  if (holders.length === 0) return 'no transaction of this application (another process or library code)';
  const now = Date.now();
  const shown = holders.slice(0, 5).map((holder) => `${holder.description} (for ${((now - holder.since) / 1000).toFixed(1)} s)`);
  return shown.join(', ') + (holders.length > 5 ? ` and ${holders.length - 5} more` : '');
}
