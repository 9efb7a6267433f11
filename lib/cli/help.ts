import type { OptionSpec } from './arguments';
import { APPLICATION_OPTIONS, type CliCommand, type CommandRegistry } from './command-registry';

const BIN = 'npx nestjs-activerecord';

export function generalHelp(registry: CommandRegistry): string {
  const width = Math.max(...registry.list().map((command) => command.name.length));
  return [
    `Usage: ${BIN} <command> [options]`,
    '',
    'Commands:',
    ...registry.list().map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command reads the application from --module <file> (its compiled root module, booted as a Nest',
    'application context) or --config <file> (the options ConnectionRegistry.open takes).',
    `Run '${BIN} <command> --help' for a command's options.`,
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  const options = [...command.options, ...APPLICATION_OPTIONS];
  const label = (option: OptionSpec) => `--${option.name}${option.value ? ` ${option.value}` : ''}`;
  const width = Math.max(...options.map((option) => label(option).length));
  return [
    `Usage: ${BIN} ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'Options:',
    ...options.map((option) => `  ${label(option).padEnd(width)}  ${option.description}`),
  ].join('\n');
}
