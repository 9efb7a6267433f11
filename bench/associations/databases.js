'use strict';
/**
 * One read-only database per backend, shared by every contender (the workload never writes):
 * `authors` and `books` (foreign key author_id, indexed), seeded from data.js.
 */
const fs = require('node:fs');
const path = require('node:path');
const { authorName, book } = require('./data');

const DATA_DIR = path.join(__dirname, '..', '.data');
const DATABASE = 'arbench_associations';

function* books({ authors, booksPerAuthor }) {
  for (let id = 1; id <= authors * booksPerAuthor; id++) yield book(id, booksPerAuthor);
}

const sqlite = {
  async prepare(settings) {
    const Database = require('better-sqlite3');
    const { applyPragmas } = require('../backends/sqlite');
    fs.mkdirSync(DATA_DIR, { recursive: true });
    const file = path.join(DATA_DIR, 'sqlite-associations.db');
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    const db = new Database(file);
    try {
      applyPragmas(db);
      db.exec(
        'CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);' +
          'CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id), ' +
          'title TEXT NOT NULL, price TEXT NOT NULL, pages INTEGER NOT NULL);' +
          'CREATE INDEX books_author_id ON books (author_id);',
      );
      const author = db.prepare('INSERT INTO authors (id, name) VALUES (?, ?)');
      const insertBook = db.prepare('INSERT INTO books (id, author_id, title, price, pages) VALUES (?, ?, ?, ?, ?)');
      db.transaction(() => {
        for (let id = 1; id <= settings.authors; id++) author.run(id, authorName(id));
        for (const b of books(settings)) insertBook.run(b.id, b.authorId, b.title, b.price, b.pages);
      })();
      db.exec('ANALYZE');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return { backend: 'sqlite', file };
  },
  async cleanup(ctx) {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(ctx.file + suffix, { force: true });
  },
};

const postgres = {
  async prepare(settings) {
    const { Client } = require('pg');
    const backend = require('../backends/postgres');
    await backend.createDatabase(DATABASE);
    const connection = backend.settingsFor(DATABASE);
    const client = new Client(connection);
    await client.connect();
    try {
      await client.query('CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL)');
      await client.query(
        'CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id), ' +
          'title VARCHAR(255) NOT NULL, price NUMERIC(10, 2) NOT NULL, pages INTEGER NOT NULL)',
      );
      await client.query('CREATE INDEX books_author_id ON books (author_id)');
      await client.query(`INSERT INTO authors SELECT i, 'author ' || i FROM generate_series(1, $1::int) AS i`, [settings.authors]);
      await insertBooks(settings, (rows) => {
        const values = [];
        const tuples = rows.map((b, r) => {
          values.push(b.id, b.authorId, b.title, b.price, b.pages);
          return `($${r * 5 + 1}, $${r * 5 + 2}, $${r * 5 + 3}, $${r * 5 + 4}, $${r * 5 + 5})`;
        });
        return client.query(`INSERT INTO books VALUES ${tuples.join(', ')}`, values);
      });
      await client.query('VACUUM ANALYZE authors');
      await client.query('VACUUM ANALYZE books');
    } finally {
      await client.end();
    }
    return { backend: 'postgres', ...connection };
  },
  cleanup: () => require('../backends/postgres').dropDatabase(DATABASE),
};

const mariadb = {
  async prepare(settings) {
    const mysql = require('mysql2/promise');
    const backend = require('../backends/mariadb');
    await backend.createDatabase(DATABASE);
    const connection = backend.settingsFor(DATABASE);
    const client = await mysql.createConnection(connection);
    try {
      await client.query('CREATE TABLE authors (id INT PRIMARY KEY, name VARCHAR(255) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
      await client.query(
        'CREATE TABLE books (id INT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(255) NOT NULL, ' +
          'price DECIMAL(10, 2) NOT NULL, pages INT NOT NULL, INDEX books_author_id (author_id), ' +
          'FOREIGN KEY (author_id) REFERENCES authors (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
      );
      const authors = Array.from({ length: settings.authors }, (_, i) => [i + 1, authorName(i + 1)]);
      await client.query('INSERT INTO authors (id, name) VALUES ?', [authors]);
      await insertBooks(settings, (rows) => client.query('INSERT INTO books (id, author_id, title, price, pages) VALUES ?', [rows.map((b) => [b.id, b.authorId, b.title, b.price, b.pages])]));
      await client.query('ANALYZE TABLE authors, books');
    } finally {
      await client.end();
    }
    return { backend: 'mariadb', ...connection };
  },
  cleanup: () => require('../backends/mariadb').dropDatabase(DATABASE),
};

async function insertBooks(settings, insert) {
  let chunk = [];
  for (const b of books(settings)) {
    chunk.push(b);
    if (chunk.length === 1000) {
      await insert(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await insert(chunk);
}

module.exports = { sqlite, postgres, mariadb };
