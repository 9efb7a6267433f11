import type { Connection } from '../../connection/connection';
import { TransactionError, UniqueConstraintError } from '../../errors';
import { withTable } from '../table-guard';
import { columnRef, SAGA_BARRIER_TABLE } from './saga-tables';

const ref = (name: string) => columnRef(SAGA_BARRIER_TABLE, name);

/** A forward step refused because its compensation already ran (it arrived late). */
export class LateStepError extends TransactionError {}

/**
 * Run a saga step's forward work in one local transaction with its barrier row. The row is
 * inserted first (taking the key), the work runs, and its result is stored in the row, all in
 * one commit. If the row exists: a repeat of a step that already ran returns the stored result
 * without running again; a step whose compensation already ran is refused.
 */
export async function runForward(connection: Connection, barrierId: string, run: () => Promise<unknown>): Promise<{ result: unknown; repeated: boolean }> {
  // The barrier row is the transaction's first statement, so a missing table fails (and is
  // re-created and retried) before `run` has done anything.
  return withTable(connection, SAGA_BARRIER_TABLE, () => connection.transaction(async () => {
    if (!(await claim(connection, barrierId, 'forward'))) {
      const existing = await read(connection, barrierId);
      if (existing?.phase === 'forward') return { result: existing.result, repeated: true };
      throw new LateStepError(`Saga step ${barrierId} was refused: it was already compensated (a late or repeated forward step)`, {
        connection: connection.name,
      });
    }
    const result = asJson(await run());
    await connection.runExecute(
      connection.dialect.compile({ kind: 'update', table: SAGA_BARRIER_TABLE.name, set: [[ref('result'), result ?? null]], where: eq('id', barrierId) }),
    );
    return { result, repeated: false };
  }));
}

/**
 * Compensate a step in one local transaction with its barrier row: inserting a `compensated`
 * row first means the forward step never committed (an empty compensation: nothing to undo, and
 * a late forward step will now be refused). Otherwise the stored forward result is handed to
 * `compensate`, and the row is marked compensated in the same commit, so it happens once.
 */
export async function runCompensation(
  connection: Connection,
  barrierId: string,
  compensate: (result: unknown) => Promise<void>,
): Promise<'compensated' | 'empty' | 'already'> {
  return withTable(connection, SAGA_BARRIER_TABLE, () => connection.transaction(async () => {
    if (await claim(connection, barrierId, 'compensated')) return 'empty';
    const existing = await read(connection, barrierId);
    if (!existing || existing.phase === 'compensated') return 'already';
    await compensate(existing.result);
    await connection.runExecute(
      connection.dialect.compile({
        kind: 'update',
        table: SAGA_BARRIER_TABLE.name,
        set: [[ref('phase'), 'compensated']],
        where: { kind: 'and', items: [eq('id', barrierId), eq('phase', 'forward')] },
      }),
    );
    return 'compensated';
  }));
}

/** Insert the barrier row in a savepoint; false when it already exists. */
async function claim(connection: Connection, id: string, phase: 'forward' | 'compensated'): Promise<boolean> {
  const insert = connection.dialect.compile({
    kind: 'insert',
    table: SAGA_BARRIER_TABLE.name,
    columns: [ref('id'), ref('phase'), ref('created_at')],
    rows: [[id, phase, new Date()]],
  });
  try {
    await connection.transaction(() => connection.runExecute(insert), { propagation: 'NESTED' });
    return true;
  } catch (error) {
    if (error instanceof UniqueConstraintError) return false;
    throw error;
  }
}

async function read(connection: Connection, id: string): Promise<{ phase: string; result: unknown } | undefined> {
  const rows = await connection.runQuery(
    connection.dialect.compile({ kind: 'select', table: SAGA_BARRIER_TABLE.name, columns: ['phase', 'result'], where: eq('id', id), orderBy: [] }),
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    phase: connection.dialect.fromDriverValue('string', row.phase) as string,
    result: connection.dialect.fromDriverValue('json', row.result),
  };
}

/** Results travel as JSON (they are logged and may be compensated by another process). */
export function asJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

function eq(name: string, value: unknown) {
  return { kind: 'compare' as const, column: ref(name), op: '=' as const, value };
}
