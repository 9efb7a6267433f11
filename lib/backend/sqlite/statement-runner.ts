import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from '../../query/nodes';
import type { ExecuteResult, Row, RunOptions, StreamOptions } from '../storage-backend';

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
  private streamSequence = 0;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly translate: (error: unknown, sql: string) => Error,
  ) {}

  all(query: CompiledQuery, options?: RunOptions): Row[] {
    const cached = this.prepare(query.sql);
    const statement = cached.statement;
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
   * Streams a result without holding the connection between batches: the result is first
   * copied into a temporary table (a snapshot, on the same connection, so it sees the caller's
   * own transaction), then read a batch at a time by rowid. Between batches the connection is
   * free, so the loop body may write (better-sqlite3 refuses writes while a cursor is open, and
   * SQLite has one connection here). JavaScript memory stays bounded by the batch size.
   */
  async *stream(query: CompiledQuery, options: StreamOptions, step: StepRunner): AsyncGenerator<Row> {
    const table = `temp."ar_stream_${++this.streamSequence}"`;
    await step(() => this.runUncached(`CREATE TEMP TABLE ${table} AS ${query.sql}`, query.params));
    try {
      const page = `SELECT * FROM ${table} WHERE _rowid_ > ? ORDER BY _rowid_ LIMIT ?`;
      for (let position = 0; ; ) {
        const rows = await step(() => this.allUncached(page, [position, options.batchSize], options));
        // A fresh table numbers its rows 1..n in insertion order, so the count is the position.
        position += rows.length;
        yield* rows;
        if (rows.length < options.batchSize) return;
      }
    } finally {
      await step(() => this.runUncached(`DROP TABLE IF EXISTS ${table}`, [])).catch(() => undefined);
    }
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

  private runUncached(sql: string, params: readonly unknown[]): void {
    try {
      this.db.prepare(sql).run(params as unknown[]);
    } catch (error) {
      throw this.translate(error, sql);
    }
    this.afterWrite(sql);
  }

  private allUncached(sql: string, params: readonly unknown[], options: RunOptions): Row[] {
    try {
      // Described afresh on every call, so a stale column list is impossible here.
      const cached = describe(this.db.prepare(sql), true);
      if (options.exactIntegers) cached.statement.safeIntegers(true);
      const rows = cached.statement.all(params as unknown[]);
      return cached.build ? toObjects(rows as unknown[][], cached) : (rows as Row[]);
    } catch (error) {
      throw this.translate(error, sql);
    }
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
