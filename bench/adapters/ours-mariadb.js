'use strict';
const { openOurs, version, backendAvailable } = require('./common/ours');

module.exports = {
  library: 'ours',
  backend: 'mariadb',
  label: () => `nestjs-activerecord ${version()}`,
  open: async (ctx) => {
    backendAvailable('MysqlBackend', 'mariadb');
    return openOurs({ backend: 'mariadb', url: ctx.url });
  },
};
