import type { DynamicModule } from '@nestjs/common';
import type { ConnectionOptions } from '../connection/connection-options';
import { ConfigurationError } from '../errors';
import { modelMetadata, type AnyModelClass } from '../model/metadata';
import { ConnectionRegistry } from '../registry/connection-registry';
import { ActiveRecordModule } from './active-record.module';
import type { ActiveRecordModuleOptions } from './module-options';

/** What the helpers take: a TestingModule or an INestApplication (anything that can `get` the registry). */
export interface TestingModuleRef {
  get<T>(token: abstract new (...args: never[]) => T, options?: { strict?: boolean }): T;
}

/** Options of ActiveRecordTestingModule.forRoot: the module's, with `connections` optional. */
export type ActiveRecordTestingOptions = Omit<ActiveRecordModuleOptions, 'connections'> & Partial<Pick<ActiveRecordModuleOptions, 'connections'>>;

/** Which connections a test transaction spans: all by default. */
export interface TestTransactionOptions {
  connections?: readonly string[];
}

type HookRegistrar = (hook: () => Promise<void>) => void;

/**
 * Testing helpers. Each test runs in a transaction rolled back at its end, on every connection:
 *
 * ```ts
 * ActiveRecordTestingModule.rollbackEachTest(() => moduleRef);
 * ```
 *
 * or, with the test framework's own hooks, `beginTransaction(moduleRef)` in `beforeEach` and
 * `rollbackTransaction(moduleRef)` in `afterEach`. Code under test runs as it would, but what
 * it commits becomes a savepoint of the test's transaction (docs/testing.md lists the
 * differences). `forRoot({ models })` is the one-line in-memory module.
 */
export class ActiveRecordTestingModule {
  /**
   * ActiveRecordModule.forRoot with an in-memory SQLite database, tables created, for every
   * connection the models name (and the default one) unless `connections` are given.
   */
  static forRoot(options: ActiveRecordTestingOptions = {}): DynamicModule {
    return ActiveRecordModule.forRoot({ ...options, connections: options.connections ?? inMemoryConnections(options) });
  }

  /** Begin the test's transaction in the application of `moduleRef` (from `beforeEach`). */
  static beginTransaction(moduleRef: TestingModuleRef, options: TestTransactionOptions = {}): Promise<void> {
    return registryOf(moduleRef).beginTestTransaction(options);
  }

  /** Roll the test's transaction back (from `afterEach`). */
  static rollbackTransaction(moduleRef: TestingModuleRef): Promise<void> {
    return registryOf(moduleRef).rollbackTestTransaction();
  }

  /**
   * Register `beforeEach`/`afterEach` hooks (the globals of Jest, Vitest with globals, Mocha)
   * that give every test of the enclosing block its own transaction, rolled back after it.
   * `moduleRef` is read when each test starts, so it may be created in `beforeAll`.
   */
  static rollbackEachTest(moduleRef: () => TestingModuleRef | undefined, options: TestTransactionOptions = {}): void {
    const globals = globalThis as { beforeEach?: HookRegistrar; afterEach?: HookRegistrar };
    if (typeof globals.beforeEach !== 'function' || typeof globals.afterEach !== 'function') {
      throw new ConfigurationError(
        'ActiveRecordTestingModule.rollbackEachTest needs the test framework\'s beforeEach/afterEach globals; ' +
          'elsewhere call beginTransaction(moduleRef) and rollbackTransaction(moduleRef) from your own hooks',
      );
    }
    const current = () => {
      const ref = moduleRef();
      if (ref === undefined) throw new ConfigurationError('ActiveRecordTestingModule.rollbackEachTest: the module is not created yet (create it in beforeAll)');
      return ref;
    };
    let began: TestingModuleRef | undefined;
    globals.beforeEach(async () => {
      began = current();
      await ActiveRecordTestingModule.beginTransaction(began, options);
    });
    globals.afterEach(async () => {
      const ref = began;
      began = undefined;
      if (ref) await ActiveRecordTestingModule.rollbackTransaction(ref);
    });
  }
}

function registryOf(moduleRef: TestingModuleRef): ConnectionRegistry {
  return moduleRef.get(ConnectionRegistry, { strict: false });
}

function inMemoryConnections(options: ActiveRecordTestingOptions): Record<string, ConnectionOptions> {
  const main = options.defaultConnection ?? 'main';
  const names = new Set([main, ...(options.models ?? []).map((model: AnyModelClass) => modelMetadata(model).connection ?? main)]);
  return Object.fromEntries([...names].map((name) => [name, { backend: 'sqlite', database: ':memory:', synchronize: true }]));
}
