import type { BackendLogger } from '../backend/storage-backend';
import { ConfigurationError } from '../errors';

/** A method of the logger: Nest's Logger has all five; a plain logger without `debug`/`verbose` gets `log`. */
export type LogLevel = 'log' | 'debug' | 'verbose' | 'warn' | 'error';

/**
 * What a connection logs, kind by kind. Kinds not named here are not logged, except slow
 * statements once `slowQueryMs` is set, and coordinator events (see `coordinator`).
 */
export interface LoggingOptions {
  /** Every statement, after it ran, with its duration: `true` (= 'debug') or a level. */
  queries?: boolean | LogLevel;
  /** Statements that took at least this long are logged at `slowQueries`' level (even when `queries` is off). */
  slowQueryMs?: number;
  /** The level of slow statements; default 'warn'. */
  slowQueries?: LogLevel;
  /** Every transaction once it ended, with its outcome and duration: `true` (= 'debug') or a level. */
  transactions?: boolean | LogLevel;
  /**
   * The steps of cross-database transactions and sagas. Read from the application-wide
   * `logging` only (the coordinator serves every connection); default 'debug', `false` silences them.
   */
  coordinator?: boolean | LogLevel;
  /**
   * Show bound values in logs and in diagnostics_channel messages. Off by default: values are
   * personal data more often than not. Meant for development; values of a statement that
   * mentions a password, secret, token or key are redacted even then.
   */
  values?: boolean;
}

/** `logging` as a connection (or the application) takes it. */
export type LoggingOption = boolean | LoggingOptions;

/** Writes one line at a chosen level. */
export type LogSink = (message: string) => void;

/** What a connection does with its logger, resolved once from its `logging` option. */
export interface LogPolicy {
  /** Every statement (undefined: not logged). */
  readonly query?: LogSink;
  /** Statements of at least `slowQueryMs`. */
  readonly slow?: LogSink;
  readonly slowQueryMs: number;
  /** Ended transactions. */
  readonly transaction?: LogSink;
  /** Bound values are shown (logs and channel messages). */
  readonly values: boolean;
}

/** What `logging: true` means: SQL and transactions at debug, slow statements (1 s) at warn. */
const LOGGING_TRUE: LoggingOptions = { queries: 'debug', transactions: 'debug', slowQueryMs: 1000, slowQueries: 'warn' };

const LEVELS: readonly LogLevel[] = ['log', 'debug', 'verbose', 'warn', 'error'];
const KEYS = ['queries', 'slowQueryMs', 'slowQueries', 'transactions', 'coordinator', 'values'];

/** A function writing at `level` to `logger`, or undefined when the kind is off. */
export function sinkAt(logger: BackendLogger, level: boolean | LogLevel | undefined, fallback: LogLevel = 'debug'): LogSink | undefined {
  if (level === undefined || level === false) return undefined;
  const chosen = level === true ? fallback : level;
  if (chosen === 'debug' || chosen === 'verbose') {
    const method = logger[chosen] ?? logger.debug;
    if (method) return (message) => method.call(logger, message);
    return (message) => logger.log(message);
  }
  return (message) => logger[chosen](message);
}

/** The policy for a connection's `logging` (undefined: the connection logs nothing). */
export function resolveLogPolicy(option: LoggingOption | undefined, logger: BackendLogger): LogPolicy | undefined {
  if (option === undefined || option === false) return undefined;
  const options = option === true ? LOGGING_TRUE : option;
  const slowQueryMs = options.slowQueryMs ?? Number.POSITIVE_INFINITY;
  const policy: LogPolicy = {
    query: sinkAt(logger, options.queries),
    slow: options.slowQueryMs === undefined ? undefined : sinkAt(logger, options.slowQueries ?? 'warn'),
    slowQueryMs,
    transaction: sinkAt(logger, options.transactions),
    values: options.values === true,
  };
  return policy.query || policy.slow || policy.transaction || policy.values ? policy : undefined;
}

/** The coordinator's level, from the application-wide `logging` (default: debug, as before logging had kinds). */
export function coordinatorLevel(option: LoggingOption | undefined): boolean | LogLevel {
  if (option === false) return false;
  if (option === undefined || option === true) return 'debug';
  return option.coordinator ?? 'debug';
}

/** Check a `logging` option; every message names the option path. */
export function validateLogging(value: unknown, path: string, connection?: string): void {
  if (value === undefined || typeof value === 'boolean') return;
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}${field} ${message}`, { connection, field: `${path}${field}` });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('', `must be true, false or an object { ${KEYS.join(', ')} }`);
  }
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KEYS.includes(key)) fail(`.${key}`, `is not a logging option (${KEYS.join(', ')})`);
  }
  const level = (key: string, booleanAllowed: boolean) => {
    const level = options[key];
    if (level === undefined || (booleanAllowed && typeof level === 'boolean') || LEVELS.includes(level as LogLevel)) return;
    fail(`.${key}`, `must be ${booleanAllowed ? 'true, false or ' : ''}one of ${LEVELS.map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(level)}`);
  };
  level('queries', true);
  level('slowQueries', false);
  level('transactions', true);
  level('coordinator', true);
  const slow = options.slowQueryMs;
  if (slow !== undefined && !(typeof slow === 'number' && Number.isFinite(slow) && slow >= 0)) {
    fail('.slowQueryMs', `must be a number of milliseconds (0 or more), got ${JSON.stringify(slow)}`);
  }
  if (options.values !== undefined && typeof options.values !== 'boolean') fail('.values', 'must be true or false');
}
