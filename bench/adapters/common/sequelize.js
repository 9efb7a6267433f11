'use strict';
/**
 * Sequelize, as its users write it: models from `define`, `create`, `findByPk`, `findAll`,
 * `bulkCreate` in a managed transaction. Shared by sequelize-<backend>.js.
 */
const { peer, peerVersion } = require('./peer');

/**
 * `options`: the Sequelize constructor options; `afterOpen`: statements to run once connected;
 * `onTransaction`: statements a careful user runs at the start of each transaction (SQLite:
 * pragmas on the transaction's own connection).
 */
async function openSequelize(options, { afterOpen, onTransaction } = {}) {
  const { Sequelize, DataTypes, Op } = peer('sequelize');
  const sequelize = new Sequelize({ ...options, logging: false });
  const attributes = {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING, allowNull: false },
    email: { type: DataTypes.STRING, allowNull: false },
    age: { type: DataTypes.INTEGER, allowNull: false },
    score: { type: DataTypes.DOUBLE, allowNull: false },
    active: { type: DataTypes.BOOLEAN, allowNull: false },
    createdAt: { type: DataTypes.DATE(3), allowNull: false, field: 'created_at' },
    amount: { type: DataTypes.DECIMAL(12, 2), allowNull: false },
  };
  const define = (name, tableName) => sequelize.define(name, attributes, { tableName, timestamps: false });
  const Item = define('Item', 'items');
  const Insert = define('Insert', 'inserts');
  const Bulk = define('Bulk', 'bulk');
  await sequelize.authenticate();
  if (afterOpen) await afterOpen(sequelize);
  return {
    insertOne: (row) => Insert.create(row),
    findById: (id) => Item.findByPk(id),
    range: (lo, hi) => Item.findAll({ where: { id: { [Op.between]: [lo, hi] } } }),
    bulkInsert: (rows) =>
      sequelize.transaction(async (transaction) => {
        if (onTransaction) await onTransaction(sequelize, transaction);
        await Bulk.bulkCreate(rows, { transaction });
      }),
    close: () => sequelize.close(),
  };
}

const label = () => `Sequelize ${peerVersion('sequelize')}`;

module.exports = { openSequelize, label };
