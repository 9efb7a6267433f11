'use strict';
const { openMikroOrm, label } = require('./common/mikro-orm');

module.exports = {
  library: 'mikro-orm',
  backend: 'mariadb',
  label,
  // @mikro-orm/mariadb needs the `mariadb` driver; @mikro-orm/mysql runs on mysql2, the driver
  // every other library here uses.
  note: '@mikro-orm/mysql (mysql2)',
  open: (ctx) =>
    openMikroOrm(
      '@mikro-orm/mysql',
      { dbName: ctx.database, host: ctx.host, port: ctx.port, user: ctx.user, password: ctx.password, pool: { min: 0, max: 10 }, timezone: '+00:00' },
      { bulkChunk: 1000 },
    ),
};
