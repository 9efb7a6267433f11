/**
 * nestjs-activerecord: the public entry point for Nest applications, the core (core.ts, also
 * published alone as `nestjs-activerecord/core`) plus the Nest integration. Anything not
 * exported here is internal and may change.
 */
export * from './core';

// Nest integration
export { ActiveRecordModule } from './module/active-record.module';
export { InjectConnection, InjectModel } from './module/inject.decorators';
export { getConnectionToken, getModelToken } from './module/tokens';
export { ActiveRecordExceptionFilter } from './module/exception-filter';
export { ActiveRecordHealthIndicator } from './module/health-indicator';
export type { ActiveRecordHealthResult, CoordinatorCheckOptions, PingCheckOptions } from './module/health-indicator';
export type {
  ActiveRecordModuleAsyncOptions,
  ActiveRecordModuleOptions,
  ActiveRecordOptionsFactory,
} from './module/module-options';
