'use strict';
const { openTypeorm, label } = require('./common/typeorm');

module.exports = {
  library: 'typeorm',
  backend: 'mariadb',
  label,
  open: (ctx) =>
    openTypeorm(
      { type: 'mariadb', host: ctx.host, port: ctx.port, username: ctx.user, password: ctx.password, database: ctx.database, poolSize: 10, timezone: 'Z' },
      { types: { float: 'double', datetime: 'datetime', datetimePrecision: 3 }, bulkChunk: 1000 },
    ),
};
