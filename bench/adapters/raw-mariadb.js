'use strict';
/**
 * Raw mysql2, the way a careful user writes it: a pool, `execute` (server-side prepared
 * statements, cached per connection), one multi-row `INSERT ... VALUES ?` in a transaction for
 * bulk work (mysql2's own idiom), the callback API's row stream for streaming.
 */
const SELECT = 'SELECT id, name, email, age, score, active FROM items';

module.exports = {
  library: 'raw',
  backend: 'mariadb',
  label: () => `raw mysql2 ${require('mysql2/package.json').version}`,

  async open(ctx) {
    const mysql = require('mysql2/promise');
    const pool = mysql.createPool({
      host: ctx.host,
      port: ctx.port,
      user: ctx.user,
      password: ctx.password,
      database: ctx.database,
      connectionLimit: 10,
    });
    return {
      insertOne: async (r) =>
        (await pool.execute('INSERT INTO inserts (name, email, age, score, active) VALUES (?, ?, ?, ?, ?)', [r.name, r.email, r.age, r.score, r.active]))[0]
          .insertId,
      findById: async (id) => (await pool.execute(`${SELECT} WHERE id = ?`, [id]))[0][0],
      range: async (lo, hi) => (await pool.execute(`${SELECT} WHERE id BETWEEN ? AND ?`, [lo, hi]))[0],
      bulkInsert: async (rows) => {
        const connection = await pool.getConnection();
        try {
          await connection.beginTransaction();
          await connection.query('INSERT INTO bulk (name, email, age, score, active) VALUES ?', [
            rows.map((r) => [r.name, r.email, r.age, r.score, r.active]),
          ]);
          await connection.commit();
        } catch (error) {
          await connection.rollback().catch(() => undefined);
          throw error;
        } finally {
          connection.release();
        }
        return rows.length;
      },
      stream: () => {
        const iterate = async function* () {
          const connection = await pool.getConnection();
          try {
            yield* connection.connection.query(SELECT).stream({ highWaterMark: 1000 });
          } finally {
            connection.release();
          }
        };
        return iterate();
      },
      close: () => pool.end(),
    };
  },
};
