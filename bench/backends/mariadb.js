'use strict';
/**
 * MariaDB (or MySQL): one database per library (arbench_<library>), created here and dropped at
 * the end. Server from MYSQL_URL, else mysql://root@127.0.0.1:3306/test (empty password).
 */
const { row, COLUMNS } = require('../harness/data');

const DEFAULT_URL = 'mysql://root@127.0.0.1:3306/test';
const TABLES = ['items', 'inserts', 'bulk'];

const tableDdl = (table) =>
  `CREATE TABLE \`${table}\` (` +
  `\`id\` INT AUTO_INCREMENT PRIMARY KEY, \`name\` VARCHAR(255) NOT NULL, \`email\` VARCHAR(255) NOT NULL, ` +
  `\`age\` INT NOT NULL, \`score\` DOUBLE NOT NULL, \`active\` BOOLEAN NOT NULL, ` +
  `\`created_at\` DATETIME(3) NOT NULL, \`amount\` DECIMAL(12, 2) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

function settingsFor(database) {
  const url = new URL(process.env.MYSQL_URL || DEFAULT_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: url.password ? decodeURIComponent(url.password) : '',
    database: database ?? (url.pathname.replace(/^\//, '') || undefined),
  };
}

function urlFor(settings) {
  const auth = settings.password
    ? `${encodeURIComponent(settings.user)}:${encodeURIComponent(settings.password)}`
    : encodeURIComponent(settings.user);
  return `mysql://${auth}@${settings.host}:${settings.port}/${settings.database}`;
}

async function withConnection(database, work) {
  const mysql = require('mysql2/promise');
  // Dates in UTC, as the library stores them (its default time zone).
  const connection = await mysql.createConnection({ ...settingsFor(database), connectTimeout: 3000, timezone: 'Z' });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

const databaseName = (key) => `arbench_${key}`;

module.exports = {
  name: 'mariadb',
  title: 'MariaDB',
  /** Connection settings for a database on the configured server (also used by bench/transfers). */
  settingsFor,

  driverLabel() {
    return `mysql2 ${require('mysql2/package.json').version}`;
  },

  async probe() {
    try {
      require('mysql2/promise');
    } catch (error) {
      return `the mysql2 driver does not load: ${error.message.split('\n')[0]}`;
    }
    try {
      const [rows] = await withConnection(undefined, (c) => c.query('SELECT VERSION() AS v'));
      this.serverVersion = rows[0].v;
      return null;
    } catch (error) {
      const { host, port } = settingsFor();
      return `no MariaDB/MySQL at ${host}:${port} (${error.message}); set MYSQL_URL to point elsewhere`;
    }
  },

  /** An empty database of the benches' own on the configured server (a leftover is dropped first); its URL. */
  async createDatabase(database) {
    await withConnection(undefined, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.query(`CREATE DATABASE \`${database}\``);
    });
    return urlFor(settingsFor(database));
  },

  async dropDatabase(database) {
    await withConnection(undefined, (c) => c.query(`DROP DATABASE IF EXISTS \`${database}\``));
  },

  async prepare(key, { seedRows }) {
    const database = databaseName(key);
    await this.createDatabase(database);
    await withConnection(database, async (c) => {
      for (const table of TABLES) await c.query(tableDdl(table));
      const chunk = 1000;
      for (let start = 1; start <= seedRows; start += chunk) {
        const tuples = [];
        for (let i = start; i < Math.min(start + chunk, seedRows + 1); i++) {
          const r = row(i);
          tuples.push([r.name, r.email, r.age, r.score, r.active, r.createdAt, r.amount]);
        }
        await c.query(`INSERT INTO items (${COLUMNS.join(', ')}) VALUES ?`, [tuples]);
      }
      await c.query('ANALYZE TABLE items');
    });
    const settings = settingsFor(database);
    return { backend: 'mariadb', ...settings, url: urlFor(settings) };
  },

  async cleanup(ctx) {
    await this.dropDatabase(ctx.database);
  },

  async openAdmin(ctx) {
    const mysql = require('mysql2/promise');
    const connection = await mysql.createConnection(settingsFor(ctx.database));
    return {
      async reset(table) {
        await connection.query(`TRUNCATE TABLE \`${table}\``);
      },
      async count(table) {
        const [rows] = await connection.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
        return Number(rows[0].n);
      },
      /** Untimed setup SQL of the cliff checks. */
      async exec(sql) {
        await connection.query(sql);
      },
      async close() {
        await connection.end();
      },
    };
  },
};
