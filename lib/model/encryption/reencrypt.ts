import { ConfigurationError } from '../../errors';
import type { ColumnRef, ConditionNode, SelectNode, UpdateNode } from '../../query/nodes';
import type { ModelRuntime } from '../model-runtime';
import { keyringFor } from './keyrings';

export interface ReencryptOptions {
  /** Rows read (and rewritten, in one transaction) per round; default 500. */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (progress: ReencryptProgress) => void;
}

export interface ReencryptProgress {
  readonly model: string;
  /** Rows in the table when the run started. */
  readonly total: number;
  /** Rows looked at so far. */
  readonly scanned: number;
  /** Rows rewritten with the first key so far. */
  readonly reencrypted: number;
}

export interface ReencryptReport extends ReencryptProgress {
  /** The key every value now uses. */
  readonly keyId: string;
  /** Rows that changed between read and rewrite (already written with the first key by whoever changed them). */
  readonly skipped: number;
}

/**
 * Rewrite every encrypted value that is not under the first configured key. Rows are read in
 * primary-key order a batch at a time (nothing is held open between batches); each rewrite is
 * conditional on the row still holding the value read (compare-and-set), so a concurrent save is
 * never overwritten with older data. No callbacks, timestamps or version bumps: the plaintext
 * does not change. Soft-deleted rows are included.
 */
export async function reencryptModel(runtime: ModelRuntime, options: ReencryptOptions = {}): Promise<ReencryptReport> {
  const { metadata, connection, dialect } = runtime;
  const encrypted = metadata.columns.filter((column) => column.encryption !== undefined);
  if (encrypted.length === 0) {
    throw new ConfigurationError(`${metadata.name}.reencrypt(): the model has no encrypted column`, { model: metadata.name });
  }
  const keyring = keyringFor(connection);
  if (keyring === undefined) {
    throw new ConfigurationError(`${metadata.name}.reencrypt(): connection '${connection.name}' has no encryption keys`, {
      model: metadata.name,
      connection: connection.name,
    });
  }
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ConfigurationError(`${metadata.name}.reencrypt(): batchSize must be a positive integer`, { model: metadata.name });
  }
  const pk = metadata.primaryKey;
  const pkIndex = metadata.columns.indexOf(pk);
  const pkRef: ColumnRef = { name: pk.name, type: pk.type };
  const countRows = await connection.runQuery(
    dialect.compile({ kind: 'count', source: { kind: 'select', table: metadata.table, columns: [], orderBy: [] } }),
  );
  const total = Number(countRows[0]?.count ?? 0);
  let scanned = 0;
  let reencrypted = 0;
  let skipped = 0;
  let last: unknown;
  for (;;) {
    const select: SelectNode = {
      kind: 'select',
      table: metadata.table,
      columns: [pk.name, ...encrypted.map((column) => column.name)],
      columnTypes: [pk.type, ...encrypted.map((column) => column.type)],
      where: last === undefined ? undefined : { kind: 'compare', column: pkRef, op: '>', value: last },
      orderBy: [{ column: pk.name, direction: 'asc' }],
      limit: batchSize,
    };
    const rows = await connection.runQuery(dialect.compile(select), runtime.runOptions);
    if (rows.length === 0) break;
    const updates: UpdateNode[] = [];
    for (const row of rows) {
      const key = runtime.read(pkIndex, row[pk.name]);
      last = key;
      const set: Array<readonly [ColumnRef, unknown]> = [];
      const unchanged: ConditionNode[] = [];
      for (const column of encrypted) {
        const stored = row[column.name];
        if (typeof stored !== 'string' || keyring.keyIdOf(stored) === keyring.primaryId) continue;
        const plaintext = keyring.decrypt(stored, { model: metadata.name, column: column.property });
        const ref: ColumnRef = { name: column.name, type: column.type };
        set.push([ref, keyring.encrypt(plaintext, column.encryption!.deterministic)]);
        unchanged.push({ kind: 'compare', column: ref, op: '=', value: stored });
      }
      if (set.length === 0) continue;
      updates.push({
        kind: 'update',
        table: metadata.table,
        set,
        where: { kind: 'and', items: [{ kind: 'compare', column: pkRef, op: '=', value: key }, ...unchanged] },
      });
    }
    scanned += rows.length;
    if (updates.length > 0) {
      const changed = await connection.transaction(async () => {
        let count = 0;
        for (const update of updates) count += (await connection.runExecute(dialect.compile(update), runtime.writeOptions)).affectedRows;
        return count;
      });
      reencrypted += changed;
      skipped += updates.length - changed;
    }
    options.onProgress?.({ model: metadata.name, total, scanned, reencrypted });
    if (rows.length < batchSize) break;
  }
  return { model: metadata.name, total, scanned, reencrypted, skipped, keyId: keyring.primaryId };
}
