/**
 * DATETIME has no zone: it stores wall-clock digits. To round-trip a JavaScript Date exactly, the
 * library fixes one offset per connection and uses it everywhere: the driver converts Dates with
 * it, the session's `time_zone` is set to it (so `NOW()` agrees), and DDL defaults are written in
 * it. Only fixed offsets are accepted: a named zone with daylight saving time has wall-clock
 * hours that happen twice or never, so it cannot round-trip every instant.
 */
export interface FixedOffset {
  /** What mysql2's `timezone` option takes: `'Z'` or `'+HH:MM'`. */
  readonly driver: string;
  /** What `SET time_zone = ...` takes: `'+HH:MM'`. */
  readonly session: string;
  readonly minutes: number;
}

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/**
 * mysql2 is told `'+00:00'`, not `'Z'`: with `'Z'` it builds DATETIMEs read over the binary
 * protocol with `Date.UTC(year, ...)`, which maps the years 0-99 to 1900-1999 (0050 came back
 * as 1950); with an explicit offset it parses the digits as ISO-8601 text, which keeps them.
 */
export const UTC: FixedOffset = { driver: '+00:00', session: '+00:00', minutes: 0 };

/** Parse a `timezone` option, or return undefined when it is not a fixed offset. */
export function parseFixedOffset(value: string | undefined): FixedOffset | undefined {
  if (value === undefined || value === 'Z' || value === 'z' || value === 'UTC') return UTC;
  const match = OFFSET.exec(value);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  // MySQL accepts offsets from -13:59 to +14:00.
  if (hours > 14 || minutes > 59 || (hours === 14 && minutes > 0)) return undefined;
  const total = (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  if (total === 0) return UTC;
  return { driver: value, session: value, minutes: total };
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of an instant, as the wall clock at `offset` shows it. */
export function formatWallClock(date: Date, offset: FixedOffset): string {
  const shifted = new Date(date.getTime() + offset.minutes * 60_000);
  const iso = shifted.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ for years 0..9999
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/**
 * The instant a `YYYY-MM-DD HH:MM:SS[.ffffff]` wall-clock string at `offset` stands for, read
 * digit by digit (several times faster than parsing ISO text with `new Date`).
 */
export function parseWallClock(text: string, offset: FixedOffset): Date {
  const length = text.length;
  if (length !== 10 && (length < 19 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58)) {
    const date = new Date(`${text.replace(' ', 'T').slice(0, 23)}Z`);
    return offset.minutes === 0 ? date : new Date(date.getTime() - offset.minutes * 60_000);
  }
  const digit = (index: number) => text.charCodeAt(index) - 48;
  const pair = (index: number) => digit(index) * 10 + digit(index + 1);
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = pair(5) - 1;
  const day = pair(8);
  let ms = 0;
  if (length > 20) {
    for (let i = 20; i < 23; i++) ms = ms * 10 + (i < length ? digit(i) : 0);
  }
  const time = length === 10 ? 0 : ((pair(11) * 60 + pair(14)) * 60 + pair(17)) * 1000 + ms;
  const date = new Date(Date.UTC(year, month, day) + time - offset.minutes * 60_000);
  // Date.UTC reads the years 0-99 as 1900-1999: build those from a date whose year is set apart.
  if (year < 100) {
    const exact = new Date(0);
    exact.setUTCFullYear(year, month, day);
    exact.setTime(exact.getTime() + time - offset.minutes * 60_000);
    return exact;
  }
  return date;
}
