'use strict';
const { openMikroOrm, label } = require('./common/mikro-orm');

module.exports = {
  library: 'mikro-orm',
  backend: 'postgres',
  label,
  open: (ctx) =>
    openMikroOrm(
      '@mikro-orm/postgresql',
      { dbName: ctx.database, host: ctx.host, port: ctx.port, user: ctx.user, password: ctx.password, pool: { min: 0, max: 10 } },
      { bulkChunk: 1000 },
    ),
};
