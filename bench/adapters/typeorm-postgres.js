'use strict';
const { openTypeorm, label } = require('./common/typeorm');

module.exports = {
  library: 'typeorm',
  backend: 'postgres',
  label,
  open: (ctx) => openTypeorm({ type: 'postgres', url: ctx.url, poolSize: 10 }, { types: { float: 'double precision', datetime: 'timestamptz', datetimePrecision: 3 }, bulkChunk: 1000 }),
};
