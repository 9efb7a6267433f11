import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { BackendLogger } from '../backend/storage-backend';
import { ConnectionRegistry } from '../registry/connection-registry';
import type { ActiveRecordOptions } from '../registry/registry-options';
import { enterOperatorSession } from '../distributed/operator-session';
import { ConfigurationError } from '../errors';
import { loadModule } from '../schema/migrations/module-loader';
import { suppressStartupSchemaWork } from '../schema/startup';
import { UsageError, type ParsedArguments } from './arguments';

/** The application's connections, however they were reached. */
export interface LoadedApplication {
  readonly registry: ConnectionRegistry;
  /** For messages: `module dist/app.module.js` or `config activerecord.config.js`. */
  readonly source: string;
  close(): Promise<void>;
}

const DEFAULT_CONFIGS = ['activerecord.config.js', 'activerecord.config.cjs', 'activerecord.config.ts', 'activerecord.config.json'];

/**
 * Reach the application's connections: boot its root module as a Nest application context
 * (--module), or open the connections of a plain config file (--config). Either way, startup
 * schema work (migrationsRun, synchronize) is switched off first: `status` must not migrate, and
 * `migration:generate` must see the database as it is. And the CLI is an operator, not a node:
 * the coordinator neither takes a lease nor recovers at startup (`tx status` must show what is
 * in doubt, not settle it).
 */
export async function loadApplication(args: ParsedArguments, logger: BackendLogger, cwd = process.cwd()): Promise<LoadedApplication> {
  suppressStartupSchemaWork();
  enterOperatorSession();
  const module = args.values.get('module');
  const config = args.values.get('config');
  if (module !== undefined && config !== undefined) throw new UsageError('give --module or --config, not both');
  if (module !== undefined) return bootModule(module, cwd);
  const file = config ?? DEFAULT_CONFIGS.find((name) => existsSync(resolve(cwd, name)));
  if (file === undefined) {
    throw new UsageError(
      `where are the connections? Pass --module dist/app.module.js (the compiled root module) or --config <file> ` +
        `(exporting the options of ConnectionRegistry.open), or add ${DEFAULT_CONFIGS[0]} here (${cwd})`,
    );
  }
  return openConfig(file, logger, cwd);
}

async function openConfig(file: string, logger: BackendLogger, cwd: string): Promise<LoadedApplication> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`config file ${path} does not exist`);
  const exports = loadModule(path);
  let options: unknown = exports.default ?? ('connections' in exports ? exports : exports.config);
  if (typeof options === 'function') options = await (options as () => unknown)();
  if (!options || typeof options !== 'object' || !('connections' in options)) {
    throw new ConfigurationError(`${path} must export the connection options (module.exports = { connections: {...}, models: [...] }, or a function returning them)`, {
      field: path,
    });
  }
  const registry = new ConnectionRegistry(logger);
  try {
    await registry.addConnections(options as ActiveRecordOptions, path);
  } catch (error) {
    await registry.close();
    throw error;
  }
  return { registry, source: `config ${file}`, close: () => registry.close() };
}

interface NestContext {
  get(token: unknown, options?: { strict?: boolean }): unknown;
  close(): Promise<void>;
}

interface NestCore {
  NestFactory: { createApplicationContext(module: unknown, options?: Record<string, unknown>): Promise<NestContext> };
}

async function bootModule(spec: string, cwd: string): Promise<LoadedApplication> {
  const [file, exportName] = spec.split('#') as [string, string | undefined];
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`module file ${path} does not exist (build the application first?)`);
  const exports = loadModule(path);
  const root = pickModule(exports, exportName, path);
  // The application's own Nest and library copies, so that tokens and classes are the ones it registered.
  const appRequire = createRequire(path);
  let core: NestCore;
  try {
    core = appRequire('@nestjs/core') as NestCore;
  } catch (error) {
    throw new ConfigurationError(`${path} is a Nest module, but @nestjs/core cannot be loaded from there: ${(error as Error).message}`, { field: path });
  }
  const app = await core.NestFactory.createApplicationContext(root, { logger: ['error', 'warn'], abortOnError: false });
  let registry: unknown;
  for (const token of registryTokens(appRequire)) {
    try {
      registry = app.get(token, { strict: false });
      if (registry) break;
    } catch {
      // not this copy's class
    }
  }
  if (!registry) {
    await app.close();
    throw new ConfigurationError(`${path}: the application does not import ActiveRecordModule.forRoot, so it has no connections to migrate`, { field: path });
  }
  return { registry: registry as ConnectionRegistry, source: `module ${file}`, close: () => app.close() };
}

/** This copy's ConnectionRegistry, then the application's copy if it has another. */
function registryTokens(appRequire: NodeJS.Require): unknown[] {
  const tokens: unknown[] = [ConnectionRegistry];
  try {
    const theirs = (appRequire('nestjs-activerecord') as { ConnectionRegistry?: unknown }).ConnectionRegistry;
    if (theirs && theirs !== ConnectionRegistry) tokens.push(theirs);
  } catch {
    // the application reaches the library some other way
  }
  return tokens;
}

function pickModule(exports: Record<string, unknown>, name: string | undefined, path: string): unknown {
  if (name !== undefined) {
    if (!exports[name]) throw new UsageError(`${path} has no export named ${name} (exports: ${Object.keys(exports).join(', ')})`);
    return exports[name];
  }
  const reflect = Reflect as unknown as { getMetadataKeys?: (target: object) => unknown[] };
  const modules = Object.entries(exports).filter(
    ([, value]) => typeof value === 'function' && (reflect.getMetadataKeys?.(value as object) ?? []).some((key) => key === 'imports' || key === 'providers' || key === 'controllers'),
  );
  const app = modules.find(([key]) => key === 'AppModule');
  if (app) return app[1];
  if (modules.length === 1) return modules[0]![1];
  if (exports.default) return exports.default;
  throw new UsageError(
    modules.length === 0
      ? `${path} exports no Nest module; point --module at the file of the root module (e.g. dist/app.module.js)`
      : `${path} exports several modules (${modules.map(([key]) => key).join(', ')}); name one: --module ${path}#${modules[0]![0]}`,
  );
}
