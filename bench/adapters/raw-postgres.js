'use strict';
/**
 * Raw pg, the way a careful user writes it: a Pool, named (server-side prepared) statements,
 * RETURNING id for inserts, multi-row INSERTs of 1,000 rows in one transaction for bulk work.
 */
const { peer } = require('./common/peer');

const SELECT = 'SELECT id, name, email, age, score, active FROM items';
const CHUNK = 1000;

function multiInsert(rows) {
  const tuples = [];
  for (let r = 0; r < rows; r++) {
    const b = r * 5;
    tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`);
  }
  return `INSERT INTO bulk (name, email, age, score, active) VALUES ${tuples.join(', ')}`;
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
            text: 'INSERT INTO inserts (name, email, age, score, active) VALUES ($1, $2, $3, $4, $5) RETURNING id',
            values: [r.name, r.email, r.age, r.score, r.active],
          })
        ).rows[0].id,
      findById: async (id) => (await pool.query({ name: 'find', text: `${SELECT} WHERE id = $1`, values: [id] })).rows[0],
      range: async (lo, hi) => (await pool.query({ name: 'range', text: `${SELECT} WHERE id BETWEEN $1 AND $2`, values: [lo, hi] })).rows,
      bulkInsert: async (rows) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (let start = 0; start < rows.length; start += CHUNK) {
            const chunk = rows.slice(start, start + CHUNK);
            const values = [];
            for (const r of chunk) values.push(r.name, r.email, r.age, r.score, r.active);
            const full = chunk.length === CHUNK;
            await client.query(full ? { name: 'bulk', text: fullChunk, values } : { text: multiInsert(chunk.length), values });
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
