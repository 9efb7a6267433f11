'use strict';
/**
 * The data every library reads and writes: the same rows, the same ids, in the same order.
 * Row i (1-based) of the seeded `items` table is `row(i)`, so a point select can be checked.
 */
/** 2024-01-01T00:00:00Z: row i was created i minutes later. */
const EPOCH = Date.UTC(2024, 0, 1);

function row(i) {
  return {
    name: `name ${i}`,
    email: `user${i}@example.com`,
    age: 18 + (i % 60),
    score: ((i * 7919) % 10000) / 100,
    active: i % 3 !== 0,
    // A date and an exact decimal: every library builds a Date and keeps the decimal as text.
    createdAt: new Date(EPOCH + i * 60_000),
    amount: (((i * 3779) % 1_000_000) / 100).toFixed(2),
  };
}

/** Column order used by raw SQL everywhere (the database's names). */
const COLUMNS = ['name', 'email', 'age', 'score', 'active', 'created_at', 'amount'];
/** The same columns as row() names them. */
const PROPERTIES = ['name', 'email', 'age', 'score', 'active', 'createdAt', 'amount'];

/**
 * A fixed pseudo-random sequence (xorshift32, fixed seed) of integers in [1, max]: the ids the
 * point selects ask for and the starts of the range selects. Every library gets the same one.
 */
function idSequence(length, max) {
  const out = new Int32Array(length);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 1 + ((x >>> 0) % max);
  }
  return out;
}

module.exports = { row, COLUMNS, PROPERTIES, EPOCH, idSequence };
