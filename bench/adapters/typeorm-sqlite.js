'use strict';
const sqlite = require('../backends/sqlite');
const { openTypeorm, label } = require('./common/typeorm');

module.exports = {
  library: 'typeorm',
  backend: 'sqlite',
  label,
  open: (ctx) =>
    openTypeorm(
      {
        type: 'better-sqlite3',
        database: ctx.file,
        prepareDatabase: (db) => sqlite.applyPragmas(db),
      },
      { types: { float: 'real', datetime: 'datetime' }, bulkChunk: 1000 },
    ),
};
