import { performance } from 'node:perf_hooks';
import type { MigrationHost, SchemaSupport } from '../../backend/schema-support';
import type { BackendLogger } from '../../backend/storage-backend';
import type { Connection } from '../../connection/connection';
import { SchemaBuilder, type StatementLog } from '../builder/schema-builder';
import {
  createEmptyMigration,
  diffConnections,
  generateMigrations,
  type GeneratedMigration,
  type GenerateOptions,
  type GeneratorSource,
} from '../generate/migration-generator';
import type { SchemaDiff } from '../generate/schema-diff';
import type { SchemaSource } from '../schema-source';
import { requireSchemaSupport } from '../schema-support-of';
import type { TableDefinition } from '../table-definition';
import { MigrationError } from './migration-error';
import { halfMigrated, migrationFailure } from './migration-failures';
import { loadMigration, migrationFiles, migrationFolder, type MigrationFile } from './migration-files';
import { MigrationHistory, type HistoryEntry } from './migration-history';
import { acquireMigrationLock, type HeldLock } from './migration-lock';
import type { ResolvedMigrationsOptions } from './migration-options';
import type { ConnectionReport, MigrationListener, MigrationReport } from './migration-report';

export interface MigrationTargetOptions {
  /** Only these connections; default every connection of the application. */
  connection?: string | readonly string[];
  /** Progress as it happens (lock waits, each migration's start, end and time). */
  onEvent?: MigrationListener;
}

export interface MigrateOptions extends MigrationTargetOptions {
  /**
   * A migration that failed halfway on a database without transactional DDL blocks every later
   * run until the schema is repaired by hand; then this forgets the failure (an `up` becomes
   * pending again, a `down` applied again) and carries on.
   */
  retryFailed?: boolean;
}

export interface RollbackOptions extends MigrationTargetOptions {
  /** Migrations to undo per connection, newest first; default 1. */
  steps?: number;
}

/** Where one connection stands. */
export interface MigrationStatus {
  readonly connection: string;
  /** `sqlite`, `postgres`, ...: the connection's dialect. */
  readonly dialect: string;
  /** The folder its migrations are read from. */
  readonly folder: string;
  readonly applied: readonly HistoryEntry[];
  /** Stopped halfway (no transactional DDL); `migrate` refuses to run until repaired. */
  readonly failed: readonly HistoryEntry[];
  /** Files not applied yet, in the order they will run. */
  readonly pending: readonly string[];
  /** Applied migrations whose file is gone. */
  readonly missing: readonly string[];
}

interface Target {
  readonly index: number;
  readonly connection: Connection;
  readonly support: SchemaSupport;
  readonly history: MigrationHistory;
  readonly files: readonly MigrationFile[];
  readonly report: ConnectionReport;
  /** Held from the start of the run's work to its end. */
  lock?: HeldLock;
}

/**
 * Runs each connection's migrations (`migrations/<connection>/`), records them in the
 * connection's `ar_migrations` table, and keeps instances apart with a per-connection lock.
 *
 * A run takes the locks of every connection it touches (in name order, so two runs cannot each
 * hold one and wait for the other), then applies the pending migrations of all of them in id
 * (timestamp) order, so that a release spanning databases runs in the order it was written. It
 * stops at the first failure: earlier migrations stay applied, the report says where each
 * connection stands, and a migration that stopped halfway (no transactional DDL) is marked so
 * that no later run goes on silently from a half-migrated schema.
 */
export class Migrator {
  constructor(
    private readonly source: SchemaSource,
    private readonly settings: () => ResolvedMigrationsOptions,
    private readonly logger: () => BackendLogger,
    private readonly desiredTables: (connection: string) => TableDefinition[],
  ) {}

  /**
   * Diff each connection's models against its database and write the migration that brings the
   * database to the models, as `<directory>/<connection>/<timestamp>_<name>.ts`. A connection
   * whose database already matches gets no file.
   */
  generate(name: string, options: GenerateOptions = {}): Promise<GeneratedMigration[]> {
    return generateMigrations(this.generatorSource(), name, options);
  }

  /**
   * How each connection's database differs from its models, as the steps generate would write
   * (empty `up` where they agree). Writes nothing; `migration:check` fails a CI run on it.
   */
  diff(options: Pick<GenerateOptions, 'connection' | 'renames'> = {}): Promise<Array<{ connection: string; diff: SchemaDiff }>> {
    return diffConnections(this.generatorSource(), options);
  }

  private generatorSource(): GeneratorSource {
    return {
      connectionNames: () => this.source.connectionNames(),
      get: (connection) => this.source.get(connection),
      desiredTables: this.desiredTables,
      migrations: this,
      directory: this.settings().directory,
    };
  }

  /** Write an empty migration for one connection, to fill in by hand; returns its path. */
  create(name: string, options: { connection: string; language?: 'ts' | 'js'; now?: Date }): string {
    this.source.get(options.connection);
    return createEmptyMigration(this.settings().directory, options.connection, name, options);
  }

  /** Applied, failed, pending and missing migrations of each connection (nothing is changed). */
  async status(options: MigrationTargetOptions = {}): Promise<MigrationStatus[]> {
    const result: MigrationStatus[] = [];
    for (const name of this.connectionNames(options.connection)) {
      const connection = this.source.get(name);
      const files = migrationFiles(this.settings().directory, name);
      const entries = await new MigrationHistory(connection).entries();
      const recorded = new Set(entries.map((entry) => entry.id));
      const present = new Set(files.map((file) => file.id));
      result.push({
        connection: name,
        dialect: connection.dialect.name,
        folder: migrationFolder(this.settings().directory, name),
        applied: entries.filter((entry) => entry.state === 'applied'),
        failed: entries.filter((entry) => entry.state === 'failed'),
        pending: files.filter((file) => !recorded.has(file.id)).map((file) => file.id),
        missing: entries.filter((entry) => !present.has(entry.id)).map((entry) => entry.id),
      });
    }
    return result;
  }

  /** Apply every pending migration; resolves with what was done, rejects with a MigrationError carrying the same report. */
  async migrate(options: MigrateOptions = {}): Promise<MigrationReport> {
    const targets = this.targets(options.connection, (name) => migrationFiles(this.settings().directory, name).length > 0);
    const report: MigrationReport = { direction: 'up', connections: targets.map((t) => t.report) };
    if (targets.length === 0) return report;
    return this.underLocks(targets, options, report, async () => {
      const queue: Array<{ target: Target; file: MigrationFile; batch: number }> = [];
      for (const target of targets) {
        const entries = await this.settleFailures(target, await target.history.entries(), options.retryFailed ?? false);
        const recorded = new Set(entries.map((entry) => entry.id));
        const present = new Set(target.files.map((file) => file.id));
        for (const missing of entries.filter((entry) => !present.has(entry.id))) {
          this.warn(options, target, `migration ${missing.id} is recorded as applied but its file is missing from ${migrationFolder(this.settings().directory, target.connection.name)}`);
        }
        const batch = Math.max(0, ...entries.map((entry) => entry.batch)) + 1;
        const pending = target.files.filter((file) => !recorded.has(file.id));
        target.report.remaining.push(...pending.map((file) => file.id));
        queue.push(...pending.map((file) => ({ target, file, batch })));
      }
      queue.sort((a, b) => (a.file.id < b.file.id ? -1 : a.file.id > b.file.id ? 1 : a.target.index - b.target.index));
      for (const item of queue) await this.run(item.target, item.file, 'up', item.batch, options);
    });
  }

  /** Undo the newest `steps` applied migrations of each connection (default 1), newest first. */
  async rollback(options: RollbackOptions = {}): Promise<MigrationReport> {
    const steps = options.steps ?? 1;
    if (!Number.isInteger(steps) || steps < 1) throw new MigrationError(`rollback steps must be a positive integer, got ${String(options.steps)}`);
    // Only connections with migration files: a rollback never creates a history table anywhere.
    const targets = this.targets(options.connection, (name) => migrationFiles(this.settings().directory, name).length > 0);
    const report: MigrationReport = { direction: 'down', connections: targets.map((t) => t.report) };
    return this.underLocks(targets, options, report, async () => {
      const queue: Array<{ target: Target; file: MigrationFile; batch: number }> = [];
      for (const target of targets) {
        const entries = await target.history.entries();
        const failed = entries.find((entry) => entry.state === 'failed');
        if (failed) throw halfMigrated(target.connection.name, failed);
        const newest = entries
          .filter((entry) => entry.state === 'applied')
          .sort((a, b) => b.batch - a.batch || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .slice(0, steps);
        for (const entry of newest) {
          const file = target.files.find((f) => f.id === entry.id);
          if (!file) {
            throw new MigrationError(
              `Cannot roll back ${entry.id} on connection '${target.connection.name}': its file is missing from ${migrationFolder(this.settings().directory, target.connection.name)}`,
              { connection: target.connection.name, migration: entry.id, direction: 'down' },
            );
          }
          target.report.remaining.push(entry.id);
          queue.push({ target, file, batch: entry.batch });
        }
      }
      queue.sort((a, b) => (a.file.id < b.file.id ? 1 : a.file.id > b.file.id ? -1 : b.target.index - a.target.index));
      for (const item of queue) await this.run(item.target, item.file, 'down', item.batch, options);
    });
  }

  private async underLocks(targets: Target[], options: MigrationTargetOptions, report: MigrationReport, work: () => Promise<void>): Promise<MigrationReport> {
    const { lockTimeoutMs, lockLeaseMs } = this.settings();
    const locked: Target[] = [];
    try {
      for (const target of [...targets].sort((a, b) => (a.connection.name < b.connection.name ? -1 : 1))) {
        target.lock = await acquireMigrationLock(target.connection, target.support, { timeoutMs: lockTimeoutMs, leaseMs: lockLeaseMs, onEvent: options.onEvent });
        locked.push(target);
      }
      // Under the lock: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a concurrent one.
      for (const target of targets) await target.history.ensureTable();
      await work();
      return report;
    } catch (error) {
      const failure = error instanceof MigrationError ? error : new MigrationError(`Migration run failed: ${(error as Error).message}`, { cause: error });
      failure.report = report;
      throw failure;
    } finally {
      for (const target of locked.reverse()) {
        await target.lock!.release().catch((error: unknown) => this.logger().warn(`Connection '${target.connection.name}': could not release the migration lock: ${String(error)}`));
        target.lock = undefined;
      }
    }
  }

  /** Run one migration in one direction, in a transaction where the database has transactional DDL. */
  private async run(target: Target, file: MigrationFile, direction: 'up' | 'down', batch: number, options: MigrationTargetOptions): Promise<void> {
    const { connection, support, history, report } = target;
    const name = connection.name;
    if (target.lock?.lost) {
      throw new MigrationError(
        `Connection '${name}': this run stalled past the migration lock's lease and another instance took the lock over; stopping before ${file.id}`,
        { connection: name, migration: file.id },
      );
    }
    const log: StatementLog = { applied: [] };
    let started = performance.now();
    options.onEvent?.({ kind: 'start', connection: name, migration: file.id, direction });
    try {
      const module = loadMigration(file, name);
      started = performance.now();
      const change = direction === 'up' ? module.up : module.down;
      if (!change) {
        throw new MigrationError(`Migration ${file.id} on connection '${name}' has no down(): it cannot be rolled back`, {
          connection: name,
          migration: file.id,
          direction,
        });
      }
      const body = async (): Promise<boolean> => {
        const entry = await history.find(file.id);
        if (direction === 'up' ? entry !== undefined : entry?.state !== 'applied') return false;
        // Without transactional DDL, a process that dies halfway must not leave the schema
        // half-migrated silently: the migration reads as interrupted until it completes.
        if (!support.transactionalDdl) await history.markInterrupted(file.id, batch, direction);
        const builder = new SchemaBuilder(connection, support, log);
        await change.call(module, builder);
        await builder.settled();
        if (!support.transactionalDdl) await history.remove(file.id);
        if (direction === 'up') {
          await history.record({ id: file.id, batch, state: 'applied', appliedAt: new Date(), durationMs: Math.round(performance.now() - started) });
        } else if (support.transactionalDdl) {
          await history.remove(file.id);
        }
        return true;
      };
      const ran = support.transactionalDdl ? await this.inTransaction(connection, support, body) : await body();
      const ms = Math.round(performance.now() - started);
      report.remaining.splice(report.remaining.indexOf(file.id), 1);
      if (ran) {
        report.done.push({ id: file.id, ms });
        options.onEvent?.({ kind: 'done', connection: name, migration: file.id, direction, ms, statements: log.applied.length });
      } else {
        report.skipped.push(file.id);
        options.onEvent?.({ kind: 'skipped', connection: name, migration: file.id, reason: `already ${direction === 'up' ? 'applied' : 'reverted'} by another instance` });
      }
    } catch (error) {
      const failure = await migrationFailure(target.connection, target.support, target.history, { id: file.id, direction, batch }, log, error);
      report.failed = { id: file.id, message: failure.message };
      options.onEvent?.({ kind: 'failed', connection: name, migration: file.id, direction, ms: Math.round(performance.now() - started), error: failure });
      throw failure;
    }
  }

  private inTransaction<T>(connection: Connection, support: SchemaSupport, work: () => Promise<T>): Promise<T> {
    const host: MigrationHost = {
      query: (sql) => connection.query(sql),
      execute: async (sql) => {
        await connection.execute(sql);
      },
      transaction: (body) => connection.transaction(() => body()),
    };
    return support.runMigration ? support.runMigration(host, work) : host.transaction(work);
  }

  private async settleFailures(target: Target, entries: HistoryEntry[], retry: boolean): Promise<HistoryEntry[]> {
    const failed = entries.filter((entry) => entry.state === 'failed');
    if (failed.length === 0) return entries;
    if (!retry) throw halfMigrated(target.connection.name, failed[0]!);
    for (const entry of failed) {
      if (entry.detail?.direction === 'down') await target.history.markApplied(entry.id);
      else await target.history.forget(entry.id);
    }
    return target.history.entries();
  }

  private targets(selection: string | readonly string[] | undefined, include: (name: string) => boolean): Target[] {
    const names = this.connectionNames(selection).filter(include);
    return names.map((name, index) => {
      const connection = this.source.get(name);
      return {
        index,
        connection,
        support: requireSchemaSupport(connection),
        history: new MigrationHistory(connection),
        files: migrationFiles(this.settings().directory, name),
        report: { connection: name, done: [], skipped: [], remaining: [] },
      };
    });
  }

  private connectionNames(selection: string | readonly string[] | undefined): string[] {
    if (selection === undefined) return [...this.source.connectionNames()];
    const names = typeof selection === 'string' ? [selection] : [...selection];
    for (const name of names) this.source.get(name);
    return names;
  }

  private warn(options: MigrationTargetOptions, target: Target, message: string): void {
    if (options.onEvent) options.onEvent({ kind: 'warning', connection: target.connection.name, message });
    else this.logger().warn(`Connection '${target.connection.name}': ${message}`);
  }
}
