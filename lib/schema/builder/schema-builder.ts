import type { ColumnType } from '../../backend/column-types';
import type { SchemaSupport } from '../../backend/schema-support';
import type { ExecuteResult, Row } from '../../backend/storage-backend';
import type { Connection } from '../../connection/connection';
import { ConfigurationError } from '../../errors';
import type { TableSchema } from '../database-schema';
import type { SchemaOperation } from '../schema-operations';
import { ALTER_KEYS, checkName, columnFromSpec, type AlterColumnSpec, type ColumnSpec, type IndexSpec, type ReferenceSpec } from './column-spec';
import { indexFromSpec, TableBuilder } from './table-builder';

/** The statements a migration has run so far, and the one that failed. */
export interface StatementLog {
  readonly applied: string[];
  failed?: string;
}

/** Raised by the builder when a statement fails: which one, over the database's own error. */
export class StatementFailure extends Error {
  constructor(
    readonly statement: string,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * What a migration's `up(schema)` and `down(schema)` receive. Every method runs at once, in the
 * order called (a call not awaited still runs in order, and the migration waits for it), on the
 * migration's transaction where the database has transactional DDL. Each operation is compiled
 * for the connection's database, SQLite's table rebuilds included; `execute`/`query` run raw SQL
 * with bind parameters for what the builder does not cover (data migrations, say).
 */
export class SchemaBuilder {
  /** The connection this migration runs on. */
  readonly connection: string;
  /** The database's dialect name (`sqlite`, `postgres`, `mysql`, `mariadb`, `oracle`, `mssql`), for SQL that differs. */
  readonly dialect: string;

  private tail: Promise<unknown> = Promise.resolve();
  private failure?: unknown;

  /** @internal Built by the migration runner. */
  constructor(
    private readonly target: Connection,
    private readonly support: SchemaSupport,
    private readonly log: StatementLog,
  ) {
    this.connection = target.name;
    this.dialect = target.dialect.name;
  }

  /** Create a table: `createTable('users', (t) => { t.primaryKey(); t.string('name'); })`. */
  createTable(name: string, define: (table: TableBuilder) => void): Promise<void> {
    return this.operation(() => {
      checkName(name, 'table name');
      if (typeof define !== 'function') throw new ConfigurationError(`createTable('${name}', ...) needs a function that declares the columns`);
      const builder = new TableBuilder(name);
      define(builder);
      return { kind: 'createTable', table: builder.definition() };
    });
  }

  dropTable(name: string): Promise<void> {
    return this.operation(() => (checkName(name, 'table name'), { kind: 'dropTable', table: name }));
  }

  renameTable(name: string, to: string): Promise<void> {
    return this.operation(() => {
      checkName(name, 'table name');
      checkName(to, 'new table name');
      return { kind: 'renameTable', table: name, to };
    });
  }

  addColumn(table: string, name: string, type: ColumnType, options: ColumnSpec = {}): Promise<void> {
    return this.enqueue(async () => {
      checkName(table, 'table name');
      await this.apply({ kind: 'addColumn', table, column: columnFromSpec(table, name, type, options) });
      if (options.index) {
        await this.apply({ kind: 'addIndex', table, index: indexFromSpec(table, [name], options.index === true ? {} : { name: options.index.name }) });
      }
    });
  }

  /**
   * Give a column a new definition: type, nullability, default and size, stated in full (as the
   * column should be afterwards; an option left out takes its default). Indexes and foreign
   * keys are kept; change them with addIndex/dropIndex and addForeignKey/dropForeignKey.
   */
  alterColumn(table: string, name: string, type: ColumnType, options: AlterColumnSpec = {}): Promise<void> {
    return this.operation(() => {
      checkName(table, 'table name');
      return { kind: 'alterColumn', table, column: columnFromSpec(table, name, type, options, ALTER_KEYS) };
    });
  }

  renameColumn(table: string, name: string, to: string): Promise<void> {
    return this.operation(() => {
      checkName(table, 'table name');
      checkName(name, `column of ${table}`);
      checkName(to, `new column name of ${table}.${name}`);
      return { kind: 'renameColumn', table, column: name, to };
    });
  }

  dropColumn(table: string, name: string): Promise<void> {
    return this.operation(() => {
      checkName(table, 'table name');
      checkName(name, `column of ${table}`);
      return { kind: 'dropColumn', table, column: name };
    });
  }

  addIndex(table: string, columns: string | readonly string[], options: IndexSpec = {}): Promise<void> {
    return this.operation(() => {
      checkName(table, 'table name');
      return { kind: 'addIndex', table, index: indexFromSpec(table, typeof columns === 'string' ? [columns] : columns, options) };
    });
  }

  /** Drop an index (or UNIQUE constraint) by name. */
  dropIndex(table: string, name: string): Promise<void> {
    return this.operation(() => {
      checkName(table, 'table name');
      checkName(name, `index name on ${table}`);
      return { kind: 'dropIndex', table, name };
    });
  }

  addForeignKey(table: string, column: string, references: ReferenceSpec): Promise<void> {
    return this.operation(() => {
      checkName(table, 'table name');
      const definition = columnFromSpec(table, column, 'integer', { references });
      const ref = definition.references!;
      return {
        kind: 'addForeignKey',
        table,
        foreignKey: { name: ref.name!, column, referencedTable: ref.table, referencedColumn: ref.column, onDelete: ref.onDelete, onUpdate: ref.onUpdate },
      };
    });
  }

  /** Drop a foreign key by its name, or the one on `{ column }`. */
  dropForeignKey(table: string, key: string | { column: string }): Promise<void> {
    return this.enqueue(async () => {
      checkName(table, 'table name');
      let name: string;
      if (typeof key === 'string') name = key;
      else {
        checkName(key?.column, `foreign key column of ${table}`);
        const found = (await this.table(table))?.foreignKeys.find((fk) => fk.columns.length === 1 && fk.columns[0] === key.column);
        if (!found) throw new ConfigurationError(`Table ${table} has no foreign key on column '${key.column}'`, { field: key.column });
        name = found.name;
      }
      await this.apply({ kind: 'dropForeignKey', table, name });
    });
  }

  /** Run SQL that changes something (bind values with the connection's placeholders). */
  execute(sql: string, params: readonly unknown[] = []): Promise<ExecuteResult> {
    return this.enqueue(() => this.statement(sql, () => this.target.execute(sql, params)));
  }

  /** Run SQL that returns rows. */
  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.enqueue(() => this.target.query<R>(sql, params));
  }

  /** A table as the database has it now (inside this migration), or undefined. */
  table(name: string): Promise<TableSchema | undefined> {
    return this.support.introspector.table((query) => this.target.runQuery(query), name);
  }

  async hasTable(name: string): Promise<boolean> {
    return (await this.table(name)) !== undefined;
  }

  async hasColumn(table: string, column: string): Promise<boolean> {
    return (await this.table(table))?.columns.some((c) => c.name === column) ?? false;
  }

  /** @internal Resolves when every operation called so far has run; rejects with the first failure. */
  async settled(): Promise<void> {
    await this.tail.catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }

  private operation(describe: () => SchemaOperation): Promise<void> {
    return this.enqueue(() => this.apply(describe()));
  }

  private async apply(operation: SchemaOperation): Promise<void> {
    const ddl = this.support.ddl;
    const table = operation.kind === 'createTable' ? operation.table.name : operation.table;
    const current = ddl.needsCurrentTable(operation) ? await this.table(table) : undefined;
    for (const sql of ddl.compile(operation, current)) await this.statement(sql, () => this.target.execute(sql));
  }

  private async statement<T>(sql: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.log.applied.push(sql);
      return result;
    } catch (error) {
      this.log.failed = sql;
      throw new StatementFailure(sql, error);
    }
  }

  /** Operations run one after another; after a failure the rest are refused with it. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return work();
    });
    this.tail = result.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    return result;
  }
}
