import type { ColumnType } from '../column-types';
import type { CompiledQuery } from '../../query/nodes';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../../schema/database-schema';
import { flag, groupRows, numberOrUndefined, parseDefaultLiteral, parseIndexPredicate, referentialAction, typedDefault, unwrapParentheses } from '../catalog-reading';
import { CatalogIntrospector } from '../schema-support';
import type { Row } from '../storage-backend';

export interface MssqlCatalogRows {
  readonly columns: readonly Row[];
  readonly checks: readonly Row[];
  readonly indexes: readonly Row[];
  readonly foreignKeys: readonly Row[];
}

const query = (sql: string, params: unknown[] = []): CompiledQuery => ({ sql, params });

/** The table in the session's default schema, as an object id. */
const OBJECT = 'OBJECT_ID(QUOTENAME(SCHEMA_NAME()) + N\'.\' + QUOTENAME(@p1))';

/**
 * SQL Server's catalog views (sys.*) for the session's default schema. Defaults and CHECKs are
 * named constraints here, which the DDL compiler must drop by name before a column can change
 * or go: they are read into each column's `constraints`. The filtered unique index the dialect
 * makes for a nullable unique column (WHERE col IS NOT NULL) reads back as a plain unique index.
 */
export class MssqlIntrospector extends CatalogIntrospector<MssqlCatalogRows> {
  tablesQuery(): CompiledQuery {
    return query('SELECT t.name AS name FROM sys.tables t WHERE t.schema_id = SCHEMA_ID() ORDER BY t.name');
  }

  tableQueries(table: string): Record<keyof MssqlCatalogRows, CompiledQuery> {
    return {
      columns: query(
        'SELECT c.name AS name, ty.name AS type_name, c.max_length AS max_length, c.precision AS [precision], c.scale AS [scale], ' +
          'c.is_nullable AS is_nullable, c.is_identity AS is_identity, dc.name AS default_name, dc.definition AS default_definition ' +
          'FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.user_type_id ' +
          'LEFT JOIN sys.default_constraints dc ON dc.object_id = c.default_object_id ' +
          `WHERE c.object_id = ${OBJECT} ORDER BY c.column_id`,
        [table],
      ),
      checks: query(
        'SELECT cc.name AS name, col.name AS column_name, cc.definition AS definition FROM sys.check_constraints cc ' +
          'LEFT JOIN sys.columns col ON col.object_id = cc.parent_object_id AND col.column_id = cc.parent_column_id ' +
          `WHERE cc.parent_object_id = ${OBJECT} ORDER BY cc.name`,
        [table],
      ),
      indexes: query(
        'SELECT i.name AS name, i.is_unique AS is_unique, i.is_primary_key AS is_primary_key, i.is_unique_constraint AS is_unique_constraint, ' +
          'i.filter_definition AS filter_definition, col.name AS column_name, ic.key_ordinal AS key_ordinal ' +
          'FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0 ' +
          'JOIN sys.columns col ON col.object_id = ic.object_id AND col.column_id = ic.column_id ' +
          `WHERE i.object_id = ${OBJECT} AND i.type > 0 ORDER BY i.name, ic.key_ordinal`,
        [table],
      ),
      foreignKeys: query(
        'SELECT fk.name AS name, pc.name AS column_name, rt.name AS referenced_table, rc.name AS referenced_column, ' +
          'fk.delete_referential_action_desc AS on_delete, fk.update_referential_action_desc AS on_update ' +
          'FROM sys.foreign_keys fk JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id ' +
          'JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id ' +
          'JOIN sys.tables rt ON rt.object_id = fkc.referenced_object_id ' +
          'JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id ' +
          `WHERE fk.parent_object_id = ${OBJECT} ORDER BY fk.name, fkc.constraint_column_id`,
        [table],
      ),
    };
  }



  buildTable(name: string, rows: MssqlCatalogRows): TableSchema | undefined {
    if (rows.columns.length === 0) return undefined;
    let primaryKey: string[] = [];
    const indexes: IndexSchema[] = [];
    for (const [index, parts] of groupRows(rows.indexes, (row) => String(row.name))) {
      const first = parts[0]!;
      const columns = parts.map((part) => String(part.column_name));
      if (flag(first.is_primary_key)) {
        primaryKey = columns;
        continue;
      }
      const filter = first.filter_definition === null || first.filter_definition === undefined ? undefined : String(first.filter_definition);
      // The dialect's stand-in for a standard UNIQUE on a nullable column compares as a plain unique index.
      const standIn = filter !== undefined && flag(first.is_unique) && columns.length === 1 && new RegExp(`^\\[${escape(columns[0]!)}\\] IS NOT NULL$`, 'i').test(unwrapParentheses(filter));
      const predicate = standIn ? undefined : filter;
      const unique = flag(first.is_unique);
      const quote = (identifier: string) => `[${identifier.replace(/]/g, ']]')}]`;
      indexes.push({
        name: index,
        columns,
        unique,
        constraint: flag(first.is_unique_constraint),
        implicit: false,
        predicate,
        where: parseIndexPredicate(predicate),
        // Rebuilt from the catalog, so that an index dropped around ALTER COLUMN comes back as it was.
        definition: `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${quote(index)} ON ${quote(name)} (${columns.map(quote).join(', ')})${filter ? ` WHERE ${filter}` : ''}`,
      });
    }
    const foreignKeys: ForeignKeySchema[] = [...groupRows(rows.foreignKeys, (row) => String(row.name)).values()].map((parts) => ({
      name: String(parts[0]!.name),
      columns: parts.map((part) => String(part.column_name)),
      referencedTable: String(parts[0]!.referenced_table),
      referencedColumns: parts.map((part) => String(part.referenced_column)),
      onDelete: referentialAction(parts[0]!.on_delete),
      onUpdate: referentialAction(parts[0]!.on_update),
    }));
    return { name, columns: rows.columns.map((row) => this.column(row, rows.checks)), primaryKey, indexes, foreignKeys };
  }

  private column(row: Row, checks: readonly Row[]): ColumnSchema {
    const name = String(row.name);
    const own = checks.filter((check) => check.column_name === name);
    const json = own.some((check) => /ISJSON/i.test(String(check.definition ?? '')));
    const logical = mssqlLogicalType(String(row.type_name), numberOrUndefined(row.max_length), numberOrUndefined(row.precision), numberOrUndefined(row.scale), json);
    const defaultSql = row.default_definition === null || row.default_definition === undefined ? undefined : String(row.default_definition);
    return {
      name,
      ...logical,
      nativeType: nativeTypeOf(row),
      nullable: flag(row.is_nullable),
      default: typedDefault(logical.type, parseDefaultLiteral(defaultSql)),
      defaultSql,
      autoIncrement: flag(row.is_identity),
      constraints: [...(row.default_name ? [String(row.default_name)] : []), ...own.map((check) => String(check.name))],
    };
  }
}

/** sys.types names to the library's logical types (what mssqlColumnType writes, and kin). */
export function mssqlLogicalType(
  typeName: string,
  maxLength: number | undefined,
  precision: number | undefined,
  scale: number | undefined,
  json = false,
): { type?: ColumnType; length?: number; precision?: number; scale?: number } {
  switch (typeName.toLowerCase()) {
    case 'nvarchar':
    case 'nchar':
      return maxLength === -1 ? { type: json ? 'json' : 'text' } : { type: 'string', length: maxLength === undefined ? undefined : maxLength / 2 };
    case 'varchar':
    case 'char':
      return maxLength === -1 ? { type: json ? 'json' : 'text' } : { type: 'string', length: maxLength };
    case 'ntext':
    case 'text':
      return { type: 'text' };
    case 'int':
    case 'smallint':
    case 'tinyint':
      return { type: 'integer' };
    case 'bigint':
      return { type: 'bigint' };
    case 'float':
    case 'real':
      return { type: 'float' };
    case 'decimal':
    case 'numeric':
      return { type: 'decimal', precision, scale };
    case 'bit':
      return { type: 'boolean' };
    case 'date':
      return { type: 'date' };
    case 'datetimeoffset':
      return scale === 3 ? { type: 'datetime' } : {};
    case 'varbinary':
    case 'binary':
      return maxLength === -1 ? { type: 'binary' } : { type: 'binary', length: maxLength };
    case 'uniqueidentifier':
      return { type: 'uuid' };
    default:
      return {};
  }
}

function nativeTypeOf(row: Row): string {
  const type = String(row.type_name).toUpperCase();
  const max = numberOrUndefined(row.max_length);
  if (['NVARCHAR', 'NCHAR'].includes(type)) return `${type}(${max === -1 ? 'MAX' : String((max ?? 0) / 2)})`;
  if (['VARCHAR', 'CHAR', 'VARBINARY', 'BINARY'].includes(type)) return `${type}(${max === -1 ? 'MAX' : String(max)})`;
  if (['DECIMAL', 'NUMERIC'].includes(type)) return `${type}(${String(row.precision)}, ${String(row.scale)})`;
  if (type === 'DATETIMEOFFSET') return `DATETIMEOFFSET(${String(row.scale)})`;
  return type;
}

function escape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
