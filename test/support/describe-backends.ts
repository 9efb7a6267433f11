import { basename } from 'node:path';
import { ConnectionRegistry, type ActiveRecordOptions, type AnyModelClass, type BackendLogger, type ConnectionOptions } from 'nestjs-activerecord';
import { probedAvailability } from './availability';
import { BACKEND_TARGETS, type BackendTarget } from './backend-targets';

export interface BackendContext {
  readonly target: BackendTarget;
  /** The open registry for this target (set in beforeAll). */
  registry: ConnectionRegistry;
  /** The isolated connection's options, to open more registries on the same database. */
  options: ConnectionOptions;
}

export interface BackendSuiteOptions {
  /** Models registered on the `main` connection, with tables created fresh for the file. */
  models: readonly AnyModelClass[];
  /** Extra connection options merged into the target's (e.g. logging). */
  connection?: Record<string, unknown> | ((target: BackendTarget) => Record<string, unknown>);
  /**
   * More connections beside the target's `main` (models that name them bind there); they are
   * synchronized too. Typically an in-memory SQLite `billing`.
   */
  extraConnections?: Record<string, ConnectionOptions>;
  /** Receives warnings and, with `connection: { logging: true }`, every statement's SQL. */
  logger?: BackendLogger;
  /** Limit to some targets (by name); default: all of them. */
  only?: (target: BackendTarget) => boolean;
  /** Top-level registry options beside the connections (e.g. `encryption`). */
  registry?: Omit<ActiveRecordOptions, 'connections' | 'models' | 'defaultConnection' | 'logger'>;
}

/**
 * Register `body` once per backend target. Reachable targets run it against an isolated
 * database; unreachable ones are skipped with a loud message, except under CI=true for targets
 * that CI must have (PostgreSQL, MariaDB), where the suite fails instead.
 */
export function describeBackends(title: string, options: BackendSuiteOptions, body: (context: BackendContext) => void): void {
  const availability = probedAvailability();
  const file = basename(expect.getState().testPath ?? module.filename ?? 'suite').replace(/\W+/g, '_');
  for (const target of BACKEND_TARGETS) {
    if (options.only && !options.only(target)) continue;
    const reason = target.name in availability ? availability[target.name] : 'not probed (run through jest with globalSetup)';
    const label = `${title} [${target.name}]`;
    if (reason) {
      if (process.env.CI === 'true' && target.requiredInCI) {
        describe(label, () => {
          it(`needs ${target.describe}, which CI must provide`, () => {
            throw new Error(`${target.describe} is unreachable under CI=true: ${reason}`);
          });
        });
      } else {
        console.warn(`SKIPPED ${label}: ${target.describe} is unreachable (${reason})`);
        describe.skip(label, () => it('skipped', () => undefined));
      }
      continue;
    }
    describe(label, () => {
      const context = { target } as BackendContext;
      const suite = `${file}_${target.name}`;
      beforeAll(async () => {
        const extra = typeof options.connection === 'function' ? options.connection(target) : options.connection;
        context.options = { ...(await target.isolate(suite)), ...extra } as ConnectionOptions;
        context.registry = await ConnectionRegistry.open({
          ...options.registry,
          connections: { main: context.options, ...options.extraConnections },
          defaultConnection: 'main',
          models: options.models,
          logger: options.logger ?? quietLogger,
        });
        await context.registry.schema.dropTables();
        await context.registry.schema.createTables();
      });
      afterAll(async () => {
        await context.registry?.close();
        await target.release?.(suite);
      });
      body(context);
    });
  }
}

const quietLogger = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m), debug: () => undefined };
