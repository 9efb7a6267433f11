/**
 * Exact arithmetic on decimal strings, so that casting never goes through a float:
 * `'0.99999999999999999'` is not the integer 1, `'2147483647.0000001'` is not 2147483647, and a
 * decimal is rounded to its column's scale the same way on every backend.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal number as `coefficient × 10^exponent`, the coefficient without leading zeros. */
export interface ParsedDecimal {
  readonly negative: boolean;
  /** Digits, no leading zeros; `''` for zero. */
  readonly coefficient: string;
  readonly exponent: number;
}

/** Parse `'-12.30'`, `'1e5'`, `'.5'`, `' 7 '`; undefined when the text is not a decimal number. */
export function parseDecimal(text: string): ParsedDecimal | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const exponentText = match[4];
  // An exponent this large is no number any column can hold; refuse rather than build its digits.
  if (exponentText !== undefined && exponentText.replace(/^[+-]?0*/, '').length > 6) return undefined;
  const exponent = (exponentText === undefined ? 0 : Number(exponentText)) - fraction.length;
  let coefficient = (whole + fraction).replace(/^0+/, '');
  // Trailing zeros move into the exponent, so equal values have equal forms.
  let trimmed = coefficient.length;
  while (trimmed > 0 && coefficient[trimmed - 1] === '0') trimmed--;
  const shift = coefficient.length - trimmed;
  coefficient = coefficient.slice(0, trimmed);
  return { negative: match[1] === '-' && coefficient !== '', coefficient, exponent: coefficient === '' ? 0 : exponent + shift };
}

/** The integer a decimal string denotes exactly (as digits with sign), or undefined if it has a fraction. */
export function exactIntegerText(text: string): string | undefined {
  const parsed = parseDecimal(text);
  if (parsed === undefined || parsed.exponent < 0) return undefined;
  if (parsed.coefficient === '') return '0';
  return (parsed.negative ? '-' : '') + parsed.coefficient + '0'.repeat(parsed.exponent);
}

/** Digits before and after the point of a parsed decimal (no exponent). */
function split(parsed: ParsedDecimal): { whole: string; fraction: string } {
  const { coefficient, exponent } = parsed;
  if (exponent >= 0) return { whole: coefficient + '0'.repeat(exponent), fraction: '' };
  const point = coefficient.length + exponent;
  if (point > 0) return { whole: coefficient.slice(0, point), fraction: coefficient.slice(point) };
  return { whole: '', fraction: '0'.repeat(-point) + coefficient };
}

/** Add one to a string of digits. */
function increment(digits: string): string {
  const chars = digits.split('');
  let i = chars.length - 1;
  while (i >= 0 && chars[i] === '9') chars[i--] = '0';
  if (i < 0) return '1' + chars.join('');
  chars[i] = String(Number(chars[i]) + 1);
  return chars.join('');
}

/**
 * A decimal value for a `DECIMAL(precision, scale)` column: rounded to `scale` digits after the
 * point (half away from zero, as PostgreSQL and MySQL round) and written with exactly that many,
 * so every backend stores and returns the same text. Throws a TypeError when the value has more
 * digits before the point than the column holds.
 */
export function fitDecimal(text: string, precision: number, scale: number): string {
  if (alreadyFits(text, precision, scale)) return text;
  const parsed = parseDecimal(text);
  if (parsed === undefined) throw new TypeError(`expected a decimal string such as '12.30', got a malformed one`);
  const most = precision - scale;
  // Far too large: decided before any digits are built (an exponent may be in the millions).
  if (parsed.coefficient !== '' && parsed.coefficient.length + parsed.exponent > most + 1) throw tooLarge(precision, scale);
  if (parsed.coefficient !== '' && parsed.coefficient.length + parsed.exponent < -scale - 1) return format(false, '', '', scale);
  let { whole, fraction } = split(parsed);
  if (fraction.length > scale) {
    const roundUp = fraction.charCodeAt(scale) >= 53; // '5'
    fraction = fraction.slice(0, scale);
    if (roundUp) {
      const rounded = increment(whole + fraction);
      whole = rounded.slice(0, rounded.length - scale);
      fraction = rounded.slice(rounded.length - scale);
    }
  }
  whole = whole.replace(/^0+/, '');
  if (whole.length > most) throw tooLarge(precision, scale);
  const zero = whole === '' && /^0*$/.test(fraction);
  return format(parsed.negative && !zero, whole, fraction, scale);
}

/**
 * Already written as the column stores it (`'-12.30'` for a decimal(p, 2), within its digits): the
 * usual case, values formatted by the caller or read back from the database, checked without
 * building anything. Anything else (leading zeros, `'-0.00'`, exponents, other scales) goes the
 * long way.
 */
function alreadyFits(text: string, precision: number, scale: number): boolean {
  const length = text.length;
  const start = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  let i = start;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const whole = i - start;
  if (whole === 0) return false;
  if (text.charCodeAt(start) === 48 /* 0 */) {
    // '0.12' fits any scale-2 column; '012.30' and '-0.xx' (perhaps a negative zero) do not pass here.
    if (whole > 1 || start === 1) return false;
  } else if (whole > precision - scale) return false;
  if (scale === 0) return i === length;
  if (text.charCodeAt(i) !== 46 /* . */ || length - i - 1 !== scale) return false;
  for (let j = i + 1; j < length; j++) if (!isDigit(text.charCodeAt(j))) return false;
  return true;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function format(negative: boolean, whole: string, fraction: string, scale: number): string {
  const digits = (whole === '' ? '0' : whole) + (scale > 0 ? '.' + fraction.padEnd(scale, '0') : '');
  return negative ? '-' + digits : digits;
}

function tooLarge(precision: number, scale: number): TypeError {
  return new TypeError(
    `does not fit decimal(${precision}, ${scale}): at most ${precision - scale} digit(s) before the point`,
  );
}

/**
 * A decimal filter value in the form the column stores (`'12.3'` -> `'12.30'` for scale 2),
 * without rounding: `where({ amount: '1.234' })` must not match a stored `'1.23'`. Extra
 * fraction digits are kept, so such a value matches nothing on any backend.
 */
export function canonicalDecimal(text: string, scale: number): string {
  const parsed = parseDecimal(text);
  if (parsed === undefined) throw new TypeError(`expected a decimal string such as '12.30', got a malformed one`);
  // Magnitudes no column holds: keep them as given (compared numerically, they match nothing).
  if (Math.abs(parsed.exponent) > 1000) return text.trim();
  const { whole, fraction } = split(parsed);
  const kept = fraction.length > scale ? fraction : fraction.padEnd(scale, '0');
  const digits = (whole === '' ? '0' : whole) + (kept.length > 0 ? '.' + kept : '');
  return parsed.negative ? '-' + digits : digits;
}

/** Compare two decimal strings exactly: negative, zero or positive as a < b, a = b, a > b. */
export function compareDecimals(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (x === undefined || y === undefined) throw new TypeError('expected decimal strings');
  if (x.coefficient === '') return y.coefficient === '' ? 0 : y.negative ? 1 : -1;
  if (y.coefficient === '') return x.negative ? -1 : 1;
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  const magnitudeX = x.coefficient.length + x.exponent;
  const magnitudeY = y.coefficient.length + y.exponent;
  if (magnitudeX !== magnitudeY) return magnitudeX > magnitudeY ? sign : -sign;
  const length = Math.max(x.coefficient.length, y.coefficient.length);
  const cx = x.coefficient.padEnd(length, '0');
  const cy = y.coefficient.padEnd(length, '0');
  return cx === cy ? 0 : cx > cy ? sign : -sign;
}
