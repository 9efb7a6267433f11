import { foreignKeyOf } from '../../backend/ddl-compiler';
import { defaultForeignKeyName, defaultIndexName } from '../../backend/schema-names';
import type { ForeignKeyOperation } from '../schema-operations';
import type { ColumnDefinition, IndexDefinition, TableDefinition } from '../table-definition';
import type { GeneratedStep, SchemaDiff } from './schema-diff';

export interface WriterOptions {
  /** `ts` (default): a TypeScript module; `js`: CommonJS. */
  readonly language: 'ts' | 'js';
  /** Comment lines at the top (what generated it, from what). */
  readonly header: readonly string[];
}

/** The source of a migration file doing `diff.up` in up() and `diff.down` in down(). */
export function writeMigration(diff: SchemaDiff, options: WriterOptions): string {
  const header = [...options.header, ...diff.notes.map((note) => `NOTE: ${note}`)];
  const comment = header.length > 0 ? `/*\n${header.flatMap((line) => wrap(line, 96)).map((line) => ` * ${line}`.trimEnd()).join('\n')}\n */\n` : '';
  const body = (steps: readonly GeneratedStep[]) => (steps.length === 0 ? '  // nothing to do' : steps.map(renderStep).join('\n'));
  if (options.language === 'js') {
    return (
      `'use strict';\n\n${comment}\n` +
      `/** @param {import('nestjs-activerecord').SchemaBuilder} schema */\nexports.up = async function up(schema) {\n${body(diff.up)}\n};\n\n` +
      `/** @param {import('nestjs-activerecord').SchemaBuilder} schema */\nexports.down = async function down(schema) {\n${body(diff.down)}\n};\n`
    );
  }
  return (
    `import type { SchemaBuilder } from 'nestjs-activerecord';\n\n${comment}\n` +
    `export async function up(schema: SchemaBuilder): Promise<void> {\n${body(diff.up)}\n}\n\n` +
    `export async function down(schema: SchemaBuilder): Promise<void> {\n${body(diff.down)}\n}\n`
  );
}

function renderStep(step: GeneratedStep): string {
  if (step.kind === 'note') return wrap(`NOTE: ${step.text}`, 94).map((line) => `  // ${line}`).join('\n');
  const review = step.review ? wrap(step.review, 94).map((line) => `  // ${line}`).join('\n') + '\n' : '';
  if (step.kind === 'execute') return `${review}  await schema.execute(${literal(step.sql)});`;
  const o = step.operation;
  const args = (...values: string[]) => values.join(', ');
  let call: string;
  switch (o.kind) {
    case 'createTable':
      call = `createTable(${literal(o.table.name)}, (t) => {\n${tableBody(o.table)}\n  })`;
      break;
    case 'dropTable':
      call = `dropTable(${literal(o.table)})`;
      break;
    case 'renameTable':
      call = `renameTable(${args(literal(o.table), literal(o.to))})`;
      break;
    case 'addColumn':
      call = `addColumn(${args(literal(o.table), literal(o.column.name), literal(o.column.type), ...options(columnOptions(o.table, o.column)))})`;
      break;
    case 'alterColumn':
      call = `alterColumn(${args(literal(o.table), literal(o.column.name), literal(o.column.type), ...options(alterOptions(o.column)))})`;
      break;
    case 'renameColumn':
      call = `renameColumn(${args(literal(o.table), literal(o.column), literal(o.to))})`;
      break;
    case 'dropColumn':
      call = `dropColumn(${args(literal(o.table), literal(o.column))})`;
      break;
    case 'addIndex':
      call = `addIndex(${args(literal(o.table), literal(o.index.columns), ...options(indexOptions(o.table, o.index)))})`;
      break;
    case 'dropIndex':
      call = `dropIndex(${args(literal(o.table), literal(o.name))})`;
      break;
    case 'addForeignKey':
      call = `addForeignKey(${args(literal(o.table), literal(o.foreignKey.column), objectLiteral(referenceOptions(o.table, o.foreignKey)))})`;
      break;
    case 'dropForeignKey':
      call = `dropForeignKey(${args(literal(o.table), literal(o.name))})`;
      break;
  }
  return `${review}  await schema.${call};`;
}

function tableBody(table: TableDefinition): string {
  const lines = table.columns.map((column) => {
    if (column.primary) {
      const extra: Record<string, unknown> = {};
      const generatedByDefault = column.type === 'integer' || column.type === 'bigint';
      if (column.autoIncrement !== generatedByDefault) extra.autoIncrement = column.autoIncrement;
      if (column.type === 'string' && column.length !== undefined && column.length !== 255) extra.length = column.length;
      const parts = [literal(column.name)];
      if (column.type !== 'integer' || Object.keys(extra).length > 0) parts.push(literal(column.type));
      if (Object.keys(extra).length > 0) parts.push(objectLiteral(extra));
      return `    t.primaryKey(${column.name === 'id' && parts.length === 1 ? '' : parts.join(', ')});`;
    }
    return `    t.column(${[literal(column.name), literal(column.type), ...options(columnOptions(table.name, column))].join(', ')});`;
  });
  for (const index of table.indexes ?? []) lines.push(`    t.index(${[literal(index.columns), ...options(indexOptions(table.name, index))].join(', ')});`);
  return lines.join('\n');
}

function columnOptions(table: string, column: ColumnDefinition): Record<string, unknown> {
  const result = alterOptions(column);
  if (column.unique) result.unique = true;
  if (column.primary) result.primary = true;
  if (column.autoIncrement) result.autoIncrement = true;
  if (column.references) result.references = referenceOptions(table, foreignKeyOf(table, column));
  return result;
}

function alterOptions(column: ColumnDefinition): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (column.nullable) result.nullable = true;
  if (column.default !== undefined) result.default = column.default;
  if (column.type === 'string' && column.length !== undefined && column.length !== 255) result.length = column.length;
  if (column.type === 'binary' && column.length !== undefined) result.length = column.length;
  if (column.type === 'decimal' && (column.precision !== 12 || column.scale !== 2)) {
    if (column.precision !== undefined) result.precision = column.precision;
    if (column.scale !== undefined) result.scale = column.scale;
  }
  return result;
}

function indexOptions(table: string, index: IndexDefinition): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (index.unique) result.unique = true;
  if (index.where && Object.keys(index.where).length > 0) result.where = index.where;
  if (index.name !== defaultIndexName(table, index.columns, index.unique)) result.name = index.name;
  return result;
}

function referenceOptions(table: string, key: ForeignKeyOperation): Record<string, unknown> {
  const result: Record<string, unknown> = { table: key.referencedTable };
  if (key.referencedColumn !== 'id') result.column = key.referencedColumn;
  if (key.onDelete !== undefined) result.onDelete = key.onDelete;
  if (key.onUpdate !== undefined) result.onUpdate = key.onUpdate;
  if (key.name !== defaultForeignKeyName(table, key.column)) result.name = key.name;
  return result;
}

function options(values: Record<string, unknown>): string[] {
  return Object.keys(values).length > 0 ? [objectLiteral(values)] : [];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A value as TypeScript source: JSON for scalars and arrays, bare keys where they are identifiers. */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') return objectLiteral(value as Record<string, unknown>);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
  return JSON.stringify(value) ?? 'undefined';
}

function objectLiteral(values: Record<string, unknown>): string {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined);
  return `{ ${entries.map(([key, value]) => `${IDENTIFIER.test(key) ? key : literal(key)}: ${literal(value)}`).join(', ')} }`;
}

/**
 * Comment text in lines of about `width`. Names in it come from the database, so nothing in
 * them may end the comment: line breaks become spaces and `*\/` is split.
 */
function wrap(text: string, width: number): string[] {
  const safe = text.replace(/[\r\n\u2028\u2029]/g, ' ').replace(/\*\//g, '* /');
  const lines: string[] = [];
  let line = '';
  for (const word of safe.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}
