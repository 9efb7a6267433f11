import type { FactoryProvider, Provider } from '@nestjs/common';
import { Connection } from '../connection/connection';
import { ConnectionRegistry } from '../registry/connection-registry';
import { missingConnection } from './missing-connection';
import { afterAllInitializers, getConnectionToken } from './tokens';

/**
 * A provider that reads the registry once every initializer of the application has run. `inject`
 * is read by Nest when it scans the module, after all forRoot calls of the app were evaluated,
 * so the getter sees every initializer token. If reading fails (a model bound to a missing
 * connection, say), the application will not start and Nest never runs its shutdown hooks, so
 * the registry's connections are closed here.
 */
export function registryProvider<T>(token: string | symbol | (abstract new (...args: never[]) => unknown), read: (registry: ConnectionRegistry) => T): FactoryProvider<T> {
  return {
    provide: token,
    useFactory: async (registry: ConnectionRegistry) => {
      try {
        return read(registry);
      } catch (error) {
        await registry.close();
        throw error;
      }
    },
    get inject() {
      return [ConnectionRegistry, ...afterAllInitializers()];
    },
  };
}

/** Providers for named connections plus the default one (also injectable as `Connection`). */
export function connectionProviders(names: readonly string[]): Provider[] {
  const named = [...new Set(names)].map((name) =>
    registryProvider(getConnectionToken(name), (registry) =>
      registry.has(name) ? registry.get(name) : missingConnection(name, registry),
    ),
  );
  return [
    ...named,
    registryProvider(getConnectionToken(), (registry) => registry.get()),
    { provide: Connection, useExisting: getConnectionToken() },
  ];
}

export function connectionTokens(names: readonly string[]): Array<string | typeof Connection> {
  return [...[...new Set(names)].map((name) => getConnectionToken(name)), getConnectionToken(), Connection];
}
