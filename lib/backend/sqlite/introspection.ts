import type { ColumnType } from '../column-types';
import type { CompiledQuery } from '../../query/nodes';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../../schema/database-schema';
import { flag, groupRows, numberOrUndefined, parseDefaultLiteral, parseIndexPredicate, referentialAction, typedDefault, unquoteIdentifier } from '../catalog-reading';
import { CatalogIntrospector } from '../schema-support';
import { defaultForeignKeyName } from '../schema-names';
import type { Row } from '../storage-backend';

/** The catalog rows one table is read from, by query. */
export interface SqliteCatalogRows {
  readonly objects: readonly Row[];
  readonly columns: readonly Row[];
  readonly indexes: readonly Row[];
  readonly foreignKeys: readonly Row[];
}

const query = (sql: string, params: unknown[] = []): CompiledQuery => ({ sql, params });

/**
 * SQLite's catalog: `sqlite_master` for the statements that made each object, and the
 * table-valued pragmas for columns, indexes and foreign keys (they take the table name as a
 * bind parameter). SQLite stores few types, so the logical type read back is the broadest one
 * with that storage (a TEXT column reads as `text`); comparing with a model goes through the
 * dialect's column types, where TEXT equals every type SQLite stores as TEXT.
 */
export class SqliteIntrospector extends CatalogIntrospector<SqliteCatalogRows> {
  readonly exactTypes = false;

  tablesQuery(): CompiledQuery {
    return query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  }

  tableQueries(table: string): Record<keyof SqliteCatalogRows, CompiledQuery> {
    return {
      objects: query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name = ? OR type = 'view' ORDER BY type, name", [table]),
      columns: query('SELECT name, type, "notnull" AS not_null, dflt_value, pk FROM pragma_table_info(?) ORDER BY cid', [table]),
      indexes: query(
        'SELECT il.name AS index_name, il."unique" AS is_unique, il.origin, il.partial, ii.seqno, ii.name AS column_name ' +
          'FROM pragma_index_list(?) AS il JOIN pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno',
        [table],
      ),
      foreignKeys: query(
        'SELECT id, seq, "table" AS ref_table, "from" AS column_name, "to" AS ref_column, on_update, on_delete ' +
          'FROM pragma_foreign_key_list(?) ORDER BY id, seq',
        [table],
      ),
    };
  }



  buildTable(name: string, rows: SqliteCatalogRows): TableSchema | undefined {
    const tableRow = rows.objects.find((row) => row.type === 'table' && row.name === name);
    if (!tableRow || rows.columns.length === 0) return undefined;
    const tableSql = String(tableRow.sql ?? '');
    const keyed = rows.columns.filter((row) => Number(row.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk));
    const primaryKey = keyed.map((row) => String(row.name));
    const autoIncrement = /\bAUTOINCREMENT\b/i.test(tableSql);
    const columns = rows.columns.map((row) => this.column(row, primaryKey.length === 1 && primaryKey[0] === row.name && autoIncrement));
    return {
      name,
      columns,
      primaryKey,
      indexes: this.indexes(rows),
      foreignKeys: this.foreignKeys(name, tableSql, rows.foreignKeys),
      rebuild: {
        triggers: rows.objects.filter((row) => row.type === 'trigger' && row.tbl_name === name && row.sql).map((row) => String(row.sql)),
        views: rows.objects
          .filter((row) => row.type === 'view' && row.sql && mentions(String(row.sql), name))
          .map((row) => ({ name: String(row.name), sql: String(row.sql) })),
        autoIncrementSequence: autoIncrement,
      },
    };
  }

  private column(row: Row, autoIncrement: boolean): ColumnSchema {
    const nativeType = String(row.type ?? '');
    const { type, length, precision, scale } = logicalType(nativeType);
    const defaultSql = row.dflt_value === null || row.dflt_value === undefined ? undefined : String(row.dflt_value);
    return {
      name: String(row.name),
      type,
      nativeType,
      nullable: !flag(row.not_null) && Number(row.pk) === 0,
      default: typedDefault(type, parseDefaultLiteral(defaultSql)),
      defaultSql,
      length,
      precision,
      scale,
      autoIncrement,
    };
  }

  private indexes(rows: SqliteCatalogRows): IndexSchema[] {
    const sqlOf = new Map(rows.objects.filter((row) => row.type === 'index').map((row) => [String(row.name), row.sql ? String(row.sql) : undefined]));
    const result: IndexSchema[] = [];
    for (const [name, parts] of groupRows(rows.indexes, (row) => String(row.index_name))) {
      const origin = String(parts[0]!.origin);
      if (origin === 'pk') continue;
      const definition = sqlOf.get(name);
      const predicate = flag(parts[0]!.partial) && definition ? whereClauseOf(definition) : undefined;
      result.push({
        name,
        columns: parts.filter((part) => part.column_name !== null).map((part) => String(part.column_name)),
        unique: flag(parts[0]!.is_unique),
        constraint: false,
        implicit: origin === 'u',
        predicate,
        where: parseIndexPredicate(predicate),
        expression: parts.some((part) => part.column_name === null),
        definition,
      });
    }
    return result;
  }

  private foreignKeys(table: string, tableSql: string, rows: readonly Row[]): ForeignKeySchema[] {
    const names = constraintNames(tableSql);
    return [...groupRows(rows, (row) => String(row.id)).values()].map((parts) => {
      const columns = parts.map((part) => String(part.column_name));
      return {
        name: names.get(columns.join('\u0000').toLowerCase()) ?? defaultForeignKeyName(table, columns.join('_')),
        columns,
        referencedTable: String(parts[0]!.ref_table),
        referencedColumns: parts.map((part) => (part.ref_column === null ? 'id' : String(part.ref_column))),
        onDelete: referentialAction(parts[0]!.on_delete),
        onUpdate: referentialAction(parts[0]!.on_update),
      };
    });
  }
}

/** Declared types of the library's tables and of common hand-made ones, to logical types. */
export function logicalType(nativeType: string): { type?: ColumnType; length?: number; precision?: number; scale?: number } {
  const match = /^\s*([A-Za-z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(nativeType);
  const base = (match?.[1] ?? nativeType).toUpperCase();
  const first = numberOrUndefined(match?.[2]);
  const second = numberOrUndefined(match?.[3]);
  if (base === 'TEXT' || base === 'CLOB') return { type: 'text' };
  if (base === 'INTEGER' || base === 'INT') return { type: 'integer' };
  if (base === 'REAL' || base === 'DOUBLE' || base === 'FLOAT' || base === 'DOUBLE PRECISION') return { type: 'float' };
  if (base === 'BLOB') return { type: 'binary' };
  if (base === 'BIGINT') return { type: 'bigint' };
  if (base === 'BOOLEAN') return { type: 'boolean' };
  if (base === 'DATE') return { type: 'date' };
  if (base === 'DATETIME' || base === 'TIMESTAMP') return { type: 'datetime' };
  if (base === 'JSON') return { type: 'json' };
  if (base === 'UUID') return { type: 'uuid' };
  if (base === 'VARCHAR' || base === 'CHARACTER VARYING' || base === 'NVARCHAR') return { type: 'string', length: first };
  if (base === 'NUMERIC' || base === 'DECIMAL') return { type: 'decimal', precision: first, scale: second };
  return {};
}

/** `CONSTRAINT "fk_x" FOREIGN KEY ("a", "b")` clauses of a CREATE TABLE, by their column list. */
function constraintNames(tableSql: string): Map<string, string> {
  const names = new Map<string, string>();
  const identifier = '("(?:[^"]|"")+"|`(?:[^`]|``)+`|\\[[^\\]]+\\]|[A-Za-z_][A-Za-z0-9_$]*)';
  const pattern = new RegExp(`CONSTRAINT\\s+${identifier}\\s+FOREIGN\\s+KEY\\s*\\(([^)]*)\\)`, 'gi');
  for (const match of tableSql.matchAll(pattern)) {
    const columns = match[2]!.split(',').map((part) => unquoteIdentifier(part.trim()));
    names.set(columns.join('\u0000').toLowerCase(), unquoteIdentifier(match[1]!));
  }
  return names;
}

/** The condition after the top-level WHERE of a CREATE INDEX statement. */
function whereClauseOf(definition: string): string | undefined {
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < definition.length; i++) {
    const char = definition[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '[') quote = ']';
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0 && /^\sWHERE\s/i.test(definition.slice(i, i + 7))) return definition.slice(i + 7).trim();
  }
  return undefined;
}

function mentions(sql: string, table: string): boolean {
  const escaped = table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}([^A-Za-z0-9_$]|$)`, 'i').test(sql);
}
