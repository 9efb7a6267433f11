import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ConnectionRegistry } from '../registry/connection-registry';
import { declaredConnectionNames } from '../connection/declared-names';
import { ConfigurationError } from '../errors';
import { connectionProviders, connectionTokens } from './connection-providers';
import type { ActiveRecordModuleAsyncOptions, ActiveRecordModuleOptions, ActiveRecordOptionsFactory } from './module-options';
import { ActiveRecordRegistryModule } from './registry.module';
import { createInitializerToken } from './tokens';

/**
 * What one forRoot/forRootAsync call contributes to an application: an initializer that opens
 * its connections into the application's registry, and a provider per connection token.
 * Global, like @nestjs/typeorm's core module, so connections inject anywhere; the initializer
 * token is exported too, for the providers everywhere that wait for it (see tokens.ts).
 */
@Module({})
export class ActiveRecordCoreModule {
  static forRoot(options: ActiveRecordModuleOptions): DynamicModule {
    const initializer = createInitializerToken();
    const names = connectionNamesOf(options);
    return {
      module: ActiveRecordCoreModule,
      global: true,
      imports: [ActiveRecordRegistryModule],
      providers: [
        {
          provide: initializer,
          useFactory: (registry: ConnectionRegistry) => openOrClose(registry, options, 'ActiveRecordModule.forRoot'),
          inject: [ConnectionRegistry],
        },
        ...connectionProviders(names),
      ],
      exports: [initializer, ...connectionTokens(names)],
    };
  }

  static forRootAsync(options: ActiveRecordModuleAsyncOptions): DynamicModule {
    const initializer = createInitializerToken();
    const optionsToken = Symbol(`${initializer.description}:options`);
    // The factory's connection names are unknown until it runs; provide tokens for the names
    // given here and for every name the code mentions (see declared-names.ts).
    const names = [...(options.connectionNames ?? []), ...declaredConnectionNames()];
    return {
      module: ActiveRecordCoreModule,
      global: true,
      imports: [ActiveRecordRegistryModule, ...(options.imports ?? [])],
      providers: [
        ...optionsProviders(options, optionsToken),
        {
          provide: initializer,
          useFactory: (registry: ConnectionRegistry, resolved: ActiveRecordModuleOptions) =>
            openOrClose(registry, resolved, 'the options returned by ActiveRecordModule.forRootAsync'),
          inject: [ConnectionRegistry, optionsToken],
        },
        ...connectionProviders(names),
      ],
      exports: [initializer, ...connectionTokens(names)],
    };
  }
}

/**
 * Open a call's connections; if that fails, the application will not start and Nest will never
 * run its shutdown hooks, so close every connection the application opened so far right here.
 */
async function openOrClose(registry: ConnectionRegistry, options: ActiveRecordModuleOptions, source: string): Promise<string[]> {
  try {
    return await registry.addConnections(options, source);
  } catch (error) {
    await registry.close();
    throw error;
  }
}

function connectionNamesOf(options: ActiveRecordModuleOptions): string[] {
  const connections = options?.connections;
  if (Array.isArray(connections)) return connections.map((entry) => entry?.name).filter((name): name is string => typeof name === 'string');
  return connections && typeof connections === 'object' ? Object.keys(connections) : [];
}

function optionsProviders(options: ActiveRecordModuleAsyncOptions, token: symbol): Provider[] {
  if (options.useFactory) {
    const factory = options.useFactory as (...args: unknown[]) => ActiveRecordModuleOptions | Promise<ActiveRecordModuleOptions>;
    return [{ provide: token, useFactory: factory, inject: options.inject ?? [] }];
  }
  const factoryClass = options.useClass ?? options.useExisting;
  if (!factoryClass) {
    throw new ConfigurationError('ActiveRecordModule.forRootAsync needs one of useFactory, useClass or useExisting', {
      field: 'useFactory',
    });
  }
  const build = (factory: ActiveRecordOptionsFactory) => factory.createActiveRecordOptions();
  const providers: Provider[] = [{ provide: token, useFactory: build, inject: [factoryClass] }];
  if (options.useClass) providers.push({ provide: options.useClass, useClass: options.useClass });
  return providers;
}
