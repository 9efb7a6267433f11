// Module hooks for the ES-module flavour of the Nest matrix: the spec files and their helpers run
// as ES modules (TypeScript compiled to ESM, extensionless relative imports allowed as under
// Jest), `@nestjs/*` comes from the chosen Nest major, and `nestjs-activerecord` is what an ES
// module application gets from this CommonJS package: the CommonJS module (loaded once, by
// Node's CommonJS loader, shared with every `require`) with its named exports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const { nestFolder, isNestRequest, isInside, root } = require('./nest-major.js');
const { transpile, projectCompilerOptions } = require('../support/transpile-cache.js');

const LIB = join(root, 'lib');
/** The package's entry points, each seen by ES modules through a facade (see packageFacade). */
const ENTRY_POINTS = {
  'nestjs-activerecord': join(LIB, 'index.ts'),
  'nestjs-activerecord/core': join(LIB, 'core.ts'),
};
const FACADE = 'nestjs-activerecord-esm-facade:';
const nest = nestFolder();
const nestModules = join(nest, 'node_modules');
const nestAnchor = pathToFileURL(join(nest, 'package.json')).href;

const esmOptions = projectCompilerOptions({ module: ts.ModuleKind.ES2022, sourceMap: false, inlineSourceMap: true, declaration: false });
const cjsOptions = projectCompilerOptions({ module: ts.ModuleKind.CommonJS, sourceMap: false, declaration: false });

const fromFileUrl = (url) => (url?.startsWith('file:') ? fileURLToPath(url) : undefined);

export async function resolve(specifier, context, next) {
  if (specifier in ENTRY_POINTS) return { url: FACADE + specifier, shortCircuit: true };
  const parent = fromFileUrl(context.parentURL);
  if (isNestRequest(specifier) && !(parent && isInside(nestModules, parent))) {
    const resolved = await next(specifier, { ...context, parentURL: nestAnchor });
    const file = fromFileUrl(resolved.url);
    if (!file || !isInside(nestModules, file)) throw new Error(`${specifier} resolved to ${resolved.url}, outside ${nestModules}`);
    return resolved;
  }
  try {
    return await next(specifier, context);
  } catch (error) {
    // Jest resolves `./fixtures` to fixtures.ts; so does this flavour, for the project's own files.
    const local = parent && (specifier.startsWith('.') || specifier.startsWith('/')) && !isInside(join(root, 'node_modules'), parent);
    if (!local) throw error;
    for (const candidate of [`${specifier}.ts`, `${specifier}/index.ts`]) {
      try {
        return await next(candidate, context);
      } catch {
        // try the next candidate
      }
    }
    throw error;
  }
}

export async function load(url, context, next) {
  if (url.startsWith(FACADE)) return { format: 'module', source: packageFacade(ENTRY_POINTS[url.slice(FACADE.length)]), shortCircuit: true };
  const file = fromFileUrl(url);
  if (file?.endsWith('.ts')) {
    // The library is CommonJS, as published: Node's CommonJS loader runs it (register-ts.js).
    if (isInside(LIB, file)) return { format: 'commonjs', shortCircuit: true };
    const outputText = transpile(readFileSync(file, 'utf8'), file, esmOptions);
    return { format: 'module', source: commonJsNames(outputText, file) + outputText, shortCircuit: true };
  }
  return next(url, context);
}

/**
 * The package as an ES module sees it: Node lexes a CommonJS module's `exports.x =` assignments
 * and `__exportStar(require('./y'), exports)` re-exports for named exports; the same names are
 * read here from the compiled entry point.
 */
function packageFacade(entry) {
  const names = new Set();
  collectExportNames(entry, names);
  names.delete('__esModule');
  names.delete('default');
  return [
    `import { createRequire } from 'node:module';`,
    `const library = createRequire(${JSON.stringify(pathToFileURL(entry).href)})(${JSON.stringify(entry)});`,
    `export default library;`,
    `export const { ${[...names].join(', ')} } = library;`,
  ].join('\n');
}

function collectExportNames(file, names) {
  const outputText = transpile(readFileSync(file, 'utf8'), file, cjsOptions);
  for (const match of outputText.matchAll(/exports, "([^"]+)"|exports\.([A-Za-z_$][\w$]*) =/g)) names.add(match[1] ?? match[2]);
  for (const match of outputText.matchAll(/__exportStar\(require\("(\.[^"]+)"\), exports\)/g)) {
    collectExportNames(join(dirname(file), `${match[1]}.ts`), names);
  }
}

/**
 * Test helpers written for CommonJS read `__dirname` and call `require`; in this flavour they
 * are ES modules, so give them the ESM equivalents (a user's ESM code would write these lines).
 */
function commonJsNames(code, file) {
  const lines = [];
  if (/\b__dirname\b|\b__filename\b/.test(code)) {
    lines.push(`const __filename = ${JSON.stringify(file)};`, `const __dirname = ${JSON.stringify(dirname(file))};`);
  }
  if (/\brequire\s*[.(]/.test(code)) lines.push(`import { createRequire as __createRequire } from 'node:module';`, `const require = __createRequire(import.meta.url);`);
  // On the first line, so that the inline source map's line numbers stay right.
  return lines.length ? `${lines.join(' ')} ` : '';
}
