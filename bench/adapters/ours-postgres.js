'use strict';
const { openOurs, version, backendAvailable } = require('./common/ours');

module.exports = {
  library: 'ours',
  backend: 'postgres',
  label: () => `nestjs-activerecord ${version()}`,
  open: async (ctx) => {
    backendAvailable('PostgresBackend', 'postgres');
    return openOurs({ backend: 'postgres', url: ctx.url });
  },
};
