// TypeScript -> JavaScript for test processes that run under plain `node` (register-ts.js, the
// Nest matrix's ES-module hooks), cached on disk by content: a child process then starts in a
// fraction of a second instead of compiling the whole library again. The key covers the
// source, the file name, the compiler options and the TypeScript version, so a stale entry
// cannot be served; the cache lives in .tmp/ (ignored by git) and may be deleted at any time.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const CACHE_DIR = path.resolve(__dirname, '..', '..', '.tmp', 'ts-cache');

/** The project's tsconfig.json compiler options, with overrides. */
function projectCompilerOptions(overrides) {
  const root = path.resolve(__dirname, '..', '..');
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  return { ...config.options, ...overrides };
}

function transpile(source, fileName, compilerOptions) {
  const key = crypto.createHash('sha256').update(ts.version).update('\0').update(JSON.stringify(compilerOptions)).update('\0').update(fileName).update('\0').update(source).digest('hex');
  const cached = path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName });
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    // Write then rename: concurrent processes never read a half-written entry.
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, outputText);
    fs.renameSync(temporary, cached);
  } catch {
    // a read-only checkout still works, uncached
  }
  return outputText;
}

module.exports = { transpile, projectCompilerOptions };
