/** One option a command takes. */
export interface OptionSpec {
  /** Long name without dashes: `connection` for `--connection`. */
  readonly name: string;
  /** `flag` takes no value; `list` may repeat (and takes comma-separated values). */
  readonly kind: 'flag' | 'string' | 'number' | 'list';
  /** Shown in --help, e.g. `<name>`. */
  readonly value?: string;
  readonly description: string;
}

export interface ParsedArguments {
  readonly positionals: readonly string[];
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/**
 * Parse `--name value`, `--name=value` and bare flags against the options a command declares;
 * an unknown option or a missing value is a UsageError (never silently ignored).
 */
export function parseArguments(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArguments {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg === '-h') flags.add('help');
      else positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value${spec.value ? ` ${spec.value}` : ''}`);
    if (spec.kind === 'number' && !/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got '${value}'`);
    if (spec.kind === 'list') {
      const list = lists.get(name) ?? [];
      list.push(...value.split(',').map((part) => part.trim()).filter((part) => part !== ''));
      lists.set(name, list);
    } else {
      if (values.has(name)) throw new UsageError(`--${name} is given twice`);
      values.set(name, value);
    }
  }
  return { positionals, flags, values, lists };
}
