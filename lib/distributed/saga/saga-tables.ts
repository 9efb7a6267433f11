import type { ColumnType } from '../../backend/column-types';
import { columnDefinition, type TableDefinition } from '../../schema/table-definition';

/** One row per saga: its input, the state of each step, and who is driving it until when. */
export const SAGA_LOG_TABLE: TableDefinition = {
  name: 'ar_saga_log',
  columns: [
    columnDefinition('id', 'string', { primary: true, length: 100 }),
    columnDefinition('name', 'string', { length: 200 }),
    columnDefinition('node', 'string', { length: 40 }),
    columnDefinition('state', 'string', { length: 16 }),
    columnDefinition('input', 'json', { nullable: true }),
    columnDefinition('steps', 'json'),
    columnDefinition('lease_until', 'datetime'),
    columnDefinition('created_at', 'datetime'),
    columnDefinition('updated_at', 'datetime'),
  ],
};

/**
 * One row per (saga, step) on the step's own connection, written in the same local transaction
 * as the step's work: whichever of the forward step and its compensation inserts it first wins.
 */
export const SAGA_BARRIER_TABLE: TableDefinition = {
  name: 'ar_saga_barriers',
  columns: [
    columnDefinition('id', 'string', { primary: true, length: 300 }),
    columnDefinition('phase', 'string', { length: 16 }),
    columnDefinition('result', 'json', { nullable: true }),
    columnDefinition('created_at', 'datetime'),
  ],
};

export function columnRef(table: TableDefinition, name: string): { name: string; type: ColumnType } {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name} in ${table.name}`);
  return { name, type: found.type };
}
