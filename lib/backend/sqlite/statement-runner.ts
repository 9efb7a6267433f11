import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from '../../query/nodes';
import type { ExecuteResult, Row, RunOptions, StreamOptions } from '../storage-backend';
import { SqliteCursor } from './cursor';

/** Runs a synchronous step while holding whatever the caller must hold (the connection lock). */
export type StepRunner = <T>(step: () => T) => Promise<T>;

const STATEMENT_CACHE_SIZE = 500;

/** Turns one row as better-sqlite3's raw mode returns it (an array) into a row object. */
type RowBuilder = (values: unknown[]) => Row;

/** A prepared statement with what the runner learned about it once, at prepare time. */
interface CachedStatement {
  readonly statement: BetterSqlite3.Statement;
  /** The statement returns rows (SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  /**
   * For readers in raw mode: builds row objects from value arrays. Absent when the driver builds
   * the objects itself (statements whose result columns can change under them, see `prepare`).
   */
  readonly build?: RowBuilder;
  /** Result columns `build` expects. */
  readonly width: number;
}

/** Statements after which result column names may differ: the cache is dropped after them. */
const SCHEMA_CHANGE = /^\s*(?:create|alter|drop|attach|detach)\b/i;

/**
 * Runs statements on one better-sqlite3 database, synchronously, with a cache of prepared
 * statements keyed by SQL text (preparing costs more than running a point select).
 * Errors are translated by the caller-supplied function before they leave.
 *
 * Rows come back as plain objects keyed by column name, exactly as better-sqlite3 builds them,
 * but built faster: readers run in better-sqlite3's raw mode (arrays of values, no per-row
 * property lookups in C++), and a per-statement function made once from the column names turns
 * each array into an object literal with a fixed shape (the approach Drizzle takes; measured on a
 * 100-row select it takes a third off the driver's time). Assigning a key twice keeps the last
 * value, and `__proto__` is assigned as an ordinary assignment would, as the driver does.
 */
export class SqliteStatementRunner {
  private readonly cache = new Map<string, CachedStatement>();
  /** Streams reading from this connection now (see stream()). */
  private readonly cursors = new Set<SqliteCursor>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly translate: (error: unknown, sql: string) => Error,
  ) {}

  all(query: CompiledQuery, options?: RunOptions): Row[] {
    const cached = this.prepare(query.sql);
    const statement = cached.statement;
    // Writes, and transaction control (which SQLite counts as read-only), need the cursors gone.
    if (this.cursors.size > 0 && (!cached.reader || !statement.readonly)) this.detachCursors();
    try {
      if (!cached.reader) {
        statement.run(query.params as unknown[]);
        this.afterWrite(query.sql);
        return [];
      }
      const params = query.params as unknown[];
      let rows: unknown[];
      if (options?.firstRow && statement.readonly) {
        // One row wanted (RunOptions.firstRow): one step, no result array from the driver.
        const row = options.exactIntegers ? this.withSafeIntegers(statement, () => statement.get(params)) : statement.get(params);
        rows = row === undefined ? [] : [row];
      } else {
        rows = options?.exactIntegers ? this.withSafeIntegers(statement, () => statement.all(params)) : statement.all(params);
      }
      if (cached.build === undefined) return rows as Row[];
      // The caller takes value arrays (RunOptions.rowMode): raw mode already made them.
      if (options?.rowMode === 'array') return checkWidths(rows as unknown[][], cached) as unknown as Row[];
      return toObjects(rows as unknown[][], cached);
    } catch (error) {
      throw this.translate(error, query.sql);
    }
  }

  run(query: CompiledQuery, options?: RunOptions): ExecuteResult {
    const cached = this.prepare(query.sql);
    if (cached.reader) return { affectedRows: this.all(query, options).length };
    const statement = cached.statement;
    if (this.cursors.size > 0) this.detachCursors();
    try {
      // With exactIntegers the generated id comes back as a bigint, never a rounded number.
      const result = options?.exactIntegers
        ? this.withSafeIntegers(statement, () => statement.run(query.params as unknown[]))
        : statement.run(query.params as unknown[]);
      this.afterWrite(query.sql);
      return { affectedRows: result.changes, insertId: result.lastInsertRowid };
    } catch (error) {
      throw this.translate(error, query.sql);
    }
  }

  /**
   * Streams a result a batch at a time from an open cursor (see SqliteCursor), so the first rows
   * come after one batch. `step` runs each batch while holding what the caller must hold (the
   * connection lock); between batches the connection is free for others, and a write from the
   * loop body (or anyone) first moves the rest of the result to disk. On a connection of its own
   * (the backend's read connection) nothing ever needs to.
   */
  async *stream(query: CompiledQuery, options: StreamOptions, step: StepRunner): AsyncGenerator<Row> {
    const batchSize = options.batchSize;
    let described: CachedStatement | undefined;
    const cursor = await step(() => {
      try {
        // A statement of its own: a cached one may be wanted by others while this one iterates.
        described = describe(this.db.prepare(query.sql), true);
        if (!described.reader) throw new TypeError('stream() needs a statement that returns rows');
        if (options.exactIntegers) described.statement.safeIntegers(true);
        const opened = new SqliteCursor(described.statement, query.params, batchSize);
        this.cursors.add(opened);
        return opened;
      } catch (error) {
        throw this.translate(error, query.sql);
      }
    });
    try {
      for (;;) {
        const rows = await step(() => {
          try {
            return cursor.next();
          } catch (error) {
            throw this.translate(error, query.sql);
          }
        });
        if (described!.build !== undefined && options.rowMode !== 'array') toObjects(rows, described!);
        yield* rows as unknown as Row[];
        if (rows.length < batchSize) return;
      }
    } finally {
      this.cursors.delete(cursor);
      cursor.close();
    }
  }

  /** Let open cursors go before a write (better-sqlite3 refuses writes while one iterates). */
  detachCursors(): void {
    for (const cursor of this.cursors) cursor.detach();
  }

  /** The connection is closing: streams still open end with `reason` at their next batch. */
  abandonCursors(reason: Error): void {
    for (const cursor of this.cursors) cursor.abandon(reason);
    this.cursors.clear();
  }

  private prepare(sql: string): CachedStatement {
    const hit = this.cache.get(sql);
    if (hit !== undefined) return hit;
    let statement: BetterSqlite3.Statement;
    try {
      statement = this.db.prepare(sql);
    } catch (error) {
      throw this.translate(error, sql);
    }
    const cached = describe(statement, !sql.includes('*'));
    if (this.cache.size >= STATEMENT_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(sql, cached);
    return cached;
  }

  /**
   * After DDL through this connection, a re-prepared statement may name its columns differently
   * (`SELECT *` after ALTER TABLE, a column's declared case after DROP and CREATE): forget every
   * statement, so that each is prepared and described again.
   */
  private afterWrite(sql: string): void {
    if (SCHEMA_CHANGE.test(sql)) this.cache.clear();
  }

  private withSafeIntegers<T>(statement: BetterSqlite3.Statement, read: () => T): T {
    statement.safeIntegers(true);
    try {
      return read();
    } finally {
      statement.safeIntegers(false);
    }
  }
}

/**
 * Learn once what a statement returns. Raw mode (and so a row builder) is used only where the
 * result columns are fixed by the SQL text: a `*` anywhere (`SELECT *`, `RETURNING *`, or an
 * expression that merely multiplies) keeps the driver's own objects, since SQLite re-prepares a
 * statement after another connection changes the schema and `*` may then mean other columns.
 */
function describe(statement: BetterSqlite3.Statement, fixedColumns: boolean): CachedStatement {
  const reader = statement.reader;
  if (!reader || !fixedColumns) return { statement, reader, width: 0 };
  const names = statement.columns().map((column) => column.name);
  statement.raw(true);
  return { statement, reader, build: rowBuilder(names), width: names.length };
}

/** Value arrays as they are, once each is known to have the expected number of columns. */
function checkWidths(rows: unknown[][], cached: CachedStatement): unknown[][] {
  const width = cached.width;
  for (let i = 0; i < rows.length; i++) {
    const length = rows[i]!.length;
    if (length !== width) throw new Error(`SQLite returned ${length} columns, expected ${width}`);
  }
  return rows;
}

/** Replace each value array with its row object, in place. */
function toObjects(rows: unknown[][], cached: CachedStatement): Row[] {
  const build = cached.build!;
  const out = rows as unknown as Row[];
  for (let i = 0; i < rows.length; i++) {
    const values = rows[i]!;
    if (values.length !== cached.width) throw new Error(`SQLite returned ${values.length} columns, expected ${cached.width}`);
    out[i] = build(values);
  }
  return out;
}

const builders = new Map<string, RowBuilder>();

/**
 * A function returning `{ "a": v[0], "b": v[1], ... }`: an object literal, so every row of a
 * statement shares one hidden class and V8 builds it without lookups. Column names enter the
 * source only through JSON.stringify, which makes any string a valid, inert string literal.
 * Shared between statements with the same column list.
 */
function rowBuilder(names: readonly string[]): RowBuilder {
  const key = JSON.stringify(names);
  let build = builders.get(key);
  if (build === undefined) {
    build = compileBuilder(names) ?? loopBuilder(names);
    if (builders.size >= STATEMENT_CACHE_SIZE) builders.delete(builders.keys().next().value!);
    builders.set(key, build);
  }
  return build;
}

function compileBuilder(names: readonly string[]): RowBuilder | undefined {
  // Two `__proto__` keys in one literal are a syntax error; the loop handles that column name.
  if (names.includes('__proto__')) return undefined;
  const fields = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  try {
    return new Function('v', `return { ${fields} };`) as RowBuilder;
  } catch {
    // Code generation disabled (--disallow-code-generation-from-strings): build by assignment.
    return undefined;
  }
}

function loopBuilder(names: readonly string[]): RowBuilder {
  return (values) => {
    const row: Row = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row;
  };
}
