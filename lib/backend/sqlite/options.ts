import { optionKeys, type CommonConnectionOptions } from '../../connection/common-options';

export interface SqliteConnectionOptions extends CommonConnectionOptions {
  backend: 'sqlite';
  /** A file path (parent folders are created) or `':memory:'`. */
  database: string;
  /** Open read-only. */
  readonly?: boolean;
  /** Journal mode for file databases; default `'wal'` (readers never block the writer). */
  journalMode?: 'wal' | 'delete' | 'truncate' | 'persist' | 'memory' | 'off';
  /**
   * Durability; default `'normal'`, which in WAL mode survives a process crash at any point
   * (only a power loss can drop the last commits). Use `'full'` to survive power loss too.
   */
  synchronous?: 'off' | 'normal' | 'full' | 'extra';
  /**
   * How long a statement waits for another process's lock on the file; default 5000. The wait
   * is asynchronous (retries with backoff), so the rest of the application keeps running.
   */
  busyTimeoutMs?: number;
  /**
   * How long a statement or transaction waits for the one connection while another transaction
   * of this application holds it; default 30000. The error then names the holder.
   */
  acquireTimeoutMs?: number;
  /** Enforce foreign keys; default true. */
  foreignKeys?: boolean;
}

export const SQLITE_OPTION_KEYS = optionKeys<SqliteConnectionOptions>()(['database', 'readonly', 'journalMode', 'synchronous', 'busyTimeoutMs', 'acquireTimeoutMs', 'foreignKeys']);
