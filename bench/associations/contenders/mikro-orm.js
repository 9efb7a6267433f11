'use strict';
/**
 * MikroORM 6, as its users write it: entities with a 1:m / m:1 pair (EntitySchema), an
 * EntityManager forked per operation (its request context: no identity map shared between
 * operations), and `em.find(Author, { id: { $gte, $lte } }, { populate: ['books'] })` with
 * MikroORM's default load strategy.
 */
const { peer, peerVersion } = require('../../adapters/common/peer');

const DRIVERS = { sqlite: '@mikro-orm/better-sqlite', postgres: '@mikro-orm/postgresql', mariadb: '@mikro-orm/mysql' };

module.exports = {
  async open(ctx) {
    const { MikroORM, EntitySchema } = peer(DRIVERS[ctx.backend]);
    const Author = new EntitySchema({
      name: 'Author',
      tableName: 'authors',
      properties: {
        id: { type: 'integer', primary: true, autoincrement: false },
        name: { type: 'string' },
        books: { kind: '1:m', entity: 'Book', mappedBy: 'author' },
      },
    });
    const Book = new EntitySchema({
      name: 'Book',
      tableName: 'books',
      properties: {
        id: { type: 'integer', primary: true, autoincrement: false },
        author: { kind: 'm:1', entity: 'Author', fieldName: 'author_id' },
        title: { type: 'string' },
        price: { type: 'decimal', precision: 10, scale: 2 },
        pages: { type: 'integer' },
      },
    });
    const connection =
      ctx.backend === 'sqlite'
        ? { dbName: ctx.file }
        : { dbName: ctx.database, host: ctx.host, port: ctx.port, user: ctx.user, password: ctx.password, pool: { min: 0, max: 10 } };
    const orm = await MikroORM.init({ entities: [Author, Book], debug: false, discovery: { warnWhenNoEntities: false }, ...connection });
    return {
      label: `MikroORM ${peerVersion('@mikro-orm/core')} (${orm.config.get('loadStrategy')} loading)`,
      load: (lo, hi) => orm.em.fork().find(Author, { id: { $gte: lo, $lte: hi } }, { populate: ['books'] }),
      close: () => orm.close(true),
    };
  },
};
