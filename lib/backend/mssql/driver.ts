/**
 * The part of the `mssql` package's API this backend uses, typed structurally so that the
 * library's users need neither `mssql` nor its type declarations unless they use SQL Server.
 * The module itself is loaded on first use by `loadDriver('mssql', ...)`.
 */
import type { Row } from '../storage-backend';

/** One of the package's SQL types (`sql.Int`, `sql.NVarChar(sql.MAX)`, ...), opaque here. */
export type MssqlType = object;

export interface MssqlResult {
  readonly recordset?: Row[];
  readonly rowsAffected: number[];
}

export interface MssqlRequest {
  stream: boolean;
  input(name: string, type: MssqlType, value: unknown): MssqlRequest;
  input(name: string, value: unknown): MssqlRequest;
  query(sql: string): Promise<MssqlResult>;
  pause(): boolean;
  resume(): boolean;
  cancel(): void;
  on(event: 'row', listener: (row: Row) => void): MssqlRequest;
  on(event: 'error', listener: (error: unknown) => void): MssqlRequest;
  on(event: 'done', listener: () => void): MssqlRequest;
}

export interface MssqlTransaction {
  begin(isolationLevel?: number): Promise<MssqlTransaction>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  on(event: 'rollback', listener: (aborted: boolean) => void): MssqlTransaction;
}

export interface MssqlPool {
  connect(): Promise<MssqlPool>;
  close(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): MssqlPool;
}

export interface MssqlPoolConfig {
  server: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  connectionTimeout: number;
  requestTimeout: number;
  options: { encrypt: boolean; trustServerCertificate: boolean; useUTC: true; instanceName?: string };
  pool: { min: number; max: number; idleTimeoutMillis: number; acquireTimeoutMillis: number };
}

export interface MssqlDriver {
  ConnectionPool: new (config: MssqlPoolConfig) => MssqlPool;
  Request: new (parent: MssqlPool | MssqlTransaction) => MssqlRequest;
  Transaction: new (parent: MssqlPool) => MssqlTransaction;
  readonly MAX: number;
  NVarChar(length?: number): MssqlType;
  VarBinary(length?: number): MssqlType;
  DateTimeOffset(scale?: number): MssqlType;
  readonly Int: MssqlType;
  readonly BigInt: MssqlType;
  readonly Float: MssqlType;
  readonly Bit: MssqlType;
  readonly UniqueIdentifier: MssqlType;
  readonly ISOLATION_LEVEL: {
    readonly READ_UNCOMMITTED: number;
    readonly READ_COMMITTED: number;
    readonly REPEATABLE_READ: number;
    readonly SERIALIZABLE: number;
  };
}
