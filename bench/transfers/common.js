'use strict';
/**
 * Shared by the cross-database transfer bench: settings, the two servers, each variant's pair of
 * databases (arbench_xfer_<variant> on PostgreSQL and on MariaDB), the end-of-run checks, and
 * the round-trip counter the workers install on the drivers.
 */
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

/**
 * The drivers from the project root's node_modules, the ones the library itself loads. (Plain
 * `driver('pg')` from bench/ would find bench/node_modules/pg, a second copy that the peers
 * bring in: a different module instance than the library's.)
 */
function driver(name) {
  return require(require.resolve(name, { paths: [ROOT] }));
}

// ---- settings --------------------------------------------------------------------------------

const truthy = (value) => /^(1|true|yes)$/i.test(value ?? '');
const QUICK = truthy(process.env.XFER_QUICK) || truthy(process.env.BENCH_QUICK);

function int(name, fallback, min = 0) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  return value;
}

const ALL_VARIANTS = ['independent', 'raw-2pc', 'raw-2pc-evidence', 'coordinator'];

function variantList() {
  const raw = process.env.XFER_VARIANTS;
  if (raw === undefined || raw.trim() === '') return ALL_VARIANTS;
  const chosen = raw.split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of chosen) {
    // `coordinator@path/to/dist` runs another build of the library beside this one (A/B).
    const [file, dist] = v.split('@');
    if (!ALL_VARIANTS.includes(file)) throw new Error(`XFER_VARIANTS: unknown variant '${file}' (known: ${ALL_VARIANTS.join(', ')})`);
    if (dist !== undefined && file !== 'coordinator') throw new Error(`XFER_VARIANTS: only the coordinator takes a build (coordinator@path/to/dist), got '${v}'`);
  }
  return chosen;
}

const settings = {
  quick: QUICK,
  /** Measured repetitions; every variant runs once per repetition, in rotating order. */
  reps: int('XFER_REPS', QUICK ? 3 : 7, 1),
  /** Length of one timed batch. */
  durationMs: int('XFER_DURATION_MS', QUICK ? 250 : 1000, 1),
  /** Untimed warm-up per variant before the first repetition. */
  warmupMs: int('XFER_WARMUP_MS', QUICK ? 250 : 1500),
  /** Accounts on each side; a transfer debits one on PostgreSQL and credits one on MariaDB. */
  accounts: int('XFER_ACCOUNTS', 1000, 1),
  /** Transfers in flight at once per variant (1: one after the other, like the main bench). */
  concurrency: int('XFER_CONCURRENCY', 1, 1),
  /** Pool size on each server, for every variant (the library's default and the main bench's: 10). */
  poolMax: int('XFER_POOL_MAX', 10, 1),
  /** Transfers run with the drivers instrumented to count round trips (0 skips the count). */
  countTransfers: int('XFER_COUNT_TRANSFERS', QUICK ? 50 : 200),
  variants: variantList(),
  /** A directory: each worker writes a V8 CPU profile there (node --cpu-prof). */
  cpuProfDir: process.env.XFER_CPU_PROF ? path.resolve(process.env.XFER_CPU_PROF) : undefined,
  /** Replace the transfers table in bench/README.md with this run's. */
  updateReadme: truthy(process.env.XFER_UPDATE_README),
};

const INITIAL_BALANCE = 1_000_000;

// ---- servers ---------------------------------------------------------------------------------

// The main bench's servers, read from PG_URL / MYSQL_URL the same way.
const pgSettings = (database) => require('../backends/postgres').settingsFor(database);
const mariaSettings = (database) => require('../backends/mariadb').settingsFor(database);

function urlOf(scheme, s) {
  const auth = s.password ? `${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}` : encodeURIComponent(s.user);
  return `${scheme}://${auth}@${s.host}:${s.port}/${s.database}`;
}

async function withPg(database, work) {
  const { Client } = driver('pg');
  const client = new Client({ ...pgSettings(database), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function withMaria(database, work) {
  const mysql = driver('mysql2/promise');
  const connection = await mysql.createConnection({ ...mariaSettings(database), connectTimeout: 3000 });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** Both servers reachable, PostgreSQL able to prepare; returns their versions. */
async function probeServers() {
  let pg;
  try {
    pg = await withPg(undefined, async (c) => ({
      version: (await c.query('SHOW server_version')).rows[0].server_version,
      maxPrepared: Number((await c.query('SHOW max_prepared_transactions')).rows[0].max_prepared_transactions),
    }));
  } catch (error) {
    const { host, port } = pgSettings();
    throw new Error(`no PostgreSQL at ${host}:${port} (${error.message}); set PG_URL to point elsewhere`);
  }
  if (!(pg.maxPrepared > 0)) {
    throw new Error('PostgreSQL has max_prepared_transactions = 0, so it cannot prepare: run `bash .ci/prepare-databases.sh` (sets 64 and restarts)');
  }
  let maria;
  try {
    maria = await withMaria(undefined, async (c) => ({ version: (await c.query('SELECT VERSION() AS v'))[0][0].v }));
  } catch (error) {
    const { host, port } = mariaSettings();
    throw new Error(`no MariaDB at ${host}:${port} (${error.message}); set MYSQL_URL to point elsewhere`);
  }
  return {
    pg: `PostgreSQL ${pg.version} (max_prepared_transactions ${pg.maxPrepared})`,
    maria: `MariaDB ${maria.version}`,
    pgDriver: `pg ${driver('pg/package.json').version}`,
    mariaDriver: `mysql2 ${driver('mysql2/package.json').version}`,
  };
}

// ---- databases -------------------------------------------------------------------------------

const databaseName = (variant) => `arbench_xfer_${variant.replace(/[^a-z0-9]/g, '_')}`;

/**
 * The raw 2PC variant's decision log and XA markers, with the same columns and types as the
 * coordinator's own tables (ar_tx_decisions as lib/backend/postgres compiles it; ar_xa_markers
 * as lib/backend/mysql compiles it), so both write records of the same size.
 */
const DECISIONS_DDL =
  'CREATE TABLE xfer_decisions (gid VARCHAR(100) PRIMARY KEY, node VARCHAR(40) NOT NULL, state VARCHAR(16) NOT NULL, ' +
  'participants JSONB NOT NULL, created_at TIMESTAMPTZ(3) NOT NULL, updated_at TIMESTAMPTZ(3) NOT NULL)';
const MARKERS_DDL = 'CREATE TABLE xfer_markers (gid VARCHAR(150) NOT NULL PRIMARY KEY, created_at DATETIME(3) NOT NULL) ENGINE=InnoDB';

/** Drop and create the variant's two databases, each with `accounts` (ids 1..n). */
async function prepareDatabases(variant, options) {
  const database = databaseName(variant);
  const n = settings.accounts;
  await withPg(undefined, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${database}"`);
  });
  await withPg(database, async (c) => {
    await c.query('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL)');
    await c.query('INSERT INTO accounts (id, balance) SELECT i, $2::bigint FROM generate_series(1, $1::int) AS i', [n, INITIAL_BALANCE]);
    if (options.decisionLog) await c.query(DECISIONS_DDL);
    await c.query('VACUUM ANALYZE accounts');
  });
  await withMaria(undefined, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await c.query(`CREATE DATABASE \`${database}\``);
  });
  await withMaria(database, async (c) => {
    await c.query('CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB');
    for (let start = 1; start <= n; start += 1000) {
      const rows = [];
      for (let id = start; id < Math.min(start + 1000, n + 1); id++) rows.push([id, INITIAL_BALANCE]);
      await c.query('INSERT INTO accounts (id, balance) VALUES ?', [rows]);
    }
    if (options.markers) await c.query(MARKERS_DDL);
  });
  const pg = pgSettings(database);
  const maria = mariaSettings(database);
  return { variant, database, pg: { ...pg, url: urlOf('postgres', pg) }, maria: { ...maria, url: urlOf('mysql', maria) } };
}

async function dropDatabases(variant) {
  const database = databaseName(variant);
  const errors = [];
  await withPg(undefined, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch((e) => errors.push(`PostgreSQL: ${e.message}`));
  await withMaria(undefined, (c) => c.query(`DROP DATABASE IF EXISTS \`${database}\``)).catch((e) => errors.push(`MariaDB: ${e.message}`));
  if (errors.length > 0) throw new Error(`dropping ${database}: ${errors.join('; ')}`);
}

/** Balances of both sides of a variant: the sums and one account each (for the first check). */
async function balances(variant) {
  const database = databaseName(variant);
  const pg = await withPg(database, async (c) => {
    const { rows } = await c.query('SELECT COALESCE(SUM(balance), 0)::text AS sum, COUNT(*)::int AS n FROM accounts');
    return { sum: BigInt(rows[0].sum), n: rows[0].n };
  });
  const maria = await withMaria(database, async (c) => {
    const [rows] = await c.query('SELECT CAST(COALESCE(SUM(balance), 0) AS CHAR) AS sum, COUNT(*) AS n FROM accounts');
    return { sum: BigInt(rows[0].sum), n: Number(rows[0].n) };
  });
  return { pg, maria };
}

/** Decision-log rows by state, where the variant keeps one (informational). */
async function decisionStates(variant, table) {
  const database = databaseName(variant);
  return withPg(database, async (c) => {
    const exists = (await c.query('SELECT to_regclass($1) AS t', [table])).rows[0].t;
    if (!exists) return {};
    const { rows } = await c.query(`SELECT state, COUNT(*)::int AS n FROM "${table}" GROUP BY state ORDER BY state`);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  });
}

/**
 * What is still prepared: every PostgreSQL transaction prepared in a bench database, and every
 * MariaDB XA branch whose gtrid carries this run's tag (XA RECOVER is server-wide and does not
 * say which database a branch belongs to; other people's branches are not ours to judge).
 */
async function leftPrepared(tag) {
  const pg = await withPg(undefined, async (c) => {
    const { rows } = await c.query("SELECT gid, database, prepared FROM pg_prepared_xacts WHERE database LIKE 'arbench\\_xfer\\_%' OR gid LIKE $1", [`%${tag}%`]);
    return rows.map((r) => ({ gid: r.gid, database: r.database }));
  });
  const maria = await withMaria(undefined, async (c) => {
    const [rows] = await c.query('XA RECOVER');
    return rows
      .map((r) => {
        const data = Buffer.isBuffer(r.data) ? r.data : Buffer.from(String(r.data), 'latin1');
        const gtrid = data.subarray(0, Number(r.gtrid_length)).toString('latin1');
        const bqual = data.subarray(Number(r.gtrid_length), Number(r.gtrid_length) + Number(r.bqual_length)).toString('latin1');
        return { gtrid, bqual };
      })
      .filter((b) => b.gtrid.includes(tag));
  });
  return { pg, maria };
}

/** Roll back what leftPrepared found, so the databases can be dropped (the run has failed anyway). */
async function rollBackLeftovers(left) {
  for (const { gid, database } of left.pg) {
    await withPg(database, (c) => c.query(`ROLLBACK PREPARED ${c.escapeLiteral(gid)}`)).catch(() => undefined);
  }
  for (const { gtrid, bqual } of left.maria) {
    await withMaria(undefined, (c) => c.query('XA ROLLBACK ?, ?', [gtrid, bqual])).catch(() => undefined);
  }
}

// ---- round trips -----------------------------------------------------------------------------

/**
 * Count every statement the drivers send, in this process: pg's Client#query (pool queries go
 * through it too) and each command mysql2 queues on a connection (Query, Execute, and Prepare
 * when it misses the per-connection statement cache and really goes to the server). Each one is
 * one round trip. Returns `stop()`, which restores the drivers and gives the counts by statement.
 */
function countRoundTrips() {
  const counts = new Map();
  const note = (server, sql) => {
    const key = `${server}\t${normalize(sql)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const pg = driver('pg');
  const mysql = driver('mysql2');
  const pgQuery = pg.Client.prototype.query;
  const addCommand = mysql.Connection.prototype.addCommand;
  pg.Client.prototype.query = function (config, ...rest) {
    note('PostgreSQL', typeof config === 'string' ? config : config?.text ?? '?');
    return pgQuery.call(this, config, ...rest);
  };
  mysql.Connection.prototype.addCommand = function (command) {
    const kind = command?.constructor?.name;
    if (kind === 'Query' || kind === 'Execute') {
      note('MariaDB', command.sql ?? '?');
    } else if (kind === 'Prepare') {
      const start = command.start;
      command.start = function (...args) {
        const next = start.apply(this, args);
        if (next !== null) note('MariaDB', `(statement cache miss) PREPARE ${command.query}`);
        return next;
      };
    } else if (kind && !['ClientHandshake', 'ServerHandshake', 'Quit', 'CloseStatement'].includes(kind)) {
      note('MariaDB', `(${kind} command)`);
    }
    return addCommand.call(this, command);
  };
  return {
    stop() {
      pg.Client.prototype.query = pgQuery;
      mysql.Connection.prototype.addCommand = addCommand;
      return [...counts].map(([key, count]) => {
        const [server, statement] = key.split('\t');
        return { server, statement, count };
      });
    },
  };
}

/** One line per kind of statement: literals and ids elided, long column lists shortened. */
function normalize(sql) {
  return String(sql)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/X'[0-9a-fA-F]*'/g, "X'…'")
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\(([^()]{40,})\)/g, (_, inner) => `(${inner.slice(0, 24)}…)`)
    .slice(0, 110);
}

/**
 * The raw variants' pools, one per server, each as large as the library's, and their label.
 * Only opening them is shared: each variant's transfer code stays as a user would write it.
 */
function openRawPools(ctx, settings) {
  const { host, port, user, password, database } = ctx.maria;
  return {
    pgPool: new (driver('pg').Pool)({ connectionString: ctx.pg.url, max: settings.poolMax }),
    mariaPool: driver('mysql2/promise').createPool({ host, port, user, password, database, connectionLimit: settings.poolMax }),
    label: `raw pg ${driver('pg/package.json').version} + mysql2 ${driver('mysql2/package.json').version}`,
  };
}

module.exports = {
  ROOT,
  driver,
  openRawPools,
  settings,
  INITIAL_BALANCE,
  ALL_VARIANTS,
  probeServers,
  prepareDatabases,
  dropDatabases,
  databaseName,
  balances,
  decisionStates,
  leftPrepared,
  rollBackLeftovers,
  countRoundTrips,
};
