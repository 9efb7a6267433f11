import type { BackendLogger, StorageBackendClass } from '../backend/storage-backend';
import type { SqliteConnectionOptions } from '../backend/sqlite/options';
import type { PostgresConnectionOptions } from '../backend/postgres/options';
import type { MysqlConnectionOptions } from '../backend/mysql/options';
import type { OracleConnectionOptions } from '../backend/oracle/options';
import type { MssqlConnectionOptions } from '../backend/mssql/options';
import type { CommonConnectionOptions } from './common-options';
import type { LoggingOption } from './logging-options';
import type { EncryptionOptions } from './encryption-options';

/** A connection served by a custom backend: `backend` is a class extending StorageBackend. */
export interface CustomBackendConnectionOptions extends CommonConnectionOptions {
  backend: StorageBackendClass;
  /** Anything else the custom backend reads from its options. */
  [option: string]: unknown;
}

/** One connection's options; `backend` says which database it talks to. */
export type ConnectionOptions = SqliteConnectionOptions | PostgresConnectionOptions | MysqlConnectionOptions | OracleConnectionOptions | MssqlConnectionOptions | CustomBackendConnectionOptions;

/** The array form of `connections`, where a duplicate name can be detected at runtime. */
export type NamedConnectionOptions = ConnectionOptions & { name: string };

/** A set of named connections and what applies to all of them (the connection part of ActiveRecordOptions). */
export interface ConnectionSetOptions {
  /** Named connections: `{ main: {...}, audit: {...} }`, or an array of `{ name, ...options }`. */
  connections: Readonly<Record<string, ConnectionOptions>> | readonly NamedConnectionOptions[];
  /** The connection of models and injections that name none; default: the first one. */
  defaultConnection?: string;
  /** Default for every connection's `synchronize`. */
  synchronize?: boolean;
  /** Default for every connection's `migrationsRun`: apply pending migrations at startup. */
  migrationsRun?: boolean;
  /**
   * Default for every connection's `logging` (a connection's own replaces it whole); also
   * where the coordinator's level is chosen (`logging: { coordinator: 'log' }`).
   */
  logging?: LoggingOption;
  /** Where warnings and SQL logs go; default: console (Nest's Logger under ActiveRecordModule). */
  logger?: BackendLogger;
  /** Keys of encrypted columns (`@Column('string', { encrypted: true })`). */
  encryption?: EncryptionOptions;
}
