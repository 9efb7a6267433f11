import type Database from 'better-sqlite3';

/**
 * Exact SUM, AVG, MIN and MAX for `decimal` columns, which SQLite stores as TEXT (see types.ts):
 * its built-in aggregates would read them as floats ('0.1' + '0.2' = 0.30000000000000004) or,
 * for MIN and MAX, compare them as text ('9' > '10'). These work on scaled BigInts and return
 * decimal text, as PostgreSQL and MySQL do.
 *
 * Called with the column's scale as a second argument, results carry that many decimal places
 * (as a DECIMAL(p, s) column's sum does elsewhere); AVG carries four more (MySQL's default
 * precision increment). With one argument (SQLite allows only one for DISTINCT), the scale is
 * the largest among the values.
 */
export const DECIMAL_AGGREGATES = {
  sum: 'ar_decimal_sum',
  avg: 'ar_decimal_avg',
  min: 'ar_decimal_min',
  max: 'ar_decimal_max',
} as const;

/** `units / 10^scale`. */
interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(value: unknown): Decimal | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') return { units: value, scale: 0 };
  const text = typeof value === 'number' ? numberText(value) : String(value).trim();
  const match = DECIMAL_TEXT.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new TypeError(`not a decimal number: '${text}'`);
  const [, sign, whole, fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  let digits = (whole || '0') + fraction;
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const units = BigInt(digits);
  return { units: sign === '-' ? -units : units, scale };
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError('not a finite number');
  return String(value);
}

function rescale(value: Decimal, scale: number): bigint {
  if (scale >= value.scale) return value.units * 10n ** BigInt(scale - value.scale);
  // Rounding half away from zero, as DECIMAL casts do.
  const divisor = 10n ** BigInt(value.scale - scale);
  const quotient = value.units / divisor;
  const remainder = value.units % divisor;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice >= divisor) return quotient + (value.units < 0n ? -1n : 1n);
  return quotient;
}

export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function compare(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

interface State {
  total?: Decimal;
  count: number;
  /** The column's scale, when given. */
  scale?: number;
}

function step(state: State, value: unknown, scale: unknown): State {
  if (scale !== undefined && scale !== null) state.scale = Number(scale);
  const parsed = parseDecimal(value);
  if (parsed === undefined) return state;
  state.count++;
  if (state.total === undefined) state.total = parsed;
  else {
    const common = Math.max(state.total.scale, parsed.scale);
    state.total = { units: rescale(state.total, common) + rescale(parsed, common), scale: common };
  }
  return state;
}

function pick(keep: (comparison: number) => boolean) {
  return (state: State, value: unknown, scale?: unknown): State => {
    if (scale !== undefined && scale !== null) state.scale = Number(scale);
    const parsed = parseDecimal(value);
    if (parsed === undefined) return state;
    state.count++;
    if (state.total === undefined || keep(compare(parsed, state.total))) state.total = parsed;
    return state;
  };
}

function result(state: State): string | null {
  if (state.total === undefined) return null;
  const scale = state.scale ?? state.total.scale;
  return formatDecimal(rescale(state.total, scale), scale);
}

function average(state: State): string | null {
  if (state.total === undefined || state.count === 0) return null;
  const scale = (state.scale ?? state.total.scale) + 4;
  // total / count at `scale` places, rounded half away from zero.
  const numerator = rescale(state.total, scale + 1);
  const quotient = numerator / BigInt(state.count);
  const rounded = (quotient + (quotient < 0n ? -5n : 5n)) / 10n;
  return formatDecimal(rounded, scale);
}

/** Register the decimal aggregates on a database connection. */
export function registerDecimalAggregates(db: Database.Database): void {
  const start = (): State => ({ count: 0 });
  const options = { start, varargs: true, deterministic: true } as const;
  db.aggregate(DECIMAL_AGGREGATES.sum, { ...options, step: (s: State, v: unknown, sc?: unknown) => step(s, v, sc), result });
  db.aggregate(DECIMAL_AGGREGATES.avg, { ...options, step: (s: State, v: unknown, sc?: unknown) => step(s, v, sc), result: average });
  db.aggregate(DECIMAL_AGGREGATES.min, { ...options, step: pick((c) => c < 0), result });
  db.aggregate(DECIMAL_AGGREGATES.max, { ...options, step: pick((c) => c > 0), result });
}
