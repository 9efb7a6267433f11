import { execFileSync, execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Restart the local database servers, for the tests that prove what survives a restart. These
 * tests run alone, after the main suite (jest.disruptive.config.js), because a restart breaks
 * every other connection. They need the local servers and the right to restart them (root on
 * the development and CI machines).
 */
export function canRestartServers(): { ok: boolean; reason?: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'restarting the database servers needs root' };
  if (!existsSync('/etc/postgresql')) return { ok: false, reason: 'no local PostgreSQL cluster under /etc/postgresql' };
  if (!existsSync('/usr/sbin/mariadbd')) return { ok: false, reason: 'no local MariaDB server (/usr/sbin/mariadbd)' };
  return { ok: true };
}

export function restartPostgres(): void {
  const version = readdirSync('/etc/postgresql').sort().at(-1)!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'ignore' });
  waitFor(() => execSync('pg_isready -h 127.0.0.1 -q', { stdio: 'ignore' }), 'PostgreSQL');
}

export function restartMariadb(): void {
  // SIGTERM is MariaDB's clean shutdown; --retry waits until the process has really exited, so
  // that the start below is not mistaken for "already running".
  execSync('start-stop-daemon --stop --retry TERM/60/KILL/5 --exec /usr/sbin/mariadbd', { stdio: 'ignore' });
  execSync('mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld', { stdio: 'ignore' });
  execSync('start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql', { stdio: 'ignore' });
  waitFor(() => execSync("mariadb -uroot -h127.0.0.1 -e 'SELECT 1'", { stdio: 'ignore' }), 'MariaDB');
}

/**
 * Set max_prepared_transactions by writing postgresql.auto.conf (what ALTER SYSTEM writes) and
 * restarting: this also works when the server is down, which matters for putting the value back.
 * PostgreSQL cannot start with 0 while prepared transactions exist: callers check there are none.
 */
export function setMaxPreparedTransactions(value: number): void {
  const version = readdirSync('/etc/postgresql').sort().at(-1)!;
  const file = `/var/lib/postgresql/${version}/main/postgresql.auto.conf`;
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => !line.startsWith('max_prepared_transactions'));
  writeFileSync(file, [...lines.filter((line) => line !== ''), `max_prepared_transactions = '${Number(value)}'`, ''].join('\n'));
  restartPostgres();
}

function waitFor(check: () => void, what: string): void {
  for (let i = 0; i < 120; i++) {
    try {
      check();
      return;
    } catch {
      execSync('sleep 0.5');
    }
  }
  throw new Error(`${what} did not come back within a minute`);
}
