import type { ParsedArguments, OptionSpec } from './arguments';
import type { LoadedApplication } from './app-loader';
import type { Output } from './output';

/** What a command gets to run with. */
export interface CommandContext {
  readonly args: ParsedArguments;
  readonly output: Output;
  /** The application's connections, booted from --module or --config (commands with needsApplication). */
  readonly app: LoadedApplication;
}

/**
 * One `npx nestjs-activerecord <name>` command. Commands come in groups, one file each under
 * lib/cli/commands/ (migrations today; the coordinator's operator commands join the same way),
 * and share the option parsing and application loading of lib/cli/.
 */
export interface CliCommand {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** `migration:generate <name> [--connection <name>]` */
  readonly usage: string;
  /** Longer help, printed by `<command> --help`. */
  readonly details?: string;
  /** The command's own options; the application options (--module, --config) are added for every command. */
  readonly options: readonly OptionSpec[];
  /** Resolves with the exit code. */
  run(context: CommandContext): Promise<number>;
}

/** Options every command takes: where the application's connections come from. */
export const APPLICATION_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'module',
    kind: 'string',
    value: '<file[#Export]>',
    description: "the application's root module, compiled (e.g. dist/app.module.js); booted as a Nest application context",
  },
  {
    name: 'config',
    kind: 'string',
    value: '<file>',
    description: 'a file exporting the options ConnectionRegistry.open takes (default: activerecord.config.js/.ts/.json when present)',
  },
  { name: 'help', kind: 'flag', description: 'show this help' },
];

export class CommandRegistry {
  private readonly commands: CliCommand[] = [];

  register(...commands: CliCommand[]): this {
    for (const command of commands) {
      const names = [command.name, ...(command.aliases ?? [])];
      const clash = names.find((name) => this.find(name));
      if (clash) throw new Error(`CLI command '${clash}' is registered twice`);
      this.commands.push(command);
    }
    return this;
  }

  find(name: string): CliCommand | undefined {
    return this.commands.find((command) => command.name === name || command.aliases?.includes(name));
  }

  list(): readonly CliCommand[] {
    return this.commands;
  }
}
