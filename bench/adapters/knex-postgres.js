'use strict';
const { openKnex, label } = require('./common/knex');

module.exports = {
  library: 'knex',
  backend: 'postgres',
  label,
  open: (ctx) => openKnex({ client: 'pg', connection: ctx.url, pool: { min: 0, max: 10 } }, { bulkChunk: 1000 }),
};
