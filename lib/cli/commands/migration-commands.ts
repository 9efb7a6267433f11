import { relative } from 'node:path';
import type { MigrationError } from '../../schema/migrations/migration-error';
import type { MigrationReport } from '../../schema/migrations/migration-report';
import type { Migrator } from '../../schema/migrations/migrator';
import type { SchemaOperation } from '../../schema/schema-operations';
import { UsageError, type OptionSpec, type ParsedArguments } from '../arguments';
import type { CliCommand, CommandContext } from '../command-registry';
import { printMigrationEvent, type Output } from '../output';

const CONNECTION: OptionSpec = { name: 'connection', kind: 'list', value: '<name>', description: 'only this connection (repeat, or comma-separate, for several)' };
const DIRECTORY: OptionSpec = { name: 'dir', kind: 'string', value: '<folder>', description: "the migrations folder (default: the application's migrations.directory, else ./migrations)" };

/** `migration:generate`, `migration:create`, `migration:check`, `migrate`, `rollback`, `status`. */
export const migrationCommands: readonly CliCommand[] = [
  {
    name: 'migration:generate',
    summary: "write a migration from the difference between the models and each connection's database",
    usage: 'migration:generate <name> [--connection <name>] [--rename <table.old=new>] [--js]',
    details:
      'Writes migrations/<connection>/<timestamp>_<name>.ts for every connection whose database differs from its models\n' +
      '(up, and down to undo it). Steps it can only guess (a column dropped while another appears: a rename?) are\n' +
      'marked REVIEW in the file. Refuses while migrations are pending: migrate first.',
    options: [
      CONNECTION,
      { name: 'rename', kind: 'list', value: '<table.old=new>', description: 'write renameColumn for this column instead of a drop and an add (repeatable)' },
      { name: 'js', kind: 'flag', description: 'write CommonJS .js instead of TypeScript' },
      DIRECTORY,
    ],
    run: async ({ args, app, output }) => {
      const name = onePositional(args, '<name>');
      const migrator = migratorFor(app.registry, args);
      const results = await migrator.generate(name, { connection: connections(args), renames: renames(args), language: args.flags.has('js') ? 'js' : 'ts' });
      for (const result of results) {
        if (!result.file) output.out(`  ${result.connection}: the database matches the models, nothing to generate`);
        else {
          const reviews = result.diff.reviews > 0 ? `, ${result.diff.reviews} step(s) marked REVIEW` : '';
          output.out(`  ${result.connection}: wrote ${relative(process.cwd(), result.file)} (${result.diff.up.length} step(s)${reviews})`);
          for (const note of result.diff.notes) output.out(`    note: ${note}`);
        }
      }
      return 0;
    },
  },
  {
    name: 'migration:create',
    summary: 'write an empty migration for one connection, to fill in by hand',
    usage: 'migration:create <name> --connection <name> [--js]',
    options: [CONNECTION, { name: 'js', kind: 'flag', description: 'write CommonJS .js instead of TypeScript' }, DIRECTORY],
    run: async ({ args, app, output }) => {
      const name = onePositional(args, '<name>');
      const selected = connections(args) ?? app.registry.connectionNames();
      if (selected.length !== 1) throw new UsageError(`name the connection: --connection <name> (connections: ${app.registry.connectionNames().join(', ')})`);
      const file = migratorFor(app.registry, args).create(name, { connection: selected[0]!, language: args.flags.has('js') ? 'js' : 'ts' });
      output.out(`  ${selected[0]}: wrote ${relative(process.cwd(), file)}`);
      return 0;
    },
  },
  {
    name: 'migration:check',
    summary: 'exit 1 when a database differs from its models (for CI), listing the differences',
    usage: 'migration:check [--connection <name>]',
    options: [CONNECTION, DIRECTORY],
    run: async ({ args, app, output }) => {
      const results = await migratorFor(app.registry, args).diff({ connection: connections(args) });
      let differs = false;
      for (const { connection, diff } of results) {
        if (diff.up.length === 0) output.out(`  ${connection}: matches the models`);
        else {
          differs = true;
          output.out(`  ${connection}: ${diff.up.length} difference(s) from the models (run migration:generate)`);
          for (const step of diff.up) if (step.kind === 'operation') output.out(`    ${step.operation.kind} ${describeOperation(step.operation)}`);
        }
      }
      return differs ? 1 : 0;
    },
  },
  {
    name: 'migrate',
    aliases: ['migration:run'],
    summary: "apply every connection's pending migrations, in timestamp order across connections",
    usage: 'migrate [--connection <name>] [--retry-failed]',
    details:
      'Takes each connection\'s migration lock (another instance running migrate waits), applies what is pending,\n' +
      'and prints each migration with its time. Stops at the first failure with a non-zero exit code and a report per\n' +
      'connection. A migration that stopped halfway on a database without transactional DDL (MySQL/MariaDB, Oracle)\n' +
      'blocks later runs until the schema is repaired by hand and migrate runs with --retry-failed.',
    options: [CONNECTION, { name: 'retry-failed', kind: 'flag', description: 'forget a failure marker (after repairing the schema by hand) and carry on' }, DIRECTORY],
    run: async ({ args, app, output }) => {
      const migrator = migratorFor(app.registry, args);
      const width = widthOf(app.registry.connectionNames());
      output.out('migrate');
      const report = await reporting(output, () =>
        migrator.migrate({ connection: connections(args), retryFailed: args.flags.has('retry-failed'), onEvent: (event) => printMigrationEvent(output, event, width) }),
      );
      return report ? 0 : 1;
    },
  },
  {
    name: 'rollback',
    aliases: ['migration:revert'],
    summary: 'undo the newest migration of each connection (or --steps n of them)',
    usage: 'rollback [--steps <n>] [--connection <name>]',
    options: [{ name: 'steps', kind: 'number', value: '<n>', description: 'migrations to undo per connection, newest first (default 1)' }, CONNECTION, DIRECTORY],
    run: async ({ args, app, output }) => {
      const migrator = migratorFor(app.registry, args);
      const steps = args.values.has('steps') ? Number(args.values.get('steps')) : undefined;
      if (steps === 0) throw new UsageError('--steps must be at least 1');
      const width = widthOf(app.registry.connectionNames());
      output.out('rollback');
      const report = await reporting(output, () => migrator.rollback({ connection: connections(args), steps, onEvent: (event) => printMigrationEvent(output, event, width) }));
      return report ? 0 : 1;
    },
  },
  {
    name: 'status',
    aliases: ['migration:show'],
    summary: 'list applied and pending migrations per connection',
    usage: 'status [--connection <name>]',
    options: [CONNECTION, DIRECTORY],
    run: async ({ args, app, output }) => {
      const statuses = await migratorFor(app.registry, args).status({ connection: connections(args) });
      let blocked = false;
      for (const status of statuses) {
        output.out(`${status.connection} (${status.dialect}, ${relative(process.cwd(), status.folder) || '.'})`);
        for (const entry of status.applied) output.out(`  applied  ${entry.id}  batch ${entry.batch}  ${entry.appliedAt.toISOString()}${status.missing.includes(entry.id) ? '  (file missing)' : ''}`);
        for (const entry of status.failed) {
          blocked = true;
          output.out(`  FAILED   ${entry.id}  ${entry.detail?.direction ?? 'up'} stopped halfway on ${entry.appliedAt.toISOString()}: ${entry.detail?.error ?? ''}`);
        }
        for (const id of status.pending) output.out(`  pending  ${id}`);
        if (status.applied.length + status.failed.length + status.pending.length === 0) output.out('  no migrations');
      }
      return blocked ? 1 : 0;
    },
  },
];

function migratorFor(registry: CommandContext['app']['registry'], args: ParsedArguments): Migrator {
  const directory = args.values.get('dir');
  if (directory !== undefined) registry.schema.useMigrationsDirectory(directory);
  return registry.schema.migrations;
}

function onePositional(args: ParsedArguments, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? `missing ${what}` : `unexpected arguments: ${args.positionals.slice(1).join(' ')}`);
  return args.positionals[0]!;
}

function connections(args: ParsedArguments): string[] | undefined {
  const list = args.lists.get('connection');
  return list && list.length > 0 ? [...list] : undefined;
}

function renames(args: ParsedArguments): Record<string, string> | undefined {
  const list = args.lists.get('rename');
  if (!list) return undefined;
  const result: Record<string, string> = {};
  for (const entry of list) {
    const match = /^([^=]+\.[^=.]+)=([^=]+)$/.exec(entry);
    if (!match) throw new UsageError(`--rename takes table.old=new, got '${entry}'`);
    result[match[1]!] = match[2]!;
  }
  return result;
}

function widthOf(names: readonly string[]): number {
  return Math.max(0, ...names.map((name) => name.length));
}

function describeOperation(operation: SchemaOperation): string {
  switch (operation.kind) {
    case 'createTable':
      return operation.table.name;
    case 'addColumn':
    case 'alterColumn':
      return `${operation.table}.${operation.column.name}`;
    case 'renameColumn':
    case 'dropColumn':
      return `${operation.table}.${operation.column}`;
    case 'addIndex':
      return `${operation.table} ${operation.index.name}`;
    case 'dropIndex':
    case 'dropForeignKey':
      return `${operation.table} ${operation.name}`;
    case 'addForeignKey':
      return `${operation.table} ${operation.foreignKey.name}`;
    default:
      return operation.table;
  }
}

/** Run a migration, print its per-connection summary; undefined (exit 1) after a failure, whose message is printed. */
async function reporting(output: Output, run: () => Promise<MigrationReport>): Promise<MigrationReport | undefined> {
  try {
    const report = await run();
    summarize(output, report);
    return report;
  } catch (error) {
    const failure = error as MigrationError;
    if (failure.report) summarize(output, failure.report);
    output.err('');
    output.err(failure.message);
    return undefined;
  }
}

function summarize(output: Output, report: MigrationReport): void {
  const verb = report.direction === 'up' ? 'applied' : 'reverted';
  if (report.connections.length === 0) {
    output.out('  no migrations found');
    return;
  }
  for (const connection of report.connections) {
    const parts = [`${connection.done.length} ${verb}`];
    if (connection.skipped.length > 0) parts.push(`${connection.skipped.length} already done by another instance`);
    if (connection.failed) parts.push(`FAILED at ${connection.failed.id}`);
    if (connection.remaining.length > 0) parts.push(`${connection.remaining.length} not ${report.direction === 'up' ? 'applied' : 'reverted'}`);
    if (connection.done.length === 0 && connection.skipped.length === 0 && !connection.failed && connection.remaining.length === 0) parts.splice(0, 1, report.direction === 'up' ? 'up to date' : 'nothing to roll back');
    output.out(`${connection.connection}: ${parts.join(', ')}`);
  }
}
