import { optionKeys, type CommonConnectionOptions, type ReplicatedConnectionOptions } from '../../connection/common-options';

/**
 * A password, or a function that returns one when a connection opens (rotating credentials such
 * as cloud IAM tokens). Passed to `pg` as is.
 */
export type PostgresPassword = string | (() => string | Promise<string>);

/**
 * TLS settings passed to `pg` (and from there to Node's `tls.connect`) unchanged: `true` to
 * verify the server's certificate against the system's CAs, or an object with `ca`, `cert`,
 * `key`, `rejectUnauthorized`, ...
 */
export type PostgresSslOptions = boolean | Record<string, unknown>;

export interface PostgresConnectionOptions extends CommonConnectionOptions, ReplicatedConnectionOptions<PostgresReplicaOptions> {
  backend: 'postgres';
  /**
   * `postgres://user:password@host:5432/database?sslmode=require`. The fields below, when also
   * given, override the URL's parts (handy for keeping the password out of the URL).
   */
  url?: string;
  /** Host name, IP address, or a Unix socket directory (starting with `/`). */
  host?: string;
  /** Default 5432. */
  port?: number;
  user?: string;
  password?: PostgresPassword;
  database?: string;
  ssl?: PostgresSslOptions;
  /**
   * The schema tables live in (the session's `search_path`, and nothing else on it). It must
   * exist; the connection fails at startup with a clear error if it does not. Default: the
   * server's default search path (`"$user", public`).
   */
  schema?: string;
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName?: string;
  /** Server-side `statement_timeout` for every statement; default none. */
  statementTimeoutMs?: number;
  /** Server-side `lock_timeout`: a statement waiting this long for a lock fails with LockTimeoutError. */
  lockTimeoutMs?: number;
  /**
   * Run the statements models generate as named (server-side prepared) statements, parsed and
   * planned once per connection. Default true; set false behind a pooler that hands each
   * transaction a different server connection (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

/** The options fields a PostgreSQL read replica may set; the rest comes from its connection. */
export const POSTGRES_REPLICA_FIELDS = ['url', 'host', 'port', 'user', 'password', 'database', 'ssl', 'applicationName', 'pool'] as const;

/** One read replica of a PostgreSQL connection (`replicas: [{ url: 'postgres://...' }]`). */
export type PostgresReplicaOptions = Pick<PostgresConnectionOptions, (typeof POSTGRES_REPLICA_FIELDS)[number]>;

export const POSTGRES_OPTION_KEYS = optionKeys<PostgresConnectionOptions>()([
  'url',
  'host',
  'port',
  'user',
  'password',
  'database',
  'ssl',
  'schema',
  'applicationName',
  'statementTimeoutMs',
  'lockTimeoutMs',
  'preparedStatements',
  'replicas',
  'readYourWritesMs',
  'replicaRetryMs',
]);
