'use strict';
const { openTypeorm, label } = require('./common/typeorm');

module.exports = {
  library: 'typeorm',
  backend: 'mariadb',
  label,
  open: (ctx) =>
    openTypeorm(
      { type: 'mariadb', host: ctx.host, port: ctx.port, username: ctx.user, password: ctx.password, database: ctx.database, poolSize: 10 },
      { types: { float: 'double' }, bulkChunk: 1000 },
    ),
};
