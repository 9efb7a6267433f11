'use strict';
/**
 * nestjs-activerecord, from the built package (dist/), as a user writes it: models with
 * decorators (applied by hand here, since this is plain JavaScript), `Model.create`,
 * `Model.find`, `Model.where(...).all()`, `Model.insertAll`, `Model.stream()`.
 * Shared by ours-<backend>.js, which only says how to connect.
 */
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..', '..');

/** BENCH_DIST points at another build of the library (an A/B comparison of two builds). */
const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, 'dist');

function loadLibrary() {
  try {
    return require(DIST);
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND' && String(error.message).startsWith(`Cannot find module '${DIST}'`)) {
      throw new Error(`${DIST} is missing: run \`npm run build\` (npm run bench and npm run bench:transfers do it first)`);
    }
    throw error;
  }
}

function version() {
  const base = require(path.join(ROOT, 'package.json')).version;
  return process.env.BENCH_DIST ? `${base} (${process.env.BENCH_DIST})` : base;
}

/** Three models with the same columns, on the tables every library uses. */
function defineModels(ar) {
  const make = (className, table) => {
    const Model = { [className]: class extends ar.ActiveRecord {} }[className];
    ar.PrimaryKey({ type: 'integer' })(Model.prototype, 'id');
    ar.Column({ type: 'string' })(Model.prototype, 'name');
    ar.Column({ type: 'string' })(Model.prototype, 'email');
    ar.Column({ type: 'integer' })(Model.prototype, 'age');
    ar.Column({ type: 'float' })(Model.prototype, 'score');
    ar.Column({ type: 'boolean' })(Model.prototype, 'active');
    ar.Column({ type: 'datetime', name: 'created_at' })(Model.prototype, 'createdAt');
    ar.Column({ type: 'decimal', precision: 12, scale: 2 })(Model.prototype, 'amount');
    ar.Model({ table, connection: 'bench' })(Model);
    return Model;
  };
  return { Item: make('Item', 'items'), Insert: make('Insert', 'inserts'), Bulk: make('Bulk', 'bulk') };
}

/** Skip (not fail) while this build of the library has no such backend yet. */
function backendAvailable(exportName, backendName) {
  const { SkipError } = require('./peer');
  if (!loadLibrary()[exportName]) {
    throw new SkipError(`this build of nestjs-activerecord has no ${exportName} (backend '${backendName}') yet`);
  }
}

const quietLogger = { log() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), debug() {} };

/**
 * Open the library on one connection (`connectionOptions`: what a user passes to forRoot for
 * that backend) and return the workload instance.
 */
async function openOurs(connectionOptions) {
  const ar = loadLibrary();
  const { Item, Insert, Bulk } = defineModels(ar);
  const registry = await ar.ConnectionRegistry.open({
    connections: { bench: connectionOptions },
    models: [Item, Insert, Bulk],
    logger: quietLogger,
  });
  return {
    insertOne: (row) => Insert.create(row),
    findById: (id) => Item.find(id),
    range: (lo, hi) => Item.where({ id: { between: [lo, hi] } }).all(),
    bulkInsert: (rows) => Bulk.insertAll(rows),
    stream: () => Item.stream(),
    close: () => registry.close(),
  };
}

module.exports = { loadLibrary, openOurs, version, backendAvailable };
