import type { ColumnType } from '../column-types';
import type { CompiledQuery } from '../../query/nodes';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../../schema/database-schema';
import type { ColumnDefault } from '../../schema/table-definition';
import { flag, groupRows, numberOrUndefined, parseDefaultLiteral, referentialAction, typedDefault } from '../catalog-reading';
import { CatalogIntrospector } from '../schema-support';
import type { Row } from '../storage-backend';

export interface MysqlCatalogRows {
  readonly columns: readonly Row[];
  readonly indexes: readonly Row[];
  readonly foreignKeys: readonly Row[];
  readonly checks: readonly Row[];
}

const query = (sql: string, params: unknown[] = []): CompiledQuery => ({ sql, params });

/**
 * MySQL and MariaDB through information_schema, for the connection's database (`DATABASE()`).
 * The two print defaults differently: MariaDB (10.2.7+) as SQL (`'placed'`, `NULL`,
 * `current_timestamp()`), MySQL as the bare value. MariaDB's JSON is LONGTEXT with a
 * `json_valid` CHECK, which is how a `json` column is recognised there.
 */
export class MysqlIntrospector extends CatalogIntrospector<MysqlCatalogRows> {
  constructor(private readonly flavour: () => 'mysql' | 'mariadb') {
    super();
  }

  tablesQuery(): CompiledQuery {
    return query(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    );
  }

  tableQueries(table: string): Record<keyof MysqlCatalogRows, CompiledQuery> {
    return {
      columns: query(
        'SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, IS_NULLABLE AS nullable, ' +
          'COLUMN_DEFAULT AS default_value, EXTRA AS extra, CHARACTER_MAXIMUM_LENGTH AS max_length, ' +
          'NUMERIC_PRECISION AS numeric_precision, NUMERIC_SCALE AS numeric_scale ' +
          'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table],
      ),
      indexes: query(
        'SELECT INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS column_name, SEQ_IN_INDEX AS seq ' +
          'FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
        [table],
      ),
      foreignKeys: query(
        'SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS column_name, k.REFERENCED_TABLE_NAME AS referenced_table, ' +
          'k.REFERENCED_COLUMN_NAME AS referenced_column, r.UPDATE_RULE AS on_update, r.DELETE_RULE AS on_delete ' +
          'FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r ' +
          'ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME ' +
          'WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL ' +
          'ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION',
        [table],
      ),
      checks:
        this.flavour() === 'mariadb'
          ? query(
              'SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS ' +
                'WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME',
              [table],
            )
          : query(
              'SELECT t.CONSTRAINT_NAME AS name, c.CHECK_CLAUSE AS clause FROM information_schema.TABLE_CONSTRAINTS t ' +
                'JOIN information_schema.CHECK_CONSTRAINTS c ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME ' +
                "WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ? AND t.CONSTRAINT_TYPE = 'CHECK' ORDER BY t.CONSTRAINT_NAME",
              [table],
            ),
    };
  }



  buildTable(name: string, rows: MysqlCatalogRows): TableSchema | undefined {
    if (rows.columns.length === 0) return undefined;
    const foreignKeys = [...groupRows(rows.foreignKeys, (row) => String(row.name)).values()].map((parts) => this.foreignKey(parts));
    const foreignKeyNames = new Set(foreignKeys.map((key) => key.name));
    const jsonColumns = new Set(
      rows.checks
        .map((row) => /^\s*json_valid\(\s*`((?:[^`]|``)+)`\s*\)\s*$/i.exec(String(row.clause ?? ''))?.[1]?.replace(/``/g, '`'))
        .filter((column): column is string => column !== undefined),
    );
    const indexes: IndexSchema[] = [];
    let primaryKey: string[] = [];
    for (const [indexName, parts] of groupRows(rows.indexes, (row) => String(row.name))) {
      const columns = parts.filter((part) => part.column_name !== null).map((part) => String(part.column_name));
      if (indexName === 'PRIMARY') {
        primaryKey = columns;
        continue;
      }
      indexes.push({
        name: indexName,
        columns,
        unique: !flag(parts[0]!.non_unique),
        constraint: false,
        // InnoDB creates an index named after a foreign key that has none to use.
        implicit: foreignKeyNames.has(indexName),
        expression: parts.some((part) => part.column_name === null),
      });
    }
    return {
      name,
      columns: rows.columns.map((row) => this.column(row, jsonColumns)),
      primaryKey,
      indexes,
      foreignKeys,
    };
  }

  private column(row: Row, jsonColumns: ReadonlySet<string>): ColumnSchema {
    const name = String(row.name);
    const nativeType = String(row.column_type);
    const logical = mysqlLogicalType(String(row.data_type), nativeType, {
      length: numberOrUndefined(row.max_length),
      precision: numberOrUndefined(row.numeric_precision),
      scale: numberOrUndefined(row.numeric_scale),
      json: jsonColumns.has(name),
    });
    const nullable = flag(row.nullable);
    const { defaultSql, value } = this.defaultOf(row.default_value, logical.type, String(row.extra ?? ''));
    return {
      name,
      ...logical,
      nativeType,
      nullable,
      default: typedDefault(logical.type, value),
      defaultSql,
      autoIncrement: /auto_increment/i.test(String(row.extra ?? '')),
    };
  }

  /** A nullable column with no default reports NULL (MariaDB: the text 'NULL'): no default. */
  private defaultOf(raw: unknown, type: ColumnType | undefined, extra: string): { defaultSql?: string; value?: ColumnDefault } {
    if (raw === null || raw === undefined) return {};
    const text = String(raw);
    if (this.flavour() === 'mariadb') {
      if (text === 'NULL') return {};
      return { defaultSql: text, value: parseDefaultLiteral(text) };
    }
    if (/DEFAULT_GENERATED/i.test(extra)) return { defaultSql: text };
    const numeric = type === 'integer' || type === 'bigint' || type === 'float' || type === 'decimal' || type === 'boolean';
    return { defaultSql: numeric ? text : `'${text.replace(/'/g, "''")}'`, value: numeric ? parseDefaultLiteral(text) : text };
  }

  private foreignKey(parts: readonly Row[]): ForeignKeySchema {
    return {
      name: String(parts[0]!.name),
      columns: parts.map((part) => String(part.column_name)),
      referencedTable: String(parts[0]!.referenced_table),
      referencedColumns: parts.map((part) => String(part.referenced_column)),
      onDelete: referentialAction(parts[0]!.on_delete),
      onUpdate: referentialAction(parts[0]!.on_update),
    };
  }
}

/** information_schema's DATA_TYPE/COLUMN_TYPE to the library's logical types (what mysqlColumnType writes, and kin). */
export function mysqlLogicalType(
  dataType: string,
  columnType: string,
  details: { length?: number; precision?: number; scale?: number; json?: boolean },
): { type?: ColumnType; length?: number; precision?: number; scale?: number } {
  switch (dataType.toLowerCase()) {
    case 'varchar':
      return { type: 'string', length: details.length };
    case 'char':
      return details.length === 36 ? { type: 'uuid' } : { type: 'string', length: details.length };
    case 'longtext':
    case 'mediumtext':
    case 'text':
    case 'tinytext':
      return { type: details.json ? 'json' : 'text' };
    case 'json':
      return { type: 'json' };
    case 'int':
    case 'mediumint':
    case 'smallint':
      return { type: 'integer' };
    case 'tinyint':
      return /^tinyint\(1\)/i.test(columnType) ? { type: 'boolean' } : { type: 'integer' };
    case 'bigint':
      return { type: 'bigint' };
    case 'double':
    case 'float':
      return { type: 'float' };
    case 'decimal':
      return { type: 'decimal', precision: details.precision, scale: details.scale };
    case 'date':
      return { type: 'date' };
    case 'datetime':
    case 'timestamp':
      return /\(3\)/.test(columnType) ? { type: 'datetime' } : {};
    case 'longblob':
    case 'mediumblob':
    case 'blob':
      return { type: 'binary' };
    case 'varbinary':
      return { type: 'binary', length: details.length };
    default:
      return {};
  }
}
