import { applicationOfInstance, runInApplication } from '../connection/applications';
import { ConfigurationError } from '../errors';
import { transactional } from './transaction-api';
import type { TransactionOptions } from './transaction-options';

type MetadataReflect = {
  getOwnMetadataKeys?(target: object): unknown[];
  getOwnMetadata?(key: unknown, target: object): unknown;
  defineMetadata?(key: unknown, value: unknown, target: object): void;
};

/**
 * Run the decorated method in a transaction: on the default connection, on `connection`, or
 * across `connections`. Works on any class, Nest provider or not; the method returns a promise.
 * On a provider of a Nest application, the method runs in that application's scope (its
 * connections, its models' bindings), even when two applications share the process.
 * Everything the method calls (however deep, through awaits, timers and Promise.all) uses the
 * transaction without a handle being passed.
 */
export function Transactional(options: TransactionOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new ConfigurationError(`@Transactional goes on methods; ${String(propertyKey)} of ${target.constructor.name} is not one`);
    }
    const method = original as (...args: unknown[]) => unknown;
    const named: TransactionOptions = { name: `${target.constructor.name}.${String(propertyKey)}`, ...options };
    const wrapped = function (this: unknown, ...args: unknown[]) {
      // A provider's method runs in the application that built the provider, wherever it is called from.
      const application = applicationOfInstance(this);
      const run = () => transactional(named, () => method.apply(this, args));
      return application ? runInApplication(application, run) : run();
    };
    keepIdentity(method, wrapped);
    (descriptor as PropertyDescriptor).value = wrapped;
    return descriptor;
  };
}

/**
 * Decorators applied before this one (Nest's @Get, @OnEvent, @Cron, ...) stored metadata on the
 * original function; copy it, with the name, so they still find it on the wrapper.
 */
function keepIdentity(original: (...args: unknown[]) => unknown, wrapped: (...args: unknown[]) => unknown): void {
  const reflect = Reflect as unknown as MetadataReflect;
  for (const key of reflect.getOwnMetadataKeys?.(original) ?? []) {
    reflect.defineMetadata?.(key, reflect.getOwnMetadata?.(key, original), wrapped);
  }
  Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
}
