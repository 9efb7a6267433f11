import type { StorageBackend } from '../backend/storage-backend';
import { UniqueConstraintError } from '../errors';
import type { DecisionLog, DecisionRecord } from './decision-log';
import { withTable } from './table-guard';
import { DECISIONS_TABLE } from './decision-log';

type NewRecord = Omit<DecisionRecord, 'createdAt' | 'updatedAt'>;

interface Waiting {
  readonly record: NewRecord;
  resolve(): void;
  reject(error: unknown): void;
}

/** The most decisions written by one INSERT (well inside every dialect's parameter limit). */
const MAX_BATCH = 100;

/**
 * Writes commit decisions into the decision log on a session of its own (a dedicated handle on
 * the log's database, outside the application's pool). A unit that holds its branches' sessions
 * therefore never waits for another session of a pool those branches may have exhausted (with
 * the log on a participant and pool.max 2, two units used to wait for each other for ever).
 * Decisions that arrive while one is being written go together in the next INSERT, one round
 * trip and one flush for all of them; a batch that meets a recovery tombstone is retried one
 * record at a time, so only the unit whose id was taken is refused.
 */
export class DecisionWriter {
  private waiting: Waiting[] = [];
  private writing = false;
  private dedicated?: Promise<StorageBackend | undefined>;

  constructor(private readonly log: DecisionLog) {}

  write(record: NewRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  async close(): Promise<void> {
    const dedicated = await this.dedicated?.catch(() => undefined);
    this.dedicated = undefined;
    await dedicated?.close().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          await this.insert(batch.map((entry) => entry.record));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          if (!(batch.length > 1 && error instanceof UniqueConstraintError)) {
            for (const entry of batch) entry.reject(error);
            continue;
          }
          for (const entry of batch) {
            try {
              await this.insert([entry.record]);
              entry.resolve();
            } catch (single) {
              entry.reject(single);
            }
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async insert(records: readonly NewRecord[]): Promise<void> {
    const backend = await this.backend();
    if (!backend) {
      await this.log.insertMany(records);
      return;
    }
    const query = this.log.compileInsert(records);
    await withTable(this.log.connection, DECISIONS_TABLE, () => backend.execute(query, { prepare: records.length === 1 }));
  }

  /** The dedicated handle, opened on first use; a database that cannot be opened twice uses the pool. */
  private backend(): Promise<StorageBackend | undefined> {
    this.dedicated ??= (async () => {
      const backend = this.log.connection.backend.createDedicated();
      if (!backend) return undefined;
      await backend.open();
      return backend;
    })();
    this.dedicated.catch(() => (this.dedicated = undefined));
    return this.dedicated;
  }
}
