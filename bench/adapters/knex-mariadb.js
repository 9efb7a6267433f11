'use strict';
const { openKnex, label } = require('./common/knex');

module.exports = {
  library: 'knex',
  backend: 'mariadb',
  label,
  open: (ctx) =>
    openKnex(
      {
        client: 'mysql2',
        connection: { host: ctx.host, port: ctx.port, user: ctx.user, password: ctx.password, database: ctx.database, timezone: 'Z' },
        pool: { min: 0, max: 10 },
      },
      { bulkChunk: 1000 },
    ),
};
