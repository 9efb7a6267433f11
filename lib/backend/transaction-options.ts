/** The four ANSI isolation levels; each Dialect maps the ones its database really provides. */
export type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export const ISOLATION_LEVELS: readonly IsolationLevel[] = [
  'READ UNCOMMITTED',
  'READ COMMITTED',
  'REPEATABLE READ',
  'SERIALIZABLE',
];

/** What a backend needs to begin a local transaction. */
export interface BeginOptions {
  readonly isolation?: IsolationLevel;
  readonly readOnly?: boolean;
  /** SQLite's BEGIN mode (see TransactionOptions.sqliteBegin); other backends ignore it. */
  readonly sqliteBegin?: SqliteBeginMode;
}

export type SqliteBeginMode = 'deferred' | 'immediate' | 'exclusive';
