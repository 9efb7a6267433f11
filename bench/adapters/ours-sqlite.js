'use strict';
const { openOurs, version } = require('./common/ours');

module.exports = {
  library: 'ours',
  backend: 'sqlite',
  label: () => `nestjs-activerecord ${version()}`,
  // The library's defaults for a file: journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON.
  open: (ctx) => openOurs({ backend: 'sqlite', database: ctx.file }),
};
