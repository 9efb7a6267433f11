import { ActiveRecordError } from '../errors';
import { loadApplication } from './app-loader';
import { parseArguments, UsageError } from './arguments';
import { APPLICATION_OPTIONS, CommandRegistry } from './command-registry';
import { migrationCommands } from './commands/migration-commands';
import { transactionCommands } from './commands/transaction-commands';
import { commandHelp, generalHelp } from './help';
import { processOutput, type Output } from './output';

/** Every command group of `npx nestjs-activerecord`, one file each under commands/. */
export function defaultCommands(): CommandRegistry {
  return new CommandRegistry().register(...migrationCommands, ...transactionCommands);
}

/**
 * Run one CLI invocation; resolves with the exit code: 0 done, 1 failed (a migration, a check),
 * 2 wrong usage. Errors are printed with what to do next, never with a stack for expected ones.
 */
export async function runCli(argv: readonly string[], output: Output = processOutput, registry = defaultCommands()): Promise<number> {
  const [name, rest] = commandName(argv, registry);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topicName = name === 'help' ? commandName(rest, registry)[0] : undefined;
    const topic = topicName !== undefined ? registry.find(topicName) : undefined;
    output.out(topic ? commandHelp(topic) : generalHelp(registry));
    return name === undefined ? 2 : 0;
  }
  const command = registry.find(name);
  if (!command) {
    output.err(`Unknown command '${name}'.\n\n${generalHelp(registry)}`);
    return 2;
  }
  let args;
  try {
    args = parseArguments(rest, [...command.options, ...APPLICATION_OPTIONS]);
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${commandHelp(command)}`);
    return 2;
  }
  if (args.flags.has('help')) {
    output.out(commandHelp(command));
    return 0;
  }
  const logger = { log: () => undefined, debug: () => undefined, warn: (m: string) => output.err(`warning: ${m}`), error: (m: string) => output.err(m) };
  let app;
  try {
    app = await loadApplication(args, logger);
  } catch (error) {
    return report(output, error, command.usage);
  }
  try {
    return await command.run({ args, output, app });
  } catch (error) {
    return report(output, error, command.usage);
  } finally {
    await app.close().catch((error: unknown) => output.err(`warning: closing the application failed: ${String(error)}`));
  }
}

/** `tx status` is `tx:status`: a group's commands may be typed with a space. */
function commandName(argv: readonly string[], registry: CommandRegistry): [string | undefined, readonly string[]] {
  const [first, second, ...rest] = argv;
  if (first !== undefined && second !== undefined && !registry.find(first) && registry.find(`${first}:${second}`)) return [`${first}:${second}`, rest];
  return [first, argv.slice(1)];
}

function report(output: Output, error: unknown, usage: string): number {
  if (error instanceof UsageError) {
    output.err(`${error.message}\nUsage: npx nestjs-activerecord ${usage}`);
    return 2;
  }
  if (error instanceof ActiveRecordError) output.err(error.message);
  else output.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}
