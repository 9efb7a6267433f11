'use strict';
/**
 * MikroORM 6 (6.x: 7 needs Node 22), as its users write it: entities (EntitySchema, since this
 * is plain JavaScript), an EntityManager forked per unit of work (what its request context does
 * per request: the identity map is never shared between operations, so reads are real reads),
 * `em.insert` for single inserts (its native insert, lighter than create + flush), `findOne`,
 * `find` with `$gte`/`$lte`, and `insertMany` in chunks inside `em.transactional` for bulk.
 * Shared by mikro-orm-<backend>.js.
 */
const { peer, peerVersion } = require('./peer');

/** `driverPackage`: @mikro-orm/<driver>; `options`: MikroORM.init options for the backend. */
async function openMikroOrm(driverPackage, options, { bulkChunk }) {
  const { MikroORM, EntitySchema } = peer(driverPackage);
  const make = (name, tableName) =>
    new EntitySchema({
      name,
      tableName,
      properties: {
        id: { type: 'integer', primary: true, autoincrement: true },
        name: { type: 'string' },
        email: { type: 'string' },
        age: { type: 'integer' },
        score: { type: 'double' },
        active: { type: 'boolean' },
        createdAt: { type: 'datetime', fieldName: 'created_at', length: 3 },
        amount: { type: 'decimal', precision: 12, scale: 2 },
      },
    });
  const Item = make('Item', 'items');
  const Insert = make('Insert', 'inserts');
  const Bulk = make('Bulk', 'bulk');
  const orm = await MikroORM.init({
    entities: [Item, Insert, Bulk],
    debug: false,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: false },
    ...options,
  });
  return {
    insertOne: (row) => orm.em.fork().insert(Insert, row),
    findById: (id) => orm.em.fork().findOne(Item, id),
    range: (lo, hi) => orm.em.fork().find(Item, { id: { $gte: lo, $lte: hi } }),
    bulkInsert: (rows) =>
      orm.em.fork().transactional(async (em) => {
        for (let i = 0; i < rows.length; i += bulkChunk) await em.insertMany(Bulk, rows.slice(i, i + bulkChunk));
      }),
    close: () => orm.close(true),
  };
}

const label = () => `MikroORM ${peerVersion('@mikro-orm/core')}`;

module.exports = { openMikroOrm, label };
