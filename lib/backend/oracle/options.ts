import { optionKeys, type CommonConnectionOptions } from '../../connection/common-options';

/**
 * A connection to Oracle Database through node-oracledb in Thin mode (pure JavaScript, no
 * Instant Client). Give either `url`, or `connectString`, or `host` (+ `port`, `serviceName`),
 * and `user`/`password` where the URL does not carry them.
 */
export interface OracleConnectionOptions extends CommonConnectionOptions {
  backend: 'oracle';
  /** `oracle://user:password@host:1521/serviceName`; the other fields override its parts. */
  url?: string;
  /** An Easy Connect string (`host:1521/FREEPDB1`), a TNS alias or a full descriptor. */
  connectString?: string;
  host?: string;
  /** Default 1521. */
  port?: number;
  /** The service name, e.g. `FREEPDB1` or `ORCLPDB1`. */
  serviceName?: string;
  user?: string;
  password?: string;
  /**
   * Resolve unqualified table names in this schema (`ALTER SESSION SET CURRENT_SCHEMA`), for a
   * user that works on another user's tables. Creating tables there needs the CREATE ANY TABLE
   * privilege.
   */
  currentSchema?: string;
  /** Statements cached per connection by the driver; default 30 (the driver's default). */
  statementCacheSize?: number;
}

export const ORACLE_OPTION_KEYS = optionKeys<OracleConnectionOptions>()([
  'url',
  'connectString',
  'host',
  'port',
  'serviceName',
  'user',
  'password',
  'currentSchema',
  'statementCacheSize',
]);
