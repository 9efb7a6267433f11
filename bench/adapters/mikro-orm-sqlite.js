'use strict';
const sqlite = require('../backends/sqlite');
const { openMikroOrm, label } = require('./common/mikro-orm');

module.exports = {
  library: 'mikro-orm',
  backend: 'sqlite',
  label,
  open: (ctx) =>
    openMikroOrm(
      '@mikro-orm/better-sqlite',
      {
        dbName: ctx.file,
        pool: {
          afterCreate(connection, done) {
            sqlite.applyPragmas(connection);
            done(null, connection);
          },
        },
      },
      // Knex (under MikroORM 6) spells a multi-row SQLite insert as a compound SELECT: 500 terms at most.
      { bulkChunk: 500 },
    ),
};
