import type { BackendLogger } from '../backend/storage-backend';

/** The logger of plain scripts; under Nest, ActiveRecordModule passes Nest's Logger instead. */
export const consoleLogger: BackendLogger = {
  log: (message) => console.log(`[nestjs-activerecord] ${message}`),
  warn: (message) => console.warn(`[nestjs-activerecord] ${message}`),
  error: (message) => console.error(`[nestjs-activerecord] ${message}`),
  debug: (message) => console.debug(`[nestjs-activerecord] ${message}`),
};
