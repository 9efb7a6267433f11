// `node --require` preload: a process in which no @nestjs package can be resolved, as in a worker
// or a script whose project does not install Nest. Any attempt fails as Node's own does.
'use strict';
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('@nestjs/')) {
    const error = new Error(`Cannot find module '${request}' (this process has no Nest)`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
