// `node --import` preload of the ES-module flavour: the CommonJS preload (TypeScript for the
// library, `@nestjs/*` from the chosen major for CommonJS requests, Jest's test API) plus module
// hooks that do the same for ES modules (esm-hooks.mjs).
import { createRequire, register } from 'node:module';

createRequire(import.meta.url)('./preload-cjs.js');
register('./esm-hooks.mjs', import.meta.url);
