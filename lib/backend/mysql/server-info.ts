/** What the connected server can do, as far as the SQL the dialect writes is concerned. */
export interface MysqlServerFeatures {
  readonly flavour: 'mysql' | 'mariadb';
  /** `major.minor.patch`, e.g. `10.11.19` or `8.0.36`; empty before the first connect. */
  readonly version: string;
  /** `INSERT ... RETURNING`: MariaDB 10.5 and later; MySQL has none. */
  readonly returning: boolean;
  /** `INSERT ... VALUES (...) AS alias ON DUPLICATE KEY UPDATE c = alias.c`: MySQL 8.0.19 and later. */
  readonly rowAlias: boolean;
  /** `JSON_TABLE`: MySQL 8.0.4 and MariaDB 10.6 and later (long IN lists as one parameter). */
  readonly jsonTable: boolean;
}

/**
 * What to assume before the server has answered (unit tests, golden SQL): nothing optional.
 * Both spellings used then (no RETURNING, `VALUES(col)` in upserts) work on every version.
 */
export function assumedFeatures(flavour: 'mysql' | 'mariadb'): MysqlServerFeatures {
  return { flavour, version: '', returning: false, rowAlias: false, jsonTable: false };
}

/**
 * Features from `SELECT VERSION()`: `10.11.19-MariaDB-0+deb12u1`, `8.0.36`, `8.4.0-log`, ...
 * The server decides, not the configured backend name: `backend: 'mysql'` pointed at MariaDB
 * gets MariaDB's SQL.
 */
export function featuresOf(versionText: string): MysqlServerFeatures {
  const flavour = /mariadb/i.test(versionText) ? 'mariadb' : 'mysql';
  // MariaDB's handshake prefixes its version with "5.5.5-" for old clients; skip that.
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(versionText.replace(/^5\.5\.5-/, ''));
  const [major, minor, patch] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const atLeast = (a: number, b: number, c: number) => major > a || (major === a && (minor > b || (minor === b && patch >= c)));
  return {
    flavour,
    version: match ? `${major}.${minor}.${patch}` : versionText,
    returning: flavour === 'mariadb' && atLeast(10, 5, 0),
    rowAlias: flavour === 'mysql' && atLeast(8, 0, 19),
    jsonTable: flavour === 'mariadb' ? atLeast(10, 6, 0) : atLeast(8, 0, 4),
  };
}
