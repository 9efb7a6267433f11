'use strict';
/**
 * TypeORM, as its users write it: entities with a one-to-many / many-to-one pair (EntitySchema,
 * this being plain JavaScript) and `repository.find({ where, relations: { books: true } })`,
 * with TypeORM's default relation load strategy (one query with a LEFT JOIN).
 */
const { peer, peerVersion } = require('../../adapters/common/peer');

function entities(typeorm) {
  const Author = new typeorm.EntitySchema({
    name: 'Author',
    tableName: 'authors',
    columns: { id: { type: 'integer', primary: true }, name: { type: 'varchar' } },
    relations: { books: { type: 'one-to-many', target: 'Book', inverseSide: 'author' } },
  });
  const Book = new typeorm.EntitySchema({
    name: 'Book',
    tableName: 'books',
    columns: {
      id: { type: 'integer', primary: true },
      authorId: { type: 'integer', name: 'author_id' },
      title: { type: 'varchar' },
      price: { type: 'decimal', precision: 10, scale: 2 },
      pages: { type: 'integer' },
    },
    relations: { author: { type: 'many-to-one', target: 'Author', joinColumn: { name: 'author_id' }, inverseSide: 'books' } },
  });
  return { Author, Book };
}

function dataSourceOptions(ctx) {
  if (ctx.backend === 'sqlite') return { type: 'better-sqlite3', database: ctx.file };
  const common = { host: ctx.host, port: ctx.port, username: ctx.user, password: ctx.password, database: ctx.database };
  if (ctx.backend === 'postgres') return { type: 'postgres', ...common, poolSize: 10 };
  return { type: 'mariadb', ...common, poolSize: 10 };
}

module.exports = {
  async open(ctx) {
    const typeorm = peer('typeorm');
    const { Author, Book } = entities(typeorm);
    const dataSource = new typeorm.DataSource({ ...dataSourceOptions(ctx), entities: [Author, Book], synchronize: false, logging: false });
    await dataSource.initialize();
    const authors = dataSource.getRepository(Author);
    return {
      label: `TypeORM ${peerVersion('typeorm')}`,
      load: (lo, hi) => authors.find({ where: { id: typeorm.Between(lo, hi) }, relations: { books: true } }),
      close: () => dataSource.destroy(),
    };
  },
};
