import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeMariadb, useMariadb } from './harness';

const INSTANTS = [
  '2024-03-31T01:59:59.123Z', // the hour Europe skips
  '2024-10-27T01:30:00.999Z', // the hour Europe repeats
  '2024-03-10T07:30:00.001Z', // the hour America/New_York skips
  '2024-11-03T06:30:00.500Z', // the hour America/New_York repeats
  '1969-07-20T20:17:40.123Z', // before the epoch
  '1000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
];
const DAYS = ['2024-02-29', '1969-12-31', '1970-01-01', '2024-03-10', '2024-03-31', '1000-01-01', '9999-12-31'];

interface Report {
  offsetMinutes: number;
  byKey: Array<[string | null, string | null]>;
  viaText: Array<[string | null, string | null]>;
  walls: Array<string | null>;
  found: number;
}

/**
 * DATETIME(3) values round-trip to the millisecond and are stored as the UTC wall clock, and
 * DATE values stay the same calendar day, whatever the time zone of the Node process (Jest's
 * sandbox cannot change its own zone, so each zone runs in a child process).
 */
describeMariadb('dates and datetimes in non-UTC process time zones', () => {
  const db = useMariadb();

  const run = (tz: string, extra: Record<string, unknown> = {}): Report => {
    const child = spawnSync(
      process.execPath,
      ['-r', join(__dirname, '..', '..', 'support', 'register-ts.js'), join(__dirname, 'scripts', 'time-zone-round-trip.ts')],
      {
        env: {
          ...process.env,
          TZ: tz,
          CONNECTION_OPTIONS: JSON.stringify({ ...db.options, ...extra }),
          INSTANTS: JSON.stringify(INSTANTS),
          DAYS: JSON.stringify(DAYS),
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (child.status !== 0) throw new Error(`child failed (status ${child.status}):\n${child.stderr.slice(-2000)}`);
    return JSON.parse(child.stdout) as Report;
  };

  it.each([
    ['America/New_York', 300],
    ['Asia/Kathmandu', -345],
    ['Pacific/Chatham', -825],
  ])('in %s', (tz, offset) => {
    const report = run(tz);
    expect(report.offsetMinutes).toBe(offset); // the child really runs in that zone
    const expected = INSTANTS.map((iso, i) => [iso, DAYS[i]]);
    expect(report.byKey).toEqual(expected);
    expect(report.viaText).toEqual(expected);
    expect(report.walls).toEqual(INSTANTS.map((iso) => `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`));
    expect(report.found).toBe(1);
  });

  it('with timezone: "-03:00" stores that wall clock and still round-trips every instant', () => {
    const report = run('Asia/Tokyo', { timezone: '-03:00' });
    expect(report.byKey).toEqual(INSTANTS.map((iso, i) => [iso, DAYS[i]]));
    expect(report.walls[0]).toBe('2024-03-30 22:59:59.123000');
  });
});
