'use strict';
const { openSequelize, label } = require('./common/sequelize');
const { peer } = require('./common/peer');

const PRAGMAS = ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL', 'PRAGMA foreign_keys = ON'];

module.exports = {
  library: 'sequelize',
  // Sequelize opens a new sqlite3 connection for every transaction, with sqlite3's default
  // synchronous=FULL (SQLite refuses to change it inside the transaction): its bulk inserts
  // pay one more fsync per commit than the others. That is how Sequelize runs; it is noted.
  note: 'transactions run on a fresh connection with synchronous=FULL',
  backend: 'sqlite',
  label,
  // Sequelize's SQLite dialect needs the sqlite3 package (a native addon, built at install).
  open: async (ctx) => {
    peer('sqlite3');
    return openSequelize(
      {
        dialect: 'sqlite',
        storage: ctx.file,
      },
      {
        afterOpen: async (sequelize) => {
          for (const pragma of PRAGMAS) await sequelize.query(pragma);
        },
      },
    );
  },
};
