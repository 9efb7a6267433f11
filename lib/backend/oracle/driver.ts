/**
 * The part of node-oracledb's API this backend uses, typed structurally: the driver ships no
 * type declarations, and the library must not make its users install any to compile. The
 * module itself is loaded on first use by `loadDriver('oracledb', ...)`.
 */
import type { Row } from '../storage-backend';

/** One of the driver's `DB_TYPE_*` constants (an opaque object). */
export interface OracleDbType {
  readonly name?: string;
}

/** Column metadata the driver hands a fetch type handler. */
export interface OracleColumnMetadata {
  readonly name: string;
  readonly dbType: OracleDbType;
  readonly precision?: number;
  readonly scale?: number;
}

export interface OracleFetchType {
  readonly type?: OracleDbType;
  readonly converter?: (value: unknown) => unknown;
}

export type OracleFetchTypeHandler = (metadata: OracleColumnMetadata) => OracleFetchType | undefined;

export interface OracleBindDefinition {
  readonly type: OracleDbType;
  readonly maxSize?: number;
}

export interface OracleExecuteOptions {
  autoCommit?: boolean;
  outFormat?: number;
  fetchTypeHandler?: OracleFetchTypeHandler;
  resultSet?: boolean;
  fetchArraySize?: number;
  prefetchRows?: number;
  bindDefs?: readonly OracleBindDefinition[];
}

export interface OracleResultSet {
  getRows(count: number): Promise<Row[]>;
  close(): Promise<void>;
}

export interface OracleResult {
  readonly rows?: Row[];
  readonly rowsAffected?: number;
  /** The ROWID of the row a single-row INSERT/UPDATE/DELETE/MERGE touched. */
  readonly lastRowid?: string;
  readonly resultSet?: OracleResultSet;
}

/** An XA transaction id, as the driver's TPC calls take it. */
export interface OracleXid {
  readonly formatId: number;
  readonly globalTransactionId: string | Buffer;
  readonly branchQualifier: string | Buffer;
}

export interface OracleConnection {
  execute(sql: string, binds: readonly unknown[], options: OracleExecuteOptions): Promise<OracleResult>;
  /** `binds` is one array per row, or a number of iterations for a statement without binds. */
  executeMany(sql: string, binds: readonly (readonly unknown[])[] | number, options: OracleExecuteOptions): Promise<OracleResult>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(options?: { drop?: boolean }): Promise<void>;
  ping(): Promise<void>;
  /** Interrupt the statement running on this connection (it fails with ORA-01013). */
  breakExecution(): Promise<void>;
  // Two-phase commit, available in Thin mode since node-oracledb 6.6 (used by the coordinator).
  tpcBegin(xid: OracleXid, flags?: number, timeout?: number): Promise<void>;
  tpcEnd(xid?: OracleXid, flags?: number): Promise<void>;
  tpcPrepare(xid?: OracleXid): Promise<boolean>;
  tpcCommit(xid?: OracleXid, onePhase?: boolean): Promise<void>;
  tpcRollback(xid?: OracleXid): Promise<void>;
  tpcRecover(asString?: boolean): Promise<OracleXid[]>;
  tpcForget(xid: OracleXid): Promise<void>;
}

export type OracleSessionCallback = (connection: OracleConnection, requestedTag: string, done: (error?: unknown) => void) => void;

export interface OraclePoolAttributes {
  user?: string;
  password?: string;
  connectString: string;
  poolMin: number;
  poolMax: number;
  poolIncrement: number;
  /** Seconds an idle connection is kept. */
  poolTimeout: number;
  /** Milliseconds a getConnection() waits for a free connection. */
  queueTimeout: number;
  stmtCacheSize?: number;
  sessionCallback: OracleSessionCallback;
}

export interface OraclePool {
  getConnection(): Promise<OracleConnection>;
  close(drainTimeSeconds?: number): Promise<void>;
}

export interface OracleDriver {
  createPool(attributes: OraclePoolAttributes): Promise<OraclePool>;
  readonly OUT_FORMAT_OBJECT: number;
  readonly DB_TYPE_NUMBER: OracleDbType;
  readonly DB_TYPE_VARCHAR: OracleDbType;
  readonly DB_TYPE_RAW: OracleDbType;
  readonly DB_TYPE_CLOB: OracleDbType;
  readonly DB_TYPE_NCLOB: OracleDbType;
  readonly DB_TYPE_BLOB: OracleDbType;
  readonly DB_TYPE_LONG: OracleDbType;
  readonly DB_TYPE_LONG_NVARCHAR: OracleDbType;
  readonly DB_TYPE_LONG_RAW: OracleDbType;
  readonly DB_TYPE_BINARY_DOUBLE: OracleDbType;
  readonly DB_TYPE_TIMESTAMP_TZ: OracleDbType;
}
