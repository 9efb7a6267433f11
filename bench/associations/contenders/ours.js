'use strict';
/**
 * nestjs-activerecord from the built package (dist/), as a user writes it: Author @HasMany Book,
 * Book @BelongsTo Author (decorators applied by hand: this is plain JavaScript), and
 * `Author.where({ id: { between: [lo, hi] } }).includes('books').all()`.
 */
const { loadLibrary, version } = require('../../adapters/common/ours');

function defineModels(ar) {
  class Author extends ar.ActiveRecord {}
  class Book extends ar.ActiveRecord {}
  ar.PrimaryKey({ type: 'integer', generated: false })(Author.prototype, 'id');
  ar.Column({ type: 'string' })(Author.prototype, 'name');
  ar.HasMany(() => Book, { foreignKey: 'authorId' })(Author.prototype, 'books');
  ar.Model({ table: 'authors', connection: 'bench' })(Author);
  ar.PrimaryKey({ type: 'integer', generated: false })(Book.prototype, 'id');
  ar.Column({ type: 'integer', name: 'author_id' })(Book.prototype, 'authorId');
  ar.Column({ type: 'string' })(Book.prototype, 'title');
  ar.Column({ type: 'decimal', precision: 10, scale: 2 })(Book.prototype, 'price');
  ar.Column({ type: 'integer' })(Book.prototype, 'pages');
  ar.BelongsTo(() => Author, { foreignKey: 'authorId' })(Book.prototype, 'author');
  ar.Model({ table: 'books', connection: 'bench' })(Book);
  return { Author, Book };
}

function connectionOptions(ctx) {
  if (ctx.backend === 'sqlite') return { backend: 'sqlite', database: ctx.file };
  const scheme = ctx.backend === 'postgres' ? 'postgres' : 'mysql';
  const auth = ctx.password ? `${encodeURIComponent(ctx.user)}:${encodeURIComponent(ctx.password)}` : encodeURIComponent(ctx.user);
  return { backend: ctx.backend, url: `${scheme}://${auth}@${ctx.host}:${ctx.port}/${ctx.database}` };
}

module.exports = {
  async open(ctx) {
    const ar = loadLibrary();
    if (!ar.HasMany) throw Object.assign(new Error('this build of nestjs-activerecord has no associations'), { skip: true });
    const { Author, Book } = defineModels(ar);
    const quiet = { log() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), debug() {} };
    const registry = await ar.ConnectionRegistry.open({ connections: { bench: connectionOptions(ctx) }, models: [Author, Book], logger: quiet });
    return {
      label: `nestjs-activerecord ${version()}`,
      load: (lo, hi) => Author.where({ id: { between: [lo, hi] } }).includes('books').all(),
      close: () => registry.close(),
    };
  },
};
