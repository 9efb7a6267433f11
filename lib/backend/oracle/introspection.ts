import type { ColumnType } from '../column-types';
import type { CompiledQuery } from '../../query/nodes';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../../schema/database-schema';
import { groupRows, numberOrUndefined, parseDefaultLiteral, referentialAction, typedDefault } from '../catalog-reading';
import { CatalogIntrospector } from '../schema-support';
import type { Row } from '../storage-backend';

export interface OracleCatalogRows {
  readonly columns: readonly Row[];
  readonly constraints: readonly Row[];
  readonly indexes: readonly Row[];
}

const query = (sql: string, params: unknown[] = []): CompiledQuery => ({ sql, params });

/**
 * Oracle's data dictionary (USER_* views: the connected user's schema). Aliases are quoted so
 * that rows come back with lower-case keys. Booleans and JSON are recognised by the CHECK
 * constraints the dialect writes for them (`"c" IN (0, 1)`, `"c" IS JSON`).
 */
export class OracleIntrospector extends CatalogIntrospector<OracleCatalogRows> {
  tablesQuery(): CompiledQuery {
    return query(`SELECT table_name AS "name" FROM user_tables WHERE dropped = 'NO' ORDER BY table_name`);
  }

  tableQueries(table: string): Record<keyof OracleCatalogRows, CompiledQuery> {
    return {
      columns: query(
        'SELECT column_name AS "name", data_type AS "data_type", data_length AS "data_length", char_length AS "char_length", ' +
          'char_used AS "char_used", data_precision AS "data_precision", data_scale AS "data_scale", nullable AS "nullable", ' +
          'data_default AS "data_default", identity_column AS "identity_column" ' +
          'FROM user_tab_columns WHERE table_name = :1 ORDER BY column_id',
        [table],
      ),
      constraints: query(
        'SELECT c.constraint_name AS "name", c.constraint_type AS "type", c.delete_rule AS "delete_rule", ' +
          'c.search_condition_vc AS "condition", c.index_name AS "index_name", r.table_name AS "referenced_table", ' +
          'cc.column_name AS "column_name", cc.position AS "position", rc.column_name AS "referenced_column" ' +
          'FROM user_constraints c JOIN user_cons_columns cc ON cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name ' +
          'LEFT JOIN user_constraints r ON r.constraint_name = c.r_constraint_name ' +
          'LEFT JOIN user_cons_columns rc ON rc.constraint_name = c.r_constraint_name AND rc.position = cc.position ' +
          "WHERE c.table_name = :1 AND c.constraint_type IN ('P', 'U', 'R', 'C') ORDER BY c.constraint_name, cc.position",
        [table],
      ),
      indexes: query(
        'SELECT i.index_name AS "name", i.uniqueness AS "uniqueness", i.index_type AS "index_type", ' +
          'ic.column_name AS "column_name", ic.column_position AS "position" ' +
          'FROM user_indexes i JOIN user_ind_columns ic ON ic.index_name = i.index_name AND ic.table_name = i.table_name ' +
          'WHERE i.table_name = :1 ORDER BY i.index_name, ic.column_position',
        [table],
      ),
    };
  }



  buildTable(name: string, rows: OracleCatalogRows): TableSchema | undefined {
    if (rows.columns.length === 0) return undefined;
    const constraints = groupRows(rows.constraints, (row) => String(row.name));
    const checks = [...constraints.values()].filter((parts) => parts[0]!.type === 'C').map((parts) => String(parts[0]!.condition ?? ''));
    const marked = (pattern: (column: string) => RegExp) => (column: string) => checks.some((condition) => pattern(column).test(condition));
    const isBoolean = marked((column) => new RegExp(`^\\s*"${escape(column)}"\\s+IN\\s*\\(\\s*0\\s*,\\s*1\\s*\\)\\s*$`, 'i'));
    const isJson = marked((column) => new RegExp(`^\\s*"${escape(column)}"\\s+IS\\s+JSON\\b`, 'i'));

    let primaryKey: string[] = [];
    const backingIndexes = new Set<string>();
    const indexes: IndexSchema[] = [];
    const foreignKeys: ForeignKeySchema[] = [];
    for (const [constraint, parts] of constraints) {
      const first = parts[0]!;
      const columns = parts.map((part) => String(part.column_name));
      if (first.index_name) backingIndexes.add(String(first.index_name));
      if (first.type === 'P') primaryKey = columns;
      else if (first.type === 'U') indexes.push({ name: constraint, columns, unique: true, constraint: true, implicit: false });
      else if (first.type === 'R') {
        foreignKeys.push({
          name: constraint,
          columns,
          referencedTable: String(first.referenced_table),
          referencedColumns: parts.map((part) => String(part.referenced_column)),
          onDelete: referentialAction(first.delete_rule),
          onUpdate: 'no action',
        });
      }
    }
    for (const [index, parts] of groupRows(rows.indexes, (row) => String(row.name))) {
      const type = String(parts[0]!.index_type ?? '');
      if (backingIndexes.has(index) || type === 'LOB') continue;
      indexes.push({
        name: index,
        columns: parts.map((part) => String(part.column_name)),
        unique: String(parts[0]!.uniqueness) === 'UNIQUE',
        constraint: false,
        implicit: false,
        expression: type.startsWith('FUNCTION-BASED'),
      });
    }
    return {
      name,
      columns: rows.columns.map((row) => {
        const column = String(row.name);
        const own = [...constraints.values()]
          .filter((parts) => parts[0]!.type === 'C' && parts[0]!.column_name === column && !/\bIS\s+NOT\s+NULL\s*$/i.test(String(parts[0]!.condition ?? '')))
          .map((parts) => String(parts[0]!.name));
        return { ...this.column(row, isBoolean(column), isJson(column)), ...(own.length > 0 ? { constraints: own } : {}) };
      }),
      primaryKey,
      indexes,
      foreignKeys,
    };
  }

  private column(row: Row, boolean: boolean, json: boolean): ColumnSchema {
    const logical = oracleLogicalType(row, { boolean, json });
    const raw = row.data_default === null || row.data_default === undefined ? undefined : String(row.data_default).trim();
    const defaultSql = raw === undefined || raw === '' || /^NULL$/i.test(raw) ? undefined : raw;
    return {
      name: String(row.name),
      ...logical,
      nativeType: nativeTypeOf(row),
      nullable: String(row.nullable) !== 'N',
      default: typedDefault(logical.type, parseDefaultLiteral(defaultSql)),
      defaultSql,
      autoIncrement: String(row.identity_column ?? 'NO') === 'YES',
    };
  }
}

/** A USER_TAB_COLUMNS row's type to the library's logical type (what oracleColumnType writes, and kin). */
export function oracleLogicalType(row: Row, checks: { boolean?: boolean; json?: boolean } = {}): { type?: ColumnType; length?: number; precision?: number; scale?: number } {
  const dataType = String(row.data_type).toUpperCase();
  const precision = numberOrUndefined(row.data_precision);
  const scale = numberOrUndefined(row.data_scale);
  switch (dataType) {
    case 'VARCHAR2':
    case 'NVARCHAR2':
      return { type: 'string', length: numberOrUndefined(row.char_length) ?? numberOrUndefined(row.data_length) };
    case 'CLOB':
    case 'NCLOB':
      return { type: checks.json ? 'json' : 'text' };
    case 'NUMBER':
      if (precision === 1 && (scale ?? 0) === 0) return { type: checks.boolean !== false ? 'boolean' : 'integer' };
      if (precision === 10 && (scale ?? 0) === 0) return { type: 'integer' };
      if (precision === 19 && (scale ?? 0) === 0) return { type: 'bigint' };
      if (precision === undefined && scale === 0) return { type: 'integer' };
      return { type: 'decimal', precision, scale };
    case 'BINARY_DOUBLE':
    case 'BINARY_FLOAT':
    case 'FLOAT':
      return { type: 'float' };
    case 'DATE':
      return { type: 'date' };
    case 'TIMESTAMP(3) WITH TIME ZONE':
      return { type: 'datetime' };
    case 'BLOB':
      return { type: 'binary' };
    case 'RAW':
      return numberOrUndefined(row.data_length) === 16 ? { type: 'uuid' } : { type: 'binary', length: numberOrUndefined(row.data_length) };
    default:
      return {};
  }
}

function nativeTypeOf(row: Row): string {
  const dataType = String(row.data_type);
  const precision = numberOrUndefined(row.data_precision);
  const scale = numberOrUndefined(row.data_scale);
  if (dataType === 'VARCHAR2' || dataType === 'NVARCHAR2') return `${dataType}(${String(row.char_length ?? row.data_length)}${row.char_used === 'C' ? ' CHAR' : ''})`;
  if (dataType === 'NUMBER' && precision !== undefined) return scale ? `NUMBER(${precision}, ${scale})` : `NUMBER(${precision})`;
  if (dataType === 'RAW') return `RAW(${String(row.data_length)})`;
  return dataType;
}

function escape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
