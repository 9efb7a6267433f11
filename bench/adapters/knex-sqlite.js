'use strict';
const sqlite = require('../backends/sqlite');
const { openKnex, label } = require('./common/knex');

module.exports = {
  library: 'knex',
  backend: 'sqlite',
  label,
  open: (ctx) =>
    openKnex(
      {
        client: 'better-sqlite3',
        connection: { filename: ctx.file },
        useNullAsDefault: true,
        pool: {
          afterCreate(connection, done) {
            sqlite.applyPragmas(connection);
            done(null, connection);
          },
        },
      },
      // Knex spells a multi-row SQLite insert as a compound SELECT, which SQLite caps at 500 terms.
      { bulkChunk: 500 },
    ),
};
