import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { Observable } from 'rxjs';
import { bindInstanceToApplication } from '../connection/applications';
import { ConnectionRegistry } from '../registry/connection-registry';

/**
 * Static model calls (`User.find(1)`) have no DI context. When two Nest applications share a
 * process (two TestingModules in one jest file, a worker hosting two apps), the library must
 * still know which one the running code belongs to. Nest calls into an application in three
 * ways, and each is scoped here: request handlers (HTTP, RPC, GraphQL, WebSocket) through this
 * global interceptor; lifecycle hooks of the application's providers and modules, wrapped at
 * init; and `@Transactional` methods, whose instances are tagged with their application.
 */
@Injectable()
export class ApplicationScopeInterceptor implements NestInterceptor {
  constructor(@Inject(ConnectionRegistry) private readonly registry: ConnectionRegistry) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const registry = this.registry;
    // The handler runs when the stream is subscribed (and Nest binds it to the context current
    // when handle() is called): both happen inside the application's scope.
    return new Observable((subscriber) => registry.run(() => next.handle().subscribe(subscriber)));
  }
}

const LIFECYCLE_HOOKS = ['onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;
const scoped = new WeakSet<object>();

interface InstanceHost {
  readonly instance: unknown;
}

interface ModuleLike {
  readonly providers: Map<unknown, InstanceHost>;
  readonly controllers: Map<unknown, InstanceHost>;
  readonly injectables: Map<unknown, InstanceHost>;
  readonly middlewares?: Map<unknown, InstanceHost>;
}

/**
 * Tag every instance the application built with its registry (their `@Transactional` methods
 * then run in it) and make their lifecycle hooks run in its scope. Called from the library's
 * own onModuleInit, which Nest runs before any non-global module's hooks.
 */
export function scopeApplicationInstances(modules: ModulesContainer, registry: ConnectionRegistry): void {
  for (const module of modules.values() as Iterable<ModuleLike>) {
    for (const hosts of [module.providers, module.controllers, module.injectables, module.middlewares]) {
      for (const host of hosts?.values() ?? []) {
        const instance = host.instance;
        if (typeof instance !== 'object' || instance === null || scoped.has(instance)) continue;
        scoped.add(instance);
        bindInstanceToApplication(instance, registry);
        wrapLifecycleHooks(instance as Record<string, unknown>, registry);
      }
    }
  }
}

function wrapLifecycleHooks(instance: Record<string, unknown>, registry: ConnectionRegistry): void {
  for (const hook of LIFECYCLE_HOOKS) {
    const original = instance[hook];
    if (typeof original !== 'function') continue;
    Object.defineProperty(instance, hook, {
      value: (...args: unknown[]) => registry.run(() => (original as (...a: unknown[]) => unknown).apply(instance, args)),
      configurable: true,
      writable: true,
    });
  }
}
