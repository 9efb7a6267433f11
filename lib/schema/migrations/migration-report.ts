/** What one run did on one connection. */
export interface ConnectionReport {
  readonly connection: string;
  /** Migrations applied (migrate) or reverted (rollback) by this run, in order, with their time. */
  readonly done: { readonly id: string; readonly ms: number }[];
  /** Migrations another instance applied while this one waited (found recorded under the lock). */
  readonly skipped: string[];
  /** Still pending after the run (not reached, or after a failure). */
  readonly remaining: string[];
  /** The migration that failed, if one did. */
  failed?: { readonly id: string; readonly message: string };
}

/** What a `migrate` or `rollback` run did, per connection. */
export interface MigrationReport {
  readonly direction: 'up' | 'down';
  readonly connections: ConnectionReport[];
}

/** Progress of a run, as it happens: the CLI prints these, startup logs them. */
export type MigrationEvent =
  | { readonly kind: 'lock-wait'; readonly connection: string; readonly holder?: string }
  | { readonly kind: 'lock-taken-over'; readonly connection: string; readonly previousHolder: string }
  | { readonly kind: 'start'; readonly connection: string; readonly migration: string; readonly direction: 'up' | 'down' }
  | { readonly kind: 'done'; readonly connection: string; readonly migration: string; readonly direction: 'up' | 'down'; readonly ms: number; readonly statements: number }
  | { readonly kind: 'skipped'; readonly connection: string; readonly migration: string; readonly reason: string }
  | { readonly kind: 'failed'; readonly connection: string; readonly migration: string; readonly direction: 'up' | 'down'; readonly ms: number; readonly error: Error }
  | { readonly kind: 'warning'; readonly connection: string; readonly message: string };

export type MigrationListener = (event: MigrationEvent) => void;
