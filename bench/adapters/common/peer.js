'use strict';
/**
 * Loading a peer library from bench/node_modules. A peer that is not installed (or whose native
 * part did not build) is skipped with the reason, never a crash: the bench still compares the
 * library with the raw drivers.
 */
class SkipError extends Error {
  constructor(reason) {
    super(reason);
    this.skip = true;
  }
}

function peer(name) {
  try {
    return require(name);
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(`'${name}'`)) {
      throw new SkipError(`${name} is not installed (run \`npm --prefix bench ci\`)`);
    }
    throw new SkipError(`${name} does not load: ${String(error.message).split('\n')[0]}`);
  }
}

function peerVersion(name) {
  const fs = require('node:fs');
  const path = require('node:path');
  // Read package.json from disk: some peers (TypeORM) do not export it.
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (json.name === name) return json.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '?';
    dir = parent;
  }
}

module.exports = { SkipError, peer, peerVersion };
