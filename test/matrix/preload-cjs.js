// `node --require` preload of every Nest matrix process: the project's TypeScript with `@nestjs/*`
// from the chosen major (nest-resolution.js), and Jest's test API on node:test (jest-globals.js).
'use strict';
require('./nest-resolution.js');
require('./jest-globals.js');
