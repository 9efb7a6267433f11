import { optionKeys, type CommonConnectionOptions, type ReplicatedConnectionOptions } from '../../connection/common-options';

/**
 * TLS settings handed to mysql2 as they are: `true` for TLS with the default certificate checks,
 * a profile name mysql2 knows, or an object of Node `tls` options (`ca`, `cert`, `key`,
 * `rejectUnauthorized`, ...).
 */
export type MysqlSslOptions =
  | boolean
  | string
  | {
      ca?: string | Buffer | Array<string | Buffer>;
      cert?: string | Buffer | Array<string | Buffer>;
      key?: string | Buffer | Array<string | Buffer>;
      passphrase?: string;
      rejectUnauthorized?: boolean;
      minVersion?: string;
      [option: string]: unknown;
    };

/**
 * A MySQL or MariaDB database through the `mysql2` driver. Give a `url`
 * (`mysql://user:password@host:3306/database`) or the separate fields; fields given explicitly
 * win over the URL's.
 */
export interface MysqlConnectionOptions extends CommonConnectionOptions, ReplicatedConnectionOptions<MysqlReplicaOptions> {
  /** Both use the same backend; the server's version decides what SQL it gets (see docs/backends/mysql.md). */
  backend: 'mysql' | 'mariadb';
  /** `mysql://` or `mariadb://` URL; query parameters `ssl`, `charset`, `timezone` are read too. */
  url?: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 3306. */
  port?: number;
  /** A Unix socket path instead of host and port. */
  socketPath?: string;
  user?: string;
  password?: string;
  database?: string;
  ssl?: MysqlSslOptions;
  /**
   * The zone `datetime` columns are stored in, as a fixed offset: `'Z'` (default, UTC) or
   * `'+HH:MM'`/`'-HH:MM'` for an existing database that stores local wall-clock times. Also set
   * as the session `time_zone`, so `NOW()` and `CURRENT_TIMESTAMP` agree with it.
   */
  timezone?: string;
  /** Connection character set, also the default of created tables; default `'utf8mb4'`. */
  charset?: string;
  /**
   * Collation of created tables; default `<charset>_bin`, which compares case- and
   * accent-sensitively like the other backends. Use e.g. `'utf8mb4_unicode_ci'` for MySQL's
   * usual case-insensitive behaviour.
   */
  collation?: string;
  /** How long opening one connection may take; default 10000. */
  connectTimeoutMs?: number;
  /** Prepared statements each connection keeps (least recently used are closed); default 256. */
  maxPreparedStatements?: number;
}

/** The options fields a MySQL/MariaDB read replica may set; the rest comes from its connection. */
export const MYSQL_REPLICA_FIELDS = ['url', 'host', 'port', 'socketPath', 'user', 'password', 'database', 'ssl', 'connectTimeoutMs', 'pool'] as const;

/** One read replica of a MySQL/MariaDB connection (`replicas: [{ url: 'mysql://...' }]`). */
export type MysqlReplicaOptions = Pick<MysqlConnectionOptions, (typeof MYSQL_REPLICA_FIELDS)[number]>;

export const MYSQL_OPTION_KEYS = optionKeys<MysqlConnectionOptions>()([
  'url',
  'host',
  'port',
  'socketPath',
  'user',
  'password',
  'database',
  'ssl',
  'timezone',
  'charset',
  'collation',
  'connectTimeoutMs',
  'maxPreparedStatements',
  'replicas',
  'readYourWritesMs',
  'replicaRetryMs',
]);
