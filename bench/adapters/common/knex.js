'use strict';
/**
 * Knex, as its users write it: the query builder on a pooled connection, `batchInsert` (which
 * wraps its chunks in one transaction) for bulk work. Shared by knex-<backend>.js.
 */
const { peer, peerVersion } = require('./peer');

/** A row as Knex takes it: keyed by column name (Knex maps nothing). */
const toColumns = (row) => ({
  name: row.name,
  email: row.email,
  age: row.age,
  score: row.score,
  active: row.active,
  created_at: row.createdAt,
  amount: row.amount,
});

/** `config`: the knex() configuration; `bulkChunk`: rows per INSERT in batchInsert. */
async function openKnex(config, { bulkChunk }) {
  const knex = peer('knex')({ ...config });
  await knex.raw('SELECT 1');
  return {
    insertOne: (row) => knex('inserts').insert(toColumns(row)),
    findById: (id) => knex('items').where('id', id).first(),
    range: (lo, hi) => knex('items').whereBetween('id', [lo, hi]),
    bulkInsert: (rows) => knex.batchInsert('bulk', rows.map(toColumns), bulkChunk),
    stream: () => knex('items').stream(),
    close: () => knex.destroy(),
  };
}

const label = () => `Knex ${peerVersion('knex')}`;

module.exports = { openKnex, label };
