// Jest compiles TypeScript with ts-jest in transpile-only mode (isolatedModules): fast, and with
// tsc's own decorator metadata, which Nest's DI and column type inference read. Types are
// checked separately by `npm run typecheck`, which `npm test` runs first.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // Server restarts run separately, alone: see jest.disruptive.config.js.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/disruptive/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: { '^nestjs-activerecord$': '<rootDir>/lib/index.ts', '^nestjs-activerecord/core$': '<rootDir>/lib/core.ts' },
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 30000,
};
