'use strict';
const { openSequelize, label } = require('./common/sequelize');
const { peer } = require('./common/peer');

module.exports = {
  library: 'sequelize',
  backend: 'postgres',
  label,
  open: (ctx) => {
    peer('pg-hstore'); // Sequelize's PostgreSQL dialect loads it
    return openSequelize({
      dialect: 'postgres',
      host: ctx.host,
      port: ctx.port,
      username: ctx.user,
      password: ctx.password,
      database: ctx.database,
      pool: { max: 10 },
    });
  },
};
