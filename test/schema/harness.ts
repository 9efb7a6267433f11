import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConnectionRegistry, type ActiveRecordOptions, type ConnectionOptions, type TableSchema } from 'nestjs-activerecord';
import { probedAvailability } from '../support/availability';
import { BACKEND_TARGETS, type BackendTarget } from '../support/backend-targets';

export const quietLogger = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m), debug: () => undefined };

export interface SchemaContext {
  readonly target: BackendTarget;
  /** The isolated database's connection options (for the `main` connection). */
  options: ConnectionOptions;
  /** A fresh folder for this file's migrations (`<dir>/main/...`). */
  directory: string;
  /** Open a registry on the isolated database; closed after the test file. */
  open(extra?: Partial<ActiveRecordOptions> & { connection?: Record<string, unknown> }): Promise<ConnectionRegistry>;
  /** Write `<directory>/<connection>/<id>.ts`. */
  write(id: string, source: string, connection?: string): string;
}

/**
 * Like describeBackends, for suites that need registries of their own (migration options,
 * several opens of one database): one isolated database per target and file, a migrations
 * folder per target, unreachable servers skipped loudly (a failure under CI=true).
 */
export function describeSchemaTargets(title: string, body: (context: SchemaContext) => void, only: (target: BackendTarget) => boolean = () => true): void {
  const availability = probedAvailability();
  const file = basename(expect.getState().testPath ?? 'suite').replace(/\W+/g, '_');
  // Oracle and SQL Server schema support is golden-tested (test/unit/*-schema.spec.ts): these
  // live suites were never run against those servers, so they do not claim to cover them.
  for (const target of BACKEND_TARGETS.filter((t) => t.name !== 'oracle' && t.name !== 'mssql').filter(only)) {
    const reason = target.name in availability ? availability[target.name] : 'not probed (run through jest with globalSetup)';
    const label = `${title} [${target.name}]`;
    if (reason) {
      if (process.env.CI === 'true' && target.requiredInCI) {
        describe(label, () => it(`needs ${target.describe}, which CI must provide`, () => {
          throw new Error(`${target.describe} is unreachable under CI=true: ${reason}`);
        }));
      } else {
        console.warn(`SKIPPED ${label}: ${target.describe} is unreachable (${reason})`);
        describe.skip(label, () => it('skipped', () => undefined));
      }
      continue;
    }
    describe(label, () => {
      const suite = `${file}_${target.name}`;
      const opened: ConnectionRegistry[] = [];
      const context: SchemaContext = {
        target,
        options: undefined as unknown as ConnectionOptions,
        directory: '',
        open: async (extra = {}) => {
          const { connection, ...rest } = extra;
          const registry = await ConnectionRegistry.open({
            connections: { main: { ...context.options, ...connection } as ConnectionOptions },
            logger: quietLogger,
            migrations: { directory: context.directory, lockTimeoutMs: 20_000 },
            ...rest,
          });
          opened.push(registry);
          return registry;
        },
        write: (id, source, connection = 'main') => writeMigration(context.directory, connection, id, source),
      };
      beforeAll(async () => {
        context.options = await target.isolate(suite);
        context.directory = mkdtempSync(join(tmpdir(), 'ar-migrations-'));
      });
      afterAll(async () => {
        await Promise.all(opened.map((registry) => registry.close()));
        rmSync(context.directory, { recursive: true, force: true });
        await target.release?.(suite);
      });
      body(context);
    });
  }
}

export function writeMigration(directory: string, connection: string, id: string, source: string): string {
  const folder = join(directory, connection);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${id}.ts`);
  writeFileSync(file, source);
  return file;
}

/** A migration file's source from the bodies of up and down. */
export function migration(up: string, down: string): string {
  return `import type { SchemaBuilder } from 'nestjs-activerecord';\n\nexport async function up(schema: SchemaBuilder): Promise<void> {\n${up}\n}\n\nexport async function down(schema: SchemaBuilder): Promise<void> {\n${down}\n}\n`;
}

/** A table's shape without the parts that legitimately differ between backends, for comparisons. */
export function shapeOf(table: TableSchema | undefined) {
  if (!table) return undefined;
  return {
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, default: c.default ?? null })),
    primaryKey: table.primaryKey,
    indexes: table.indexes
      .filter((i) => !i.implicit)
      .map((i) => ({ name: i.name, columns: i.columns, unique: i.unique }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: table.foreignKeys.map((k) => ({ columns: k.columns, table: k.referencedTable, onDelete: k.onDelete })),
  };
}
