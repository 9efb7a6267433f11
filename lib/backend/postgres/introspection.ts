import type { ColumnType } from '../column-types';
import type { CompiledQuery } from '../../query/nodes';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../../schema/database-schema';
import { flag, nameList, numberOrUndefined, parseDefaultLiteral, parseIndexPredicate, referentialAction, typedDefault } from '../catalog-reading';
import { CatalogIntrospector } from '../schema-support';
import type { Row } from '../storage-backend';

export interface PostgresCatalogRows {
  readonly columns: readonly Row[];
  readonly indexes: readonly Row[];
  readonly foreignKeys: readonly Row[];
}

const query = (sql: string, params: unknown[] = []): CompiledQuery => ({ sql, params });

/** Key columns of an index or constraint, in order, as a JSON array (`attnums` is an int2[] expression). */
const columnsOf = (attnums: string, relation: string, limit = '') =>
  `(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(${attnums}) WITH ORDINALITY AS k(attnum, ord) ` +
  `LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ${relation} AND a.attnum = k.attnum${limit})::text`;

/**
 * PostgreSQL's catalog (pg_catalog, not information_schema: it has index predicates, identity
 * columns and constraint kinds), for the tables of the session's current schema, which is the
 * connection's `schema` option when one is set.
 */
export class PostgresIntrospector extends CatalogIntrospector<PostgresCatalogRows> {
  tablesQuery(): CompiledQuery {
    return query(
      'SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
    );
  }

  tableQueries(table: string): Record<keyof PostgresCatalogRows, CompiledQuery> {
    return {
      columns: query(
        'SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS native_type, NOT a.attnotnull AS nullable, ' +
          'pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_sql, a.attidentity AS identity ' +
          'FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid ' +
          'JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
          'LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ' +
          'WHERE n.nspname = current_schema() AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum',
        [table],
      ),
      indexes: query(
        'SELECT i.relname AS name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary, con.contype AS constraint_type, ' +
          'pg_catalog.pg_get_expr(ix.indpred, ix.indrelid) AS predicate, pg_catalog.pg_get_indexdef(ix.indexrelid) AS definition, ' +
          `${columnsOf('ix.indkey::int2[]', 'ix.indrelid', ' WHERE k.ord <= ix.indnkeyatts')} AS columns, ` +
          'ix.indexprs IS NOT NULL AS has_expressions ' +
          'FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid ' +
          'JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace ' +
          "LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid AND con.contype IN ('p', 'u', 'x') " +
          'WHERE n.nspname = current_schema() AND t.relname = $1 ORDER BY i.relname',
        [table],
      ),
      foreignKeys: query(
        'SELECT con.conname AS name, ft.relname AS referenced_table, con.confdeltype AS on_delete, con.confupdtype AS on_update, ' +
          `${columnsOf('con.conkey', 'con.conrelid')} AS columns, ${columnsOf('con.confkey', 'con.confrelid')} AS referenced_columns ` +
          'FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class t ON t.oid = con.conrelid ' +
          'JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace JOIN pg_catalog.pg_class ft ON ft.oid = con.confrelid ' +
          "WHERE con.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1 ORDER BY con.conname",
        [table],
      ),
    };
  }



  buildTable(name: string, rows: PostgresCatalogRows): TableSchema | undefined {
    if (rows.columns.length === 0) return undefined;
    const primary = rows.indexes.find((row) => flag(row.is_primary));
    return {
      name,
      columns: rows.columns.map((row) => this.column(row)),
      primaryKey: primary ? nameList(primary.columns) : [],
      indexes: rows.indexes.filter((row) => !flag(row.is_primary)).map((row) => this.index(row)),
      foreignKeys: rows.foreignKeys.map((row) => this.foreignKey(row)),
    };
  }

  private column(row: Row): ColumnSchema {
    const nativeType = String(row.native_type);
    const defaultSql = row.default_sql === null || row.default_sql === undefined ? undefined : String(row.default_sql);
    const identity = row.identity !== null && row.identity !== undefined && String(row.identity).trim() !== '';
    const serial = defaultSql !== undefined && /^nextval\(/i.test(defaultSql);
    const logical = postgresLogicalType(nativeType);
    return {
      name: String(row.name),
      ...logical,
      nativeType,
      nullable: flag(row.nullable),
      default: serial ? undefined : typedDefault(logical.type, parseDefaultLiteral(defaultSql)),
      defaultSql: serial ? undefined : defaultSql,
      autoIncrement: identity || serial,
    };
  }

  private index(row: Row): IndexSchema {
    const names = row.columns === null || row.columns === undefined ? [] : (JSON.parse(String(row.columns)) as (string | null)[]);
    const predicate = row.predicate === null || row.predicate === undefined ? undefined : String(row.predicate);
    return {
      name: String(row.name),
      columns: names.filter((name): name is string => name !== null),
      unique: flag(row.is_unique),
      constraint: row.constraint_type === 'u' || row.constraint_type === 'x',
      implicit: false,
      predicate,
      where: parseIndexPredicate(predicate),
      expression: flag(row.has_expressions) || names.includes(null),
      definition: row.definition ? String(row.definition) : undefined,
    };
  }

  private foreignKey(row: Row): ForeignKeySchema {
    return {
      name: String(row.name),
      columns: nameList(row.columns),
      referencedTable: String(row.referenced_table),
      referencedColumns: nameList(row.referenced_columns),
      onDelete: referentialAction(row.on_delete),
      onUpdate: referentialAction(row.on_update),
    };
  }
}

/** `format_type` output to the library's logical types (what postgresColumnType writes, and kin). */
export function postgresLogicalType(nativeType: string): { type?: ColumnType; length?: number; precision?: number; scale?: number } {
  const match = /^([a-z ]+?)(?:\((\d+)(?:,\s*(\d+))?\))?( with(?:out)? time zone)?$/i.exec(nativeType.trim());
  if (!match) return {};
  const base = match[1]!.toLowerCase();
  const first = numberOrUndefined(match[2]);
  const second = numberOrUndefined(match[3]);
  const zone = match[4]?.toLowerCase();
  switch (base) {
    case 'character varying':
      return { type: 'string', length: first };
    case 'text':
      return { type: 'text' };
    case 'integer':
    case 'smallint':
      return { type: 'integer' };
    case 'bigint':
      return { type: 'bigint' };
    case 'double precision':
    case 'real':
      return { type: 'float' };
    case 'numeric':
      return { type: 'decimal', precision: first, scale: second };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'date' };
    case 'timestamp':
      return zone === ' with time zone' && (first === undefined || first === 3) ? { type: 'datetime' } : {};
    case 'jsonb':
    case 'json':
      return { type: 'json' };
    case 'bytea':
      return { type: 'binary' };
    case 'uuid':
      return { type: 'uuid' };
    default:
      return {};
  }
}
