'use strict';
const { openSequelize, label } = require('./common/sequelize');

module.exports = {
  library: 'sequelize',
  backend: 'mariadb',
  label,
  // Sequelize's 'mariadb' dialect needs the `mariadb` driver; its 'mysql' dialect runs on mysql2,
  // the driver every other library here uses.
  note: "dialect 'mysql' (mysql2)",
  open: (ctx) =>
    openSequelize({
      dialect: 'mysql',
      host: ctx.host,
      port: ctx.port,
      username: ctx.user,
      password: ctx.password,
      database: ctx.database,
      pool: { max: 10 },
      timezone: '+00:00',
    }),
};
