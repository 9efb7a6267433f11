import type { CompiledQuery } from '../query/nodes';
import type { TableSchema } from '../schema/database-schema';
import type { DdlCompiler } from './ddl-compiler';
import type { Row } from './storage-backend';

/** Runs one catalog query where the caller says (the migration's transaction, or the pool). */
export type CatalogQuery = (query: CompiledQuery) => Promise<Row[]>;

/**
 * Reads a database's catalog into the library's schema shapes. Each backend's introspection
 * (lib/backend/<db>/introspection.ts) sends its own catalog queries; it never runs anything
 * itself, so the queries and the mapping from catalog rows can be tested without a server.
 */
export interface Introspector {
  /**
   * False where several logical types share one stored type and cannot be told apart (SQLite:
   * TEXT holds strings, decimals, dates, JSON...). Comparisons then go by stored type only.
   */
  readonly exactTypes?: boolean;
  /** Base tables of the connection's schema (no views), sorted by name. */
  tableNames(run: CatalogQuery): Promise<string[]>;
  /** One table, or undefined when there is no such table. */
  table(run: CatalogQuery, name: string): Promise<TableSchema | undefined>;
}

/**
 * An introspector that reads a table with a fixed set of catalog queries, one result per key
 * (`columns`, `indexes`, ...), and builds the table from their rows: what every built-in
 * backend's introspection does. Subclasses say which queries and how rows become a table.
 */
export abstract class CatalogIntrospector<Rows extends { readonly [K in keyof Rows]: readonly Row[] }> implements Introspector {
  /** The query listing the base tables, one row per table with a `name` column. */
  abstract tablesQuery(): CompiledQuery;
  /** One catalog query per kind of row the table is built from. */
  abstract tableQueries(table: string): { readonly [K in keyof Rows]: CompiledQuery };
  /** The table from its catalog rows; undefined when the catalog has no such table. */
  abstract buildTable(name: string, rows: Rows): TableSchema | undefined;

  async tableNames(run: CatalogQuery): Promise<string[]> {
    return (await run(this.tablesQuery())).map((row) => String(row.name));
  }

  async table(run: CatalogQuery, name: string): Promise<TableSchema | undefined> {
    const queries = this.tableQueries(name);
    const rows: Record<string, readonly Row[]> = {};
    // One after another: a migration's catalog reads may share its one session.
    for (const key of Object.keys(queries)) rows[key] = await run(queries[key as keyof Rows]);
    return this.buildTable(name, rows as Rows);
  }
}

/**
 * How two instances starting together are kept from running one migration twice.
 * `session`: a lock the database ties to a session (PostgreSQL advisory lock, MySQL GET_LOCK),
 * taken on a session held for the whole run and released with it, also when the process dies.
 * `row`: a row in a lock table, with a lease that a live holder renews and a waiter may take over
 * once it has expired (SQLite, Oracle, SQL Server, custom backends).
 */
export type MigrationLockStrategy =
  | {
      readonly kind: 'session';
      /** Try to take the lock without waiting: one row whose first column is truthy when taken. */
      readonly tryAcquire: CompiledQuery;
      readonly release: CompiledQuery;
    }
  | { readonly kind: 'row' };

/** What a backend's migration wrapper may do on the connection (see SchemaSupport.runMigration). */
export interface MigrationHost {
  query(sql: string): Promise<Row[]>;
  execute(sql: string): Promise<void>;
  /** The connection's public `transaction(...)`. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

/** What migrations need from one database, offered by its Dialect (`dialect.schemaSupport()`). */
export interface SchemaSupport {
  readonly ddl: DdlCompiler;
  readonly introspector: Introspector;
  /**
   * DDL can be rolled back with the transaction it ran in (PostgreSQL, SQLite, SQL Server): each
   * migration then runs in one transaction, all or nothing. Elsewhere (MySQL/MariaDB, Oracle) each
   * DDL statement commits on its own, and a failure stops with what was already applied.
   */
  readonly transactionalDdl: boolean;
  readonly lock: MigrationLockStrategy;
  /**
   * Run one migration. Absent: in `host.transaction(work)` where DDL is transactional, else as is.
   * SQLite overrides it to switch foreign keys off around the transaction, as its table rebuild
   * requires, and to check them before committing.
   */
  runMigration?<T>(host: MigrationHost, work: () => Promise<T>): Promise<T>;
}
