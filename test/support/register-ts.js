// Lets a plain `node` child process (fault injection, memory limits) run the project's
// TypeScript: `node -r ./test/support/register-ts.js script.ts`. Compiles each file with the
// project's tsconfig (decorator metadata included) and maps 'nestjs-activerecord' (and its
// '/core' subpath) to lib/.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');
const { transpile, projectCompilerOptions } = require('./transpile-cache.js');

const root = path.resolve(__dirname, '..', '..');
const compilerOptions = projectCompilerOptions({ module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, declaration: false });

const ENTRY_POINTS = {
  'nestjs-activerecord': path.join(root, 'lib', 'index.ts'),
  'nestjs-activerecord/core': path.join(root, 'lib', 'core.ts'),
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, ENTRY_POINTS[request] ?? request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename, compilerOptions), filename);
};
require('reflect-metadata');
