import type { Connection } from '../connection/connection';
import type { TableDefinition } from '../schema/table-definition';
import { runOutsideTransaction } from '../connection/ambient-scope';
import { UniqueConstraintError } from '../errors';

/**
 * The coordinator's own tables (decision log, saga log, barriers) are created on first use and
 * remembered per connection. If one disappears later (a restored backup, a careless migration),
 * the first statement that misses it re-creates it and runs again, instead of failing forever.
 */
const ensured = new WeakMap<Connection, Map<string, Promise<void>>>();

/**
 * Create the table if it is missing, once per connection: concurrent first uses share one
 * CREATE. Another process creating it at the same moment can make PostgreSQL's
 * CREATE TABLE IF NOT EXISTS fail on its catalog's unique index; the table then exists.
 */
export function ensureTable(connection: Connection, table: TableDefinition): Promise<void> {
  let known = ensured.get(connection);
  if (!known) ensured.set(connection, (known = new Map()));
  let creating = known.get(table.name);
  if (!creating) {
    creating = runOutsideTransaction(connection, () => connection.execute(connection.dialect.compileCreateTable(table, { ifNotExists: true }))).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof UniqueConstraintError || /already exists/i.test(String((error as Error)?.message))) return;
        known!.delete(table.name);
        throw error;
      },
    );
    known.set(table.name, creating);
  }
  return creating;
}

/** Forget that `table` exists on `connection` (it was found missing): the next use creates it again. */
export function forgetTable(connection: Connection, table: TableDefinition): void {
  ensured.get(connection)?.delete(table.name);
}

export async function withTable<T>(connection: Connection, table: TableDefinition, work: () => Promise<T>): Promise<T> {
  await ensureTable(connection, table);
  try {
    return await work();
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    forgetTable(connection, table);
    await ensureTable(connection, table);
    return work();
  }
}

/** A table that was never created means nothing was ever written there. */
export function isMissingTable(error: unknown): boolean {
  const text = `${error instanceof Error ? error.message : String(error)} ${String((error as { cause?: { message?: string } })?.cause?.message ?? '')}`;
  return /no such table|does not exist|doesn't exist|ORA-00942|Invalid object name/i.test(text);
}
