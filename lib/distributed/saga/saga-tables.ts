import type { ColumnType } from '../../backend/column-types';
import type { ColumnDefinition, TableDefinition } from '../../schema/table-definition';

const column = (name: string, type: ColumnType, extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({
  name,
  type,
  nullable: false,
  primary: false,
  autoIncrement: false,
  unique: false,
  ...extra,
});

/** One row per saga: its input, the state of each step, and who is driving it until when. */
export const SAGA_LOG_TABLE: TableDefinition = {
  name: 'ar_saga_log',
  columns: [
    column('id', 'string', { primary: true, length: 100 }),
    column('name', 'string', { length: 200 }),
    column('node', 'string', { length: 40 }),
    column('state', 'string', { length: 16 }),
    column('input', 'json', { nullable: true }),
    column('steps', 'json'),
    column('lease_until', 'datetime'),
    column('created_at', 'datetime'),
    column('updated_at', 'datetime'),
  ],
};

/**
 * One row per (saga, step) on the step's own connection, written in the same local transaction
 * as the step's work: whichever of the forward step and its compensation inserts it first wins.
 */
export const SAGA_BARRIER_TABLE: TableDefinition = {
  name: 'ar_saga_barriers',
  columns: [
    column('id', 'string', { primary: true, length: 300 }),
    column('phase', 'string', { length: 16 }),
    column('result', 'json', { nullable: true }),
    column('created_at', 'datetime'),
  ],
};

export function columnRef(table: TableDefinition, name: string): { name: string; type: ColumnType } {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name} in ${table.name}`);
  return { name, type: found.type };
}
