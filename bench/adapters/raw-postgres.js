'use strict';
/**
 * Raw pg, as an expert writes it for the same result as the model API: a Pool, named
 * (server-side prepared) statements, columns aliased to the caller's property names (pg makes
 * the Date, the boolean and the decimal's string), RETURNING id for inserts, and bulk inserts in
 * multi-row INSERTs of the library's chunk size (500 rows for this table) in one transaction,
 * the full chunk as a named statement.
 */
const { peer } = require('./common/peer');

const SELECT = 'SELECT id, name, email, age, score, active, created_at AS "createdAt", amount FROM items';
const INSERT_COLUMNS = 'name, email, age, score, active, created_at, amount';
const WIDTH = 7;
const CHUNK = 500;

function multiInsert(rows) {
  const tuples = [];
  for (let r = 0; r < rows; r++) {
    const b = r * WIDTH;
    tuples.push(`(${Array.from({ length: WIDTH }, (_, c) => `$${b + c + 1}`).join(', ')})`);
  }
  return `INSERT INTO bulk (${INSERT_COLUMNS}) VALUES ${tuples.join(', ')}`;
}

module.exports = {
  library: 'raw',
  backend: 'postgres',
  label: () => `raw pg ${require('pg/package.json').version}`,

  async open(ctx) {
    const pg = require('pg');
    const pool = new pg.Pool({ connectionString: ctx.url, max: 10 });
    const fullChunk = multiInsert(CHUNK);
    return {
      insertOne: async (r) =>
        (
          await pool.query({
            name: 'insert',
            text: `INSERT INTO inserts (${INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            values: [r.name, r.email, r.age, r.score, r.active, r.createdAt, r.amount],
          })
        ).rows[0].id,
      findById: async (id) => (await pool.query({ name: 'find', text: `${SELECT} WHERE id = $1`, values: [id] })).rows[0],
      range: async (lo, hi) => (await pool.query({ name: 'range', text: `${SELECT} WHERE id BETWEEN $1 AND $2`, values: [lo, hi] })).rows,
      bulkInsert: async (rows) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (let start = 0; start < rows.length; start += CHUNK) {
            const end = Math.min(start + CHUNK, rows.length);
            const values = [];
            for (let i = start; i < end; i++) {
              const r = rows[i];
              values.push(r.name, r.email, r.age, r.score, r.active, r.createdAt, r.amount);
            }
            const full = end - start === CHUNK;
            await client.query(full ? { name: 'bulk', text: fullChunk, values } : { text: multiInsert(end - start), values });
          }
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
        return rows.length;
      },
      stream: () => {
        const QueryStream = peer('pg-query-stream');
        // One client for the stream's life; released when the stream ends or fails.
        const iterate = async function* () {
          const client = await pool.connect();
          try {
            yield* client.query(new QueryStream(SELECT, [], { batchSize: 1000 }));
          } finally {
            client.release();
          }
        };
        return iterate();
      },
      close: () => pool.end(),
    };
  },
};
