'use strict';
/**
 * The seeded library, the same on every backend: author i is `author <i>`; author i's books are
 * ids (i - 1) * perAuthor + 1 .. i * perAuthor, each with a title, a DECIMAL(10,2) price and a
 * page count derived from its id. Contenders read it back and are checked against this.
 */
function authorName(id) {
  return `author ${id}`;
}

function book(id, perAuthor) {
  return {
    id,
    authorId: Math.floor((id - 1) / perAuthor) + 1,
    title: `book ${id}`,
    price: ((id * 37) % 10000 / 100).toFixed(2),
    pages: 100 + (id % 400),
  };
}

module.exports = { authorName, book };
