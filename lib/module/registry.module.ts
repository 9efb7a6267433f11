import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_INTERCEPTOR, ModulesContainer } from '@nestjs/core';
import { ConnectionRegistry } from '../registry/connection-registry';
import { TransactionCoordinator } from '../distributed/transaction-coordinator';
import { SchemaManager } from '../schema/schema-manager';
import { ApplicationScopeInterceptor, scopeApplicationInstances } from './application-scope';
import { registryProvider } from './connection-providers';
import { ActiveRecordHealthIndicator } from './health-indicator';

/** Ties the registry to the application's life: migrations and tables at init, every connection closed at shutdown. */
@Injectable()
export class ActiveRecordLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(ConnectionRegistry) private readonly registry: ConnectionRegistry,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
  ) {}

  /**
   * Global modules initialise first, so tables exist before any user module's onModuleInit, and
   * every provider's later hooks and @Transactional methods run in this application's scope.
   */
  async onModuleInit(): Promise<void> {
    scopeApplicationInstances(this.modules, this.registry);
    try {
      await this.registry.run(() => this.registry.synchronize());
    } catch (error) {
      // A failed start (a migration that fails, say) gets no shutdown hooks: close here.
      await this.registry.close();
      throw error;
    }
  }

  /**
   * Recovery runs once every provider exists, so that sagas defined in providers' constructors
   * are known when a crashed saga's compensation resumes.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.registry.run(() => this.registry.startCoordinator());
  }

  /** Global modules shut down last, so user hooks may still write during their shutdown. */
  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
  }
}

/**
 * One ConnectionRegistry per Nest application, shared by every forRoot/forRootAsync/forFeature
 * of that application. A static global module: Nest makes exactly one instance per container,
 * so two applications (or test modules) in one process never share connections.
 */
@Global()
@Module({
  providers: [
    { provide: ConnectionRegistry, useFactory: () => new ConnectionRegistry(new Logger('ActiveRecord')) },
    { provide: SchemaManager, useFactory: (registry: ConnectionRegistry) => registry.schema, inject: [ConnectionRegistry] },
    // After every forRoot initializer: the coordinator's options come with them.
    registryProvider(TransactionCoordinator, (registry) => registry.coordinator),
    ActiveRecordLifecycle,
    { provide: APP_INTERCEPTOR, useClass: ApplicationScopeInterceptor },
    ActiveRecordHealthIndicator,
  ],
  exports: [ConnectionRegistry, SchemaManager, TransactionCoordinator, ActiveRecordHealthIndicator],
})
export class ActiveRecordRegistryModule {}
