'use strict';
/**
 * TypeORM, as its users write it: entities (EntitySchema, since this is plain JavaScript) and
 * repositories. Single inserts use `repository.insert` (lighter than `save`, which adds a
 * transaction and a select); bulk inserts use the query builder with `updateEntity(false)`, the
 * documented fast path, in chunks inside one transaction. Shared by typeorm-<backend>.js.
 */
const { peer, peerVersion } = require('./peer');

function entities(typeorm, types) {
  const make = (name, tableName) =>
    new typeorm.EntitySchema({
      name,
      tableName,
      columns: {
        id: { type: types.id ?? 'integer', primary: true, generated: true },
        name: { type: types.string ?? 'varchar' },
        email: { type: types.string ?? 'varchar' },
        age: { type: 'integer' },
        score: { type: types.float },
        active: { type: types.boolean ?? 'boolean' },
        createdAt: { name: 'created_at', type: types.datetime, precision: types.datetimePrecision },
        amount: { type: 'decimal', precision: 12, scale: 2 },
      },
    });
  return { Item: make('Item', 'items'), Insert: make('Insert', 'inserts'), Bulk: make('Bulk', 'bulk') };
}

/** `options`: the DataSource options for the backend; `types`: column types it spells its way. */
async function openTypeorm(options, { types, bulkChunk }) {
  const typeorm = peer('typeorm');
  const { Item, Insert, Bulk } = entities(typeorm, types);
  const dataSource = new typeorm.DataSource({ ...options, entities: [Item, Insert, Bulk], synchronize: false, logging: false });
  await dataSource.initialize();
  const items = dataSource.getRepository(Item);
  const inserts = dataSource.getRepository(Insert);
  return {
    insertOne: (row) => inserts.insert(row),
    findById: (id) => items.findOneBy({ id }),
    range: (lo, hi) => items.findBy({ id: typeorm.Between(lo, hi) }),
    bulkInsert: (rows) =>
      dataSource.transaction(async (manager) => {
        for (let i = 0; i < rows.length; i += bulkChunk) {
          await manager.createQueryBuilder().insert().into(Bulk).values(rows.slice(i, i + bulkChunk)).updateEntity(false).execute();
        }
      }),
    close: () => dataSource.destroy(),
  };
}

const label = () => `TypeORM ${peerVersion('typeorm')}`;

module.exports = { openTypeorm, label };
