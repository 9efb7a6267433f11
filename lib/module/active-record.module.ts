import { Module, type DynamicModule } from '@nestjs/common';
import { declareConnectionName } from '../connection/declared-names';
import type { AnyModelClass } from '../model/metadata';
import { registryProvider } from './connection-providers';
import { ActiveRecordCoreModule } from './core.module';
import type { ActiveRecordModuleAsyncOptions, ActiveRecordModuleOptions } from './module-options';
import { getModelToken } from './tokens';

/**
 * The module users import.
 *
 * ```ts
 * ActiveRecordModule.forRoot({ connections: { main: { backend: 'sqlite', database: ':memory:' } }, models: [User] })
 * ActiveRecordModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (c) => ({...}) })
 * ActiveRecordModule.forFeature([Invoice], 'billing')
 * ```
 */
@Module({})
export class ActiveRecordModule {
  /** Open named connections for the application (once per set of connections). */
  static forRoot(options: ActiveRecordModuleOptions): DynamicModule {
    return { module: ActiveRecordModule, imports: [ActiveRecordCoreModule.forRoot(options)] };
  }

  /** Like forRoot, with options built by a factory that can inject other providers. */
  static forRootAsync(options: ActiveRecordModuleAsyncOptions): DynamicModule {
    return { module: ActiveRecordModule, imports: [ActiveRecordCoreModule.forRootAsync(options)] };
  }

  /**
   * Register models for a feature module: checks at startup that their connection exists, puts
   * their tables under `synchronize`, and provides each class under `getModelToken(Model)` so
   * that `@InjectModel(Model)` works and tests can override it.
   */
  static forFeature(models: readonly AnyModelClass[], connection?: string): DynamicModule {
    if (connection !== undefined) declareConnectionName(connection);
    const providers = models.map((model) =>
      registryProvider(getModelToken(model, connection), (registry) => {
        registry.registerModels([model], connection);
        return model;
      }),
    );
    return {
      module: ActiveRecordModule,
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}
