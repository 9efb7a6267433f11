'use strict';
/**
 * The hand-written baseline, as an expert writes batched loading with each driver: the window of
 * authors, then all their books in one query keyed by the authors' ids, grouped onto them.
 * Statements are prepared once and reused (better-sqlite3 statements kept per list length, pg
 * named statements with `= ANY($1)`, mysql2 `execute`, which caches prepared statements). The
 * result has the library's shape: author objects, each with its array of book objects.
 */
function group(authors, books) {
  const byId = new Map();
  for (const author of authors) {
    author.books = [];
    byId.set(author.id, author);
  }
  for (const book of books) byId.get(book.authorId).books.push(book);
  return authors;
}

const BOOK_COLUMNS = 'id, author_id AS "authorId", title, price, pages';

const backends = {
  sqlite(ctx) {
    const Database = require('better-sqlite3');
    const db = new Database(ctx.file);
    require('../../backends/sqlite').applyPragmas(db);
    // Rows as arrays, mapped to objects of one fixed shape: cheaper than the driver's objects.
    const authors = db.prepare('SELECT id, name FROM authors WHERE id BETWEEN ? AND ?').raw(true);
    const byLength = new Map();
    const booksOf = (count) => {
      let statement = byLength.get(count);
      if (statement === undefined) {
        statement = db.prepare(`SELECT id, author_id, title, price, pages FROM books WHERE author_id IN (${new Array(count).fill('?').join(', ')})`).raw(true);
        byLength.set(count, statement);
      }
      return statement;
    };
    return {
      label: `raw better-sqlite3 ${require('better-sqlite3/package.json').version}`,
      sync: true,
      load(lo, hi) {
        const rows = authors.all(lo, hi);
        const list = new Array(rows.length);
        const byId = new Map();
        const ids = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i];
          const author = { id: row[0], name: row[1], books: [] };
          list[i] = author;
          ids[i] = row[0];
          byId.set(row[0], author);
        }
        if (rows.length === 0) return list;
        for (const row of booksOf(ids.length).all(ids)) {
          byId.get(row[1]).books.push({ id: row[0], authorId: row[1], title: row[2], price: row[3], pages: row[4] });
        }
        return list;
      },
      close: async () => db.close(),
    };
  },

  postgres(ctx) {
    const pg = require('pg');
    const pool = new pg.Pool({ host: ctx.host, port: ctx.port, user: ctx.user, password: ctx.password, database: ctx.database, max: 10 });
    return {
      label: `raw pg ${require('pg/package.json').version}`,
      async load(lo, hi) {
        const authors = (await pool.query({ name: 'assoc_authors', text: 'SELECT id, name FROM authors WHERE id BETWEEN $1 AND $2', values: [lo, hi] })).rows;
        if (authors.length === 0) return authors;
        const ids = authors.map((a) => a.id);
        const books = (await pool.query({ name: 'assoc_books', text: `SELECT ${BOOK_COLUMNS} FROM books WHERE author_id = ANY($1::int[])`, values: [ids] })).rows;
        return group(authors, books);
      },
      close: () => pool.end(),
    };
  },

  mariadb(ctx) {
    const mysql = require('mysql2/promise');
    const pool = mysql.createPool({ host: ctx.host, port: ctx.port, user: ctx.user, password: ctx.password, database: ctx.database, connectionLimit: 10 });
    const columns = BOOK_COLUMNS.replace('"authorId"', '`authorId`');
    return {
      label: `raw mysql2 ${require('mysql2/package.json').version}`,
      async load(lo, hi) {
        const [authors] = await pool.execute('SELECT id, name FROM authors WHERE id BETWEEN ? AND ?', [lo, hi]);
        if (authors.length === 0) return authors;
        const ids = authors.map((a) => a.id);
        const [books] = await pool.execute(`SELECT ${columns} FROM books WHERE author_id IN (${new Array(ids.length).fill('?').join(', ')})`, ids);
        return group(authors, books);
      },
      close: () => pool.end(),
    };
  },
};

module.exports = {
  async open(ctx) {
    return backends[ctx.backend](ctx);
  },
};
