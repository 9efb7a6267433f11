import type { ColumnType } from '../backend/column-types';
import type {
  AggregateNode,
  ColumnRef,
  CompiledQuery,
  CompoundSelectNode,
  ConflictClause,
  ConditionNode,
  CountNode,
  DeleteNode,
  ExistsNode,
  ExpressionNode,
  InsertNode,
  OrderNode,
  QueryNode,
  RowLockNode,
  SelectNode,
  SelectionNode,
  UpdateNode,
  WithNode,
} from './nodes';

/**
 * How a dialect runs EXPLAIN for a query: the statements to run, in order, on one session, and
 * which of them returns the plan (as rows that `format` turns into text).
 */
export interface ExplainPlan {
  readonly statements: readonly CompiledQuery[];
  /** Index into `statements` of the one whose rows are the plan. */
  readonly planStatement: number;
  format(rows: readonly Record<string, unknown>[]): string;
}

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
   * True when this compiler's INSERT text depends only on a tree's shape (kinds, names, types, how
   * many values), never on the values themselves, and its bind values are exactly
   * `toDriverValue(type, value)` for each value, row by row. The model layer then compiles an
   * insert once per shape and only converts values on later calls. (It promises nothing about
   * selects: a dialect may write LIMIT/OFFSET counts into the text, or bind a long IN list as one
   * array parameter.) Off by default: a dialect that inspects values or binds them otherwise must
   * not claim it.
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
    if (isPlainSelect(node)) {
      // The hot path (a model's own reads): no alias, join, grouping or lock to consider.
      const columns = node.columns.length === 0 ? '*' : this.quotedList(node.columns);
      let sql = `SELECT ${columns} FROM ${this.quoted(node.table)}`;
      sql += this.compileWhere(node.where, params);
      sql += this.compileOrderBy(node.orderBy);
      sql += this.compileLimitOffset(node, params);
      return sql;
    }
    let sql = node.with ? this.compileWith(node.with, params) : '';
    sql += `SELECT ${node.distinct ? 'DISTINCT ' : ''}${this.compileSelectList(node, params)}`;
    sql += this.compileFrom(node, params);
    sql += this.compileWhere(node.where, params);
    sql += this.compileGroupBy(node, params);
    sql += this.compileOrderBy(node.orderBy);
    sql += this.compileLimitOffset(node, params);
    if (node.lock) sql += this.compileLock(node.lock, node);
    return sql;
  }

  /** The select list: `selections`, or `columns` (qualified when the statement names its table). */
  protected compileSelectList(node: SelectNode, params: unknown[]): string {
    if (node.selections && node.selections.length > 0) {
      return node.selections.map((selection) => this.compileSelection(selection, params)).join(', ');
    }
    if (node.columns.length === 0) return '*';
    const qualifier = qualifierOf(node);
    if (qualifier === undefined) return this.quotedList(node.columns);
    const prefix = this.quoted(qualifier) + '.';
    return node.columns.map((name, i) => this.selectColumn(prefix + this.quoted(name), name, node.columnTypes?.[i])).join(', ');
  }

  /** One qualified column of a select list (`reference` is its quoted, qualified name). */
  protected selectColumn(reference: string, _name: string, _type: ColumnType | undefined): string {
    return reference;
  }

  protected compileSelection(selection: SelectionNode, params: unknown[]): string {
    return `${this.compileExpression(selection.expression, params)} AS ${this.quoted(selection.alias)}`;
  }

  /** ` FROM <table or source> [alias]`, the root table's hints, and the joins. */
  protected compileFrom(node: SelectNode, params: unknown[]): string {
    let sql = ' FROM ';
    const source = node.source;
    if (source === undefined) sql += this.quoted(node.table);
    else if (source.kind === 'cte') sql += this.quoted(source.name);
    else sql += `(${this.compileCompound(source, params)})`;
    // No AS before a table alias: Oracle refuses it, and every other dialect accepts its absence.
    const alias = qualifierOf(node);
    if (alias !== undefined && (alias !== node.table || source !== undefined)) sql += ' ' + this.quoted(alias);
    sql += this.tableHints(node, params);
    for (const join of node.joins ?? []) {
      sql += ` ${join.kind === 'left' ? 'LEFT JOIN' : 'INNER JOIN'} ${this.quoted(join.table)}`;
      if (join.alias !== join.table) sql += ' ' + this.quoted(join.alias);
      sql += ` ON ${this.compileCondition(join.on, params)}`;
    }
    return sql;
  }

  /** Hints written after the root table (SQL Server's row locks); none in standard SQL. */
  protected tableHints(_node: SelectNode, _params: unknown[]): string {
    return '';
  }

  protected compileGroupBy(node: SelectNode, params: unknown[]): string {
    let sql = '';
    if (node.groupBy && node.groupBy.length > 0) sql += ' GROUP BY ' + node.groupBy.map((ref) => this.column(ref)).join(', ');
    if (node.having) sql += ' HAVING ' + this.compileCondition(node.having, params);
    return sql;
  }

  /** `WITH [RECURSIVE] name (columns) AS (query), ... ` (with the trailing space). */
  protected compileWith(node: WithNode, params: unknown[]): string {
    const tables = node.tables.map((table) => {
      const columns = table.columns.map((c) => this.quoted(c)).join(', ');
      const query = table.query.kind === 'compound' ? this.compileCompound(table.query, params) : this.compileSelect(table.query, params);
      return `${this.quoted(table.name)} (${columns}) AS (${query})`;
    });
    return `WITH ${node.recursive ? this.recursiveKeyword() : ''}${tables.join(', ')} `;
  }

  /** `RECURSIVE ` where the dialect wants it (Oracle and SQL Server do not). */
  protected recursiveKeyword(): string {
    return 'RECURSIVE ';
  }

  /**
   * Parts joined by UNION [ALL]. A part with its own limit or offset is read through a derived
   * table (SQLite allows no such clause on a compound's parts, others need parentheses); any
   * other part's order means nothing to the whole, and is dropped.
   */
  protected compileCompound(node: CompoundSelectNode, params: unknown[]): string {
    const joiner = node.operator === 'union all' ? ' UNION ALL ' : ' UNION ';
    return node.parts
      .map((part, i) => {
        if (part.limit === undefined && part.offset === undefined) return this.compileSelect({ ...part, orderBy: [] }, params);
        return `SELECT * FROM (${this.compileSelect(part, params)}) ${this.quoted(`part_${i + 1}`)}`;
      })
      .join(joiner);
  }

  /** `FOR UPDATE | FOR SHARE [OF root] [NOWAIT | SKIP LOCKED]`: PostgreSQL's spelling. */
  protected compileLock(lock: RowLockNode, node: SelectNode): string {
    let sql = lock.mode === 'update' ? ' FOR UPDATE' : ' FOR SHARE';
    // With joins, lock the root table's rows only (the nullable side of an outer join cannot be).
    if (lock.of?.table !== undefined && node.joins && node.joins.length > 0) sql += ' OF ' + this.quoted(lock.of.table);
    return sql + this.lockWait(lock);
  }

  protected lockWait(lock: RowLockNode): string {
    return lock.wait === 'nowait' ? ' NOWAIT' : lock.wait === 'skip locked' ? ' SKIP LOCKED' : '';
  }

  protected compileExpression(node: ExpressionNode, params: unknown[]): string {
    switch (node.kind) {
      case 'column':
        return this.column(node.column);
      case 'aggregate':
        return this.compileAggregate(node, params);
      case 'window': {
        const fn = node.fn.kind === 'ranking' ? `${node.fn.fn.toUpperCase()}()` : this.compileAggregate(node.fn, params);
        const parts: string[] = [];
        if (node.partitionBy.length > 0) parts.push('PARTITION BY ' + node.partitionBy.map((ref) => this.column(ref)).join(', '));
        if (node.orderBy.length > 0) parts.push(this.compileOrderBy(node.orderBy).trimStart());
        return `${fn} OVER (${parts.join(' ')})`;
      }
    }
  }

  protected compileAggregate(node: AggregateNode, _params: unknown[]): string {
    const argument = node.argument === undefined ? '*' : this.column(node.argument);
    return `${node.fn.toUpperCase()}(${node.distinct ? 'DISTINCT ' : ''}${argument})`;
  }

  protected compileCount(node: CountNode, params: unknown[]): string {
    const source = node.source;
    const count = `COUNT(*) AS ${this.quoteIdentifier('count')}`;
    const plain = isPlainSelect(source);
    if (plain && source.limit === undefined && source.offset === undefined) {
      return `SELECT ${count} FROM ${this.quoteIdentifier(source.table)}${this.compileWhere(source.where, params)}`;
    }
    // Counting a page, distinct rows, groups or a join: count the rows of the query as a subquery.
    // A WITH clause stays outermost (SQL Server allows none inside a derived table).
    const prefix = source.with ? this.compileWith(source.with, params) : '';
    const inner = this.compileSelect({ ...source, with: undefined, columns: plain ? [] : source.columns, orderBy: this.innerOrder(source) }, params);
    return `${prefix}SELECT ${count} FROM (${inner}) ${this.quoteIdentifier('page')}`;
  }

  /** The order a subquery keeps: only where a limit or offset depends on it. */
  protected innerOrder(node: SelectNode): readonly OrderNode[] {
    return node.limit === undefined && node.offset === undefined ? [] : node.orderBy;
  }

  protected compileExists(node: ExistsNode, params: unknown[]): string {
    const source = node.source;
    if (isPlainSelect(source)) {
      let sql = `SELECT 1 AS ${this.quoteIdentifier('found')} FROM ${this.quoteIdentifier(source.table)}`;
      sql += this.compileWhere(source.where, params);
      sql += this.compileLimitOffset({ ...source, limit: 1, orderBy: [] }, params);
      return sql;
    }
    const prefix = source.with ? this.compileWith(source.with, params) : '';
    const inner = this.compileSelect({ ...source, with: undefined, orderBy: this.innerOrder(source) }, params);
    let sql = `${prefix}SELECT 1 AS ${this.quoteIdentifier('found')} FROM (${inner}) ${this.quoteIdentifier('page')}`;
    sql += this.compileLimitOffset({ limit: 1, orderBy: [] }, params);
    return sql;
  }

  /** EXPLAIN for a compiled query: PostgreSQL's and MySQL's form; other dialects override. */
  explain(query: CompiledQuery): ExplainPlan {
    return {
      statements: [{ sql: `EXPLAIN ${query.sql}`, params: query.params }],
      planStatement: 0,
      format: (rows) => rows.map((row) => Object.values(row).map((value) => String(value ?? '')).join(' | ')).join('\n'),
    };
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
      case 'columns':
        return `${this.column(node.left)} ${node.op} ${this.column(node.right)}`;
      case 'inQuery':
        return `${this.column(node.column)} ${node.negated ? 'NOT IN' : 'IN'} (${this.compileSubquery(node.query, params)})`;
      case 'exists':
        return `${node.negated ? 'NOT ' : ''}EXISTS (${this.compileSubquery(node.query, params)})`;
      case 'expression':
        return `${this.compileExpression(node.expression, params)} ${node.op} ${this.bind(params, node.value, node.type)}`;
    }
  }

  /** A select nested in a condition: its order matters only to its limit. */
  protected compileSubquery(node: SelectNode, params: unknown[]): string {
    return this.compileSelect({ ...node, orderBy: this.innerOrder(node) }, params);
  }

  /** `IN ()` is not valid SQL: an empty list matches nothing (or, negated, everything). */
  protected compileIn(column: ColumnRef, values: readonly unknown[], negated: boolean, params: unknown[]): string {
    if (values.length === 0) return negated ? '1 = 1' : '1 = 0';
    const list = values.map((v) => this.bind(params, v, column.type)).join(', ');
    return `${this.column(column)} ${negated ? 'NOT IN' : 'IN'} (${list})`;
  }

  protected compileOrderBy(orderBy: readonly OrderNode[]): string {
    if (orderBy.length === 0) return '';
    return ' ORDER BY ' + orderBy.map((o) => `${this.orderTerm(o)} ${o.direction.toUpperCase()}`).join(', ');
  }

  /** An order term: a column, qualified where the statement joins, or an (aggregate) expression. */
  protected orderTerm(order: OrderNode): string {
    if ('expression' in order) return this.compileExpression(order.expression, []);
    return order.table === undefined ? this.quoted(order.column) : `${this.quoted(order.table)}.${this.quoted(order.column)}`;
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
    return ref.table === undefined ? this.quoted(ref.name) : `${this.quoted(ref.table)}.${this.quoted(ref.name)}`;
  }
}

/** A select with none of the clauses a model's own reads never use: compiled the short way. */
export function isPlainSelect(node: SelectNode): boolean {
  return (
    node.alias === undefined &&
    node.source === undefined &&
    node.with === undefined &&
    node.distinct === undefined &&
    node.selections === undefined &&
    node.joins === undefined &&
    node.groupBy === undefined &&
    node.having === undefined &&
    node.lock === undefined
  );
}

/** The name a select's columns are qualified with: its alias, or its table when it joins or reads a source. */
export function qualifierOf(node: SelectNode): string | undefined {
  if (node.alias !== undefined) return node.alias;
  return (node.joins !== undefined && node.joins.length > 0) || node.source !== undefined ? node.table : undefined;
}
