import { ConfigurationError } from '../../errors';
import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../../schema/database-schema';
import type { ForeignKeyOperation, SchemaOperation } from '../../schema/schema-operations';
import type { ColumnDefinition } from '../../schema/table-definition';
import { parseDefaultLiteral } from '../catalog-reading';
import { DdlCompiler, foreignKeyOf } from '../ddl-compiler';

/** A column of the rebuilt table: its DDL, and the old column its values are copied from. */
interface RebuiltColumn {
  readonly name: string;
  readonly sql: string;
  readonly from?: string;
}

/** The rebuilt table, before it is written out. */
interface RebuildPlan {
  columns: RebuiltColumn[];
  uniques: IndexSchema[];
  foreignKeys: ForeignKeySchema[];
  indexes: IndexSchema[];
}

/**
 * SQLite's ALTER TABLE can add, rename and drop plain columns and nothing else. Everything else
 * (changing a column's type, nullability or default; adding or dropping a foreign key or a UNIQUE
 * constraint; adding a column SQLite refuses to add in place) rebuilds the table the way SQLite's
 * documentation prescribes: create the new table, copy the rows, drop the old one, rename, then
 * create its indexes, triggers and dependent views again. Foreign keys are off around the
 * migration's transaction and checked before it commits (see schema-support.ts), so the drop
 * neither cascades into child tables nor trips over their rows.
 */
export class SqliteDdlCompiler extends DdlCompiler {
  override needsCurrentTable(operation: SchemaOperation): boolean {
    switch (operation.kind) {
      case 'alterColumn':
      case 'dropColumn':
      case 'dropIndex':
      case 'addForeignKey':
      case 'dropForeignKey':
        return true;
      case 'addColumn':
        return !addsInPlace(operation.column);
      default:
        return false;
    }
  }

  protected override addColumn(table: string, column: ColumnDefinition, current?: TableSchema): string[] {
    if (addsInPlace(column)) return [`ALTER TABLE ${this.q(table)} ADD COLUMN ${this.dialect.ddlColumn(column)}`];
    const now = this.require(table, current);
    if (now.columns.some((c) => c.name === column.name)) {
      throw new ConfigurationError(`Table ${table} already has a column '${column.name}'`, { field: column.name });
    }
    const plan = this.planFrom(now);
    plan.columns.push({ name: column.name, sql: this.dialect.ddlColumn({ ...column, references: undefined }) });
    if (column.references) plan.foreignKeys.push(asForeignKeySchema(foreignKeyOf(table, column)));
    return this.rebuild(now, plan);
  }

  protected override alterColumn(table: string, column: ColumnDefinition, current?: TableSchema): string[] {
    const now = this.require(table, current);
    const before = this.columnOf(now, column.name);
    const keyed = now.primaryKey.length === 1 && now.primaryKey[0] === column.name;
    const definition: ColumnDefinition = {
      ...column,
      unique: false,
      references: undefined,
      primary: keyed,
      autoIncrement: keyed && before.autoIncrement,
    };
    const plan = this.planFrom(now);
    plan.columns = plan.columns.map((c) => (c.name === column.name ? { name: c.name, sql: this.dialect.ddlColumn(definition), from: c.name } : c));
    return this.rebuild(now, plan);
  }

  protected override dropColumn(table: string, column: string, current?: TableSchema): string[] {
    const now = this.require(table, current);
    this.columnOf(now, column);
    const involved =
      now.primaryKey.includes(column) ||
      now.indexes.some((index) => index.columns.includes(column) || mentionsColumn(index.predicate, column) || index.expression) ||
      now.foreignKeys.some((key) => key.columns.includes(column));
    if (!involved) return [`ALTER TABLE ${this.q(table)} DROP COLUMN ${this.q(column)}`];
    if (now.primaryKey.includes(column)) {
      throw new ConfigurationError(`Cannot drop column '${column}' of ${table}: it is (part of) the primary key`, { field: column });
    }
    const plan = this.planFrom(now);
    plan.columns = plan.columns.filter((c) => c.name !== column);
    plan.uniques = plan.uniques.filter((index) => !index.columns.includes(column));
    plan.foreignKeys = plan.foreignKeys.filter((key) => !key.columns.includes(column));
    plan.indexes = plan.indexes.filter((index) => !index.columns.includes(column) && !mentionsColumn(index.predicate, column) && !index.expression);
    return this.rebuild(now, plan);
  }

  protected override dropIndex(table: string, name: string, current?: TableSchema): string[] {
    const now = this.require(table, current);
    const index = now.indexes.find((i) => i.name === name);
    if (!index?.implicit) return [`DROP INDEX ${this.q(name)}`];
    // An autoindex belongs to a UNIQUE constraint of the table: only a rebuild removes it.
    const plan = this.planFrom(now);
    plan.uniques = plan.uniques.filter((u) => u.name !== name);
    return this.rebuild(now, plan);
  }

  protected override addForeignKey(table: string, foreignKey: ForeignKeyOperation, current?: TableSchema): string[] {
    const now = this.require(table, current);
    this.columnOf(now, foreignKey.column);
    const plan = this.planFrom(now);
    plan.foreignKeys.push(asForeignKeySchema(foreignKey));
    return this.rebuild(now, plan);
  }

  protected override dropForeignKey(table: string, name: string, current?: TableSchema): string[] {
    const now = this.require(table, current);
    if (!now.foreignKeys.some((key) => key.name === name)) {
      const known = now.foreignKeys.map((key) => key.name).join(', ') || 'none';
      throw new ConfigurationError(`Table ${table} has no foreign key named '${name}' (it has: ${known})`, { field: name });
    }
    const plan = this.planFrom(now);
    plan.foreignKeys = plan.foreignKeys.filter((key) => key.name !== name);
    return this.rebuild(now, plan);
  }

  /** The table as it is, column for column, as the starting point of a rebuild. */
  private planFrom(table: TableSchema): RebuildPlan {
    const singleKey = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
    return {
      columns: table.columns.map((column) => ({ name: column.name, sql: this.nativeColumn(column, column.name === singleKey), from: column.name })),
      uniques: table.indexes.filter((index) => index.implicit && index.unique),
      foreignKeys: [...table.foreignKeys],
      indexes: table.indexes.filter((index) => !index.implicit && index.definition !== undefined),
    };
  }

  /** A column written back exactly as the catalog describes it. */
  private nativeColumn(column: ColumnSchema, soleKey: boolean): string {
    let sql = this.q(column.name);
    if (column.nativeType) sql += ` ${column.nativeType}`;
    if (soleKey) sql += column.autoIncrement ? ' PRIMARY KEY AUTOINCREMENT' : ' PRIMARY KEY';
    if (!column.nullable && !column.autoIncrement) sql += ' NOT NULL';
    if (column.defaultSql !== undefined) {
      const text = column.defaultSql.trim();
      const literal = parseDefaultLiteral(text) !== undefined || text.startsWith('(') || /^CURRENT_(TIME|DATE|TIMESTAMP)$/i.test(text);
      sql += ` DEFAULT ${literal ? text : `(${text})`}`;
    }
    return sql;
  }

  private rebuild(table: TableSchema, plan: RebuildPlan): string[] {
    const name = this.q(table.name);
    const temporary = this.q(`_ar_rebuild_${table.name}`);
    const body = plan.columns.map((column) => column.sql);
    if (table.primaryKey.length > 1) body.push(`PRIMARY KEY (${table.primaryKey.map((c) => this.q(c)).join(', ')})`);
    for (const unique of plan.uniques) body.push(`UNIQUE (${unique.columns.map((c) => this.q(c)).join(', ')})`);
    for (const key of plan.foreignKeys) body.push(this.foreignKeyClause(key));
    const copied = plan.columns.filter((column) => column.from !== undefined);
    const views = table.rebuild?.views ?? [];
    const statements: string[] = [
      ...views.map((view) => `DROP VIEW ${this.q(view.name)}`),
      `CREATE TABLE ${temporary} (\n  ${body.join(',\n  ')}\n)`,
      `INSERT INTO ${temporary} (${copied.map((c) => this.q(c.name)).join(', ')}) SELECT ${copied.map((c) => this.q(c.from!)).join(', ')} FROM ${name}`,
    ];
    if (table.rebuild?.autoIncrementSequence && plan.columns.some((c) => / AUTOINCREMENT\b/.test(c.sql))) {
      // Keep the AUTOINCREMENT counter: ids of deleted rows are never handed out again.
      const literal = (value: string) => this.dialect.ddlLiteral('string', value);
      statements.push(
        `DELETE FROM sqlite_sequence WHERE name = ${literal(`_ar_rebuild_${table.name}`)}`,
        `INSERT INTO sqlite_sequence (name, seq) SELECT ${literal(`_ar_rebuild_${table.name}`)}, seq FROM sqlite_sequence WHERE name = ${literal(table.name)}`,
      );
    }
    statements.push(`DROP TABLE ${name}`, `ALTER TABLE ${temporary} RENAME TO ${name}`);
    statements.push(...plan.indexes.map((index) => index.definition!));
    statements.push(...(table.rebuild?.triggers ?? []));
    statements.push(...views.map((view) => view.sql));
    return statements;
  }

  private foreignKeyClause(key: ForeignKeySchema): string {
    let sql =
      `CONSTRAINT ${this.q(key.name)} FOREIGN KEY (${key.columns.map((c) => this.q(c)).join(', ')}) ` +
      `REFERENCES ${this.q(key.referencedTable)} (${key.referencedColumns.map((c) => this.q(c)).join(', ')})`;
    if (key.onDelete !== 'no action') sql += ` ON DELETE ${key.onDelete.toUpperCase()}`;
    if (key.onUpdate !== 'no action') sql += ` ON UPDATE ${key.onUpdate.toUpperCase()}`;
    return sql;
  }

  private require(table: string, current: TableSchema | undefined): TableSchema {
    if (!current) throw new ConfigurationError(`Table ${table} does not exist`, { field: table });
    return current;
  }

  private columnOf(table: TableSchema, column: string): ColumnSchema {
    const found = table.columns.find((c) => c.name === column);
    if (!found) {
      throw new ConfigurationError(`Table ${table.name} has no column '${column}' (columns: ${table.columns.map((c) => c.name).join(', ')})`, {
        field: column,
      });
    }
    return found;
  }
}

/**
 * What `ALTER TABLE ... ADD COLUMN` accepts: no key, no UNIQUE, no foreign key (it takes only an
 * unnamed one), and a NOT NULL column only with a default.
 */
function addsInPlace(column: ColumnDefinition): boolean {
  return !column.primary && !column.unique && !column.references && (column.nullable || column.default !== undefined);
}

function asForeignKeySchema(foreignKey: ForeignKeyOperation): ForeignKeySchema {
  return {
    name: foreignKey.name,
    columns: [foreignKey.column],
    referencedTable: foreignKey.referencedTable,
    referencedColumns: [foreignKey.referencedColumn],
    onDelete: foreignKey.onDelete ?? 'no action',
    onUpdate: foreignKey.onUpdate ?? 'no action',
  };
}

function mentionsColumn(predicate: string | undefined, column: string): boolean {
  if (!predicate) return false;
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}([^A-Za-z0-9_$]|$)`).test(predicate);
}
