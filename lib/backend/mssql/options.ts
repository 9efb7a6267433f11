import { optionKeys, type CommonConnectionOptions } from '../../connection/common-options';

/**
 * A connection to Microsoft SQL Server (2016 or later) or Azure SQL through the `mssql` package
 * on tedious. Give `url` or `server`, and `user`/`password` (SQL Server authentication).
 */
export interface MssqlConnectionOptions extends CommonConnectionOptions {
  backend: 'mssql';
  /** `mssql://user:password@host:1433/database?encrypt=true&trustServerCertificate=true`. */
  url?: string;
  /** Host name or address. */
  server?: string;
  /** Default 1433. */
  port?: number;
  /** Database to use; default: the login's default database. */
  database?: string;
  user?: string;
  password?: string;
  options?: {
    /** Encrypt the connection (TLS); default true, as tedious does. */
    encrypt?: boolean;
    /** Accept a self-signed server certificate (local development only); default false. */
    trustServerCertificate?: boolean;
    /** A named instance (SQL Server Browser resolves its port). */
    instanceName?: string;
  };
  /** Fail a statement that runs this long; default 15000 (tedious's default), 0 for none. */
  requestTimeoutMs?: number;
  /** Fail a connection attempt that takes this long; default 15000. */
  connectTimeoutMs?: number;
}

export const MSSQL_OPTION_KEYS = optionKeys<MssqlConnectionOptions>()([
  'url',
  'server',
  'port',
  'database',
  'user',
  'password',
  'options',
  'requestTimeoutMs',
  'connectTimeoutMs',
]);
