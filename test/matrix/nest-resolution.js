// `node --require` preload: the project's TypeScript under plain Node (test/support/register-ts.js)
// with `@nestjs/*` taken from the Nest major named by AR_NEST_MAJOR (nest-major.js). CommonJS
// code that requires Nest 12 goes through Node's own require(esm), as a user's CommonJS
// application does. Used by the matrix (preload-cjs.js) and to run the sample on either major.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { nestFolder, isNestRequest, isInside } = require('./nest-major');

require('../support/register-ts.js');

const folder = nestFolder();
const nodeModules = path.join(folder, 'node_modules');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if (isNestRequest(request) && !(parent?.filename && isInside(nodeModules, parent.filename))) {
    const resolved = resolve.call(this, request, parent, isMain, { paths: [folder] });
    if (!isInside(nodeModules, resolved)) throw new Error(`${request} resolved to ${resolved}, outside ${nodeModules}`);
    return resolved;
  }
  return resolve.call(this, request, parent, isMain, options);
};
