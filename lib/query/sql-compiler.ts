import type { ColumnType } from '../backend/column-types';
import type {
  ColumnRef,
  CompiledQuery,
  ConflictClause,
  ConditionNode,
  CountNode,
  DeleteNode,
  ExistsNode,
  InsertNode,
  OrderNode,
  QueryNode,
  SelectNode,
  UpdateNode,
} from './nodes';

/**
 * Compiles the query tree to standard SQL. Each Dialect extends it and overrides only what its
 * database spells differently (quoting, placeholders, paging, RETURNING, ...), the way Kysely's
 * dialect compilers do. Every value becomes a bind parameter; every name goes through
 * `quoteIdentifier`. The compiler keeps no state between calls beyond memos of quoted names:
 * one instance serves every query.
 */
export abstract class SqlCompiler {
  /** Quote a table or column name so that any string is taken literally as a name. */
  abstract quoteIdentifier(name: string): string;

  /** The placeholder for the `index`-th bound value (1-based): `?`, `$1`, `:1`, `@p1`. */
  abstract placeholder(index: number): string;

  /** Convert a JavaScript value to what the driver binds, by the column's logical type. */
  abstract toDriverValue(type: ColumnType | undefined, value: unknown): unknown;

  /** Whether `INSERT ... RETURNING` (or an equivalent) gives back inserted rows. */
  abstract readonly supportsReturning: boolean;

  /**
   * True when this compiler's SQL text depends only on a tree's shape (kinds, names, types, how
   * many values), never on the values themselves, and its bind values are exactly
   * `toDriverValue(type, value)` for each value in the order the tree lists them (conditions,
   * then limit, then offset; insert rows row by row). The model layer then compiles a statement
   * once per shape and only converts values on later calls. Off by default: a dialect that
   * inspects values or binds them otherwise must not claim it.
   */
  readonly stableShapes: boolean = false;

  /**
   * True when a column of this type, in a table the library created, stores exactly the driver
   * value bound for it, so that reading the row back gives `valueReader(type)(driverValue)`.
   * When every column of a model's table does, an insert learns nothing from RETURNING that it
   * does not already know, and skips it (on SQLite RETURNING costs as much as the insert itself;
   * on MariaDB it turns an OK packet into a result set with a column definition per column).
   * False by default (a DECIMAL rounds to its scale, for instance).
   */
  storesExactly(_type: ColumnType): boolean {
    return false;
  }

  private readonly quotedNames = new Map<string, string>();
  private readonly columnLists = new WeakMap<readonly string[], string>();

  compile(node: QueryNode): CompiledQuery {
    const params: unknown[] = [];
    const sql = this.compileNode(node, params);
    return { sql, params };
  }

  protected compileNode(node: QueryNode, params: unknown[]): string {
    switch (node.kind) {
      case 'select':
        return this.compileSelect(node, params);
      case 'count':
        return this.compileCount(node, params);
      case 'exists':
        return this.compileExists(node, params);
      case 'insert':
        return this.compileInsert(node, params);
      case 'update':
        return this.compileUpdate(node, params);
      case 'delete':
        return this.compileDelete(node, params);
    }
  }

  protected bind(params: unknown[], value: unknown, type?: ColumnType): string {
    params.push(this.toDriverValue(type, value));
    return this.placeholder(params.length);
  }

  /**
   * `quoteIdentifier`, remembered: the same few table and column names are quoted on every
   * statement. (Names come from model metadata, so the set is small; it is capped all the same.)
   */
  protected quoted(name: string): string {
    let quoted = this.quotedNames.get(name);
    if (quoted === undefined) {
      quoted = this.quoteIdentifier(name);
      if (this.quotedNames.size < 10_000) this.quotedNames.set(name, quoted);
    }
    return quoted;
  }

  /** A comma-separated list of quoted names, remembered per list (a model's column list is one array). */
  protected quotedList(names: readonly string[]): string {
    let list = this.columnLists.get(names);
    if (list === undefined) {
      list = names.map((name) => this.quoted(name)).join(', ');
      this.columnLists.set(names, list);
    }
    return list;
  }

  protected compileSelect(node: SelectNode, params: unknown[]): string {
    const columns = node.columns.length === 0 ? '*' : this.quotedList(node.columns);
    let sql = `SELECT ${columns} FROM ${this.quoted(node.table)}`;
    sql += this.compileWhere(node.where, params);
    sql += this.compileOrderBy(node.orderBy);
    sql += this.compileLimitOffset(node, params);
    return sql;
  }

  protected compileCount(node: CountNode, params: unknown[]): string {
    const source = node.source;
    const count = `COUNT(*) AS ${this.quoteIdentifier('count')}`;
    if (source.limit === undefined && source.offset === undefined) {
      return `SELECT ${count} FROM ${this.quoteIdentifier(source.table)}${this.compileWhere(source.where, params)}`;
    }
    // Counting a page: count the rows of the paged subquery, not the whole table.
    const inner = this.compileSelect({ ...source, columns: [] }, params);
    return `SELECT ${count} FROM (${inner}) ${this.quoteIdentifier('page')}`;
  }

  protected compileExists(node: ExistsNode, params: unknown[]): string {
    const source = node.source;
    let sql = `SELECT 1 AS ${this.quoteIdentifier('found')} FROM ${this.quoteIdentifier(source.table)}`;
    sql += this.compileWhere(source.where, params);
    sql += this.compileLimitOffset({ ...source, limit: 1, orderBy: [] }, params);
    return sql;
  }

  protected compileInsert(node: InsertNode, params: unknown[]): string {
    const table = this.quoteIdentifier(node.table);
    if (node.columns.length === 0) return this.compileInsertDefaults(node, params);
    const columns = node.columns.map((c) => this.quoteIdentifier(c.name)).join(', ');
    const rows = node.rows
      .map((row) => '(' + row.map((value, i) => this.bind(params, value, node.columns[i]!.type)).join(', ') + ')')
      .join(', ');
    const conflict = node.onConflict ? this.compileOnConflict(node.onConflict) : '';
    return `INSERT INTO ${table} (${columns}) VALUES ${rows}${conflict}${this.compileReturning(node.returning)}`;
  }

  /** PostgreSQL and SQLite spelling; MySQL overrides with ON DUPLICATE KEY UPDATE. */
  protected compileOnConflict(clause: ConflictClause): string {
    const target = clause.target.map((c) => this.quoteIdentifier(c)).join(', ');
    if (clause.update.length === 0) return ` ON CONFLICT (${target}) DO NOTHING`;
    const set = clause.update.map((c) => `${this.quoteIdentifier(c)} = EXCLUDED.${this.quoteIdentifier(c)}`).join(', ');
    return ` ON CONFLICT (${target}) DO UPDATE SET ${set}`;
  }

  /** An insert that sets no column: every column takes its default. */
  protected compileInsertDefaults(node: InsertNode, _params: unknown[]): string {
    return `INSERT INTO ${this.quoteIdentifier(node.table)} DEFAULT VALUES${this.compileReturning(node.returning)}`;
  }

  protected compileReturning(columns: readonly string[] | undefined): string {
    if (!columns || columns.length === 0 || !this.supportsReturning) return '';
    return ' RETURNING ' + columns.map((c) => this.quoteIdentifier(c)).join(', ');
  }

  protected compileUpdate(node: UpdateNode, params: unknown[]): string {
    let assignments = node.set
      .map(([column, value]) => `${this.quoteIdentifier(column.name)} = ${this.bind(params, value, column.type)}`)
      .join(', ');
    for (const column of node.increment ?? []) {
      const name = this.quoteIdentifier(column.name);
      assignments += `${assignments === '' ? '' : ', '}${name} = ${name} + 1`;
    }
    return `UPDATE ${this.quoteIdentifier(node.table)} SET ${assignments}${this.compileWhere(node.where, params)}`;
  }

  protected compileDelete(node: DeleteNode, params: unknown[]): string {
    return `DELETE FROM ${this.quoteIdentifier(node.table)}${this.compileWhere(node.where, params)}`;
  }

  protected compileWhere(where: ConditionNode | undefined, params: unknown[]): string {
    return where ? ' WHERE ' + this.compileCondition(where, params) : '';
  }

  protected compileCondition(node: ConditionNode, params: unknown[]): string {
    switch (node.kind) {
      case 'compare':
        return `${this.column(node.column)} ${node.op} ${this.bind(params, node.value, node.column.type)}`;
      case 'in':
        return this.compileIn(node.column, node.values, node.negated, params);
      case 'between':
        return (
          `${this.column(node.column)} BETWEEN ${this.bind(params, node.low, node.column.type)}` +
          ` AND ${this.bind(params, node.high, node.column.type)}`
        );
      case 'null':
        return `${this.column(node.column)} IS ${node.negated ? 'NOT ' : ''}NULL`;
      case 'like':
        return `${this.column(node.column)} ${node.negated ? 'NOT ' : ''}LIKE ${this.bind(params, node.pattern)} ESCAPE ${this.likeEscape()}`;
      case 'and':
      case 'or': {
        const joiner = node.kind === 'and' ? ' AND ' : ' OR ';
        return '(' + node.items.map((item) => this.compileCondition(item, params)).join(joiner) + ')';
      }
      case 'not':
        return `NOT (${this.compileCondition(node.item, params)})`;
    }
  }

  /** `IN ()` is not valid SQL: an empty list matches nothing (or, negated, everything). */
  protected compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    if (values.length === 0) return negated ? '1 = 1' : '1 = 0';
    const list = values.map((v) => this.bind(params, v, column.type)).join(', ');
    return `${this.column(column)} ${negated ? 'NOT IN' : 'IN'} (${list})`;
  }

  protected compileOrderBy(orderBy: readonly OrderNode[]): string {
    if (orderBy.length === 0) return '';
    return ' ORDER BY ' + orderBy.map((o) => `${this.quoteIdentifier(o.column)} ${o.direction.toUpperCase()}`).join(', ');
  }

  protected compileLimitOffset(node: Pick<SelectNode, 'limit' | 'offset' | 'orderBy'>, params: unknown[]): string {
    let sql = '';
    if (node.limit !== undefined) sql += ` LIMIT ${this.bind(params, node.limit)}`;
    if (node.offset !== undefined) sql += ` OFFSET ${this.bind(params, node.offset)}`;
    return sql;
  }

  /**
   * The escape character of every LIKE, as SQL text: a backslash, whatever the database's own
   * default (SQLite has none), so that one rule holds everywhere: `%` and `_` are wildcards, and
   * a backslash makes the next character literal. Dialects override only the spelling.
   */
  protected likeEscape(): string {
    return "'\\'";
  }

  protected column(ref: ColumnRef): string {
    return this.quoted(ref.name);
  }
}
