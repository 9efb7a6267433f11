import { ConfigurationError } from '../errors';
import { processWide } from '../util/process-wide';
import { currentScope, enteredScope, runInScope, type ScopeApplication } from './ambient-scope';
import type { Connection } from './connection';

/**
 * An open application as static calls see it: one per Nest application, or per plain-script
 * `ConnectionRegistry`. The registry implements it; this layer only finds the right one.
 */
export interface Application extends ScopeApplication {
  /** For messages: which application this is (its connections). */
  readonly label: string;
  /**
   * The connection this application binds `model` to, and whether it registered the model
   * itself ('explicit') or only has the connection the model names or the default one ('implicit').
   */
  modelBinding(model: object, declared: string | undefined): { connection: Connection; explicit: boolean } | undefined;
  /** The named connection, or the default one when no name is given, if this application has it. */
  connectionNamed(name: string | undefined): Connection | undefined;
  connectionNames(): readonly string[];
}

/**
 * The applications open now, oldest first. `generation` changes whenever a binding may have
 * changed; model runtimes are cached against it, keeping resolution off the hot path.
 */
const state = processWide('open-applications', () => ({ open: [] as Application[], generation: 0 }));
/** Provider instances (Nest) to the application that created them, for @Transactional methods. */
const instances = processWide('application-instances', () => new WeakMap<object, Application>());

export function activateApplication(application: Application): void {
  state.open.push(application);
  state.generation++;
}

export function deactivateApplication(application: Application): void {
  const index = state.open.indexOf(application);
  if (index >= 0) state.open.splice(index, 1);
  state.generation++;
}

/** Call after an application changes which connection a model maps to. */
export function bindingsChanged(): void {
  state.generation++;
}

export function bindingGeneration(): number {
  return state.generation;
}

/** Run `work` as code of `application`: static model calls and transactions inside resolve there. */
export function runInApplication<T>(application: Application, work: () => T): T {
  const scope = enteredScope();
  if (scope?.application === application) return work();
  return runInScope(currentScope().withApplication(application), work);
}

/** The application of the running code, if the code runs in one's scope. */
export function scopedApplication(): Application | undefined {
  // Only applications of this module's kind enter a scope (runInApplication).
  return enteredScope()?.application as Application | undefined;
}

/** Remember which application built a provider instance (its @Transactional methods run in it). */
export function bindInstanceToApplication(instance: object, application: Application): void {
  instances.set(instance, application);
}

export function applicationOfInstance(instance: unknown): Application | undefined {
  return typeof instance === 'object' && instance !== null ? instances.get(instance) : undefined;
}

/**
 * Where a static model call runs: in the scope's application; without a scope, in the one open
 * application that binds the model (one that registered it wins over ones that merely could
 * serve it). Two or more candidates are never guessed between: the caller must scope the call.
 */
export function resolveModelConnection(model: object, modelName: string, declared: string | undefined): { connection: Connection; application: Application } {
  const scoped = scopedApplication();
  if (scoped) {
    const binding = scoped.modelBinding(model, declared);
    if (binding) return { connection: binding.connection, application: scoped };
    throw new ConfigurationError(
      `Model ${modelName} is used in ${scoped.label}, which does not bind it` +
        (declared ? ` (it names connection '${declared}'; defined here: ${scoped.connectionNames().join(', ') || 'none'})` : '') +
        `; register the model with that application's ActiveRecordModule.forRoot/forFeature`,
      { model: modelName, connection: declared },
    );
  }
  const candidates: Array<{ application: Application; connection: Connection; explicit: boolean }> = [];
  for (const application of state.open) {
    const binding = application.modelBinding(model, declared);
    if (binding) candidates.push({ application, ...binding });
  }
  const explicit = candidates.filter((candidate) => candidate.explicit);
  const chosen = explicit.length > 0 ? explicit : candidates;
  if (chosen.length === 1) return chosen[0]!;
  if (chosen.length === 0) {
    const open = openConnectionNames();
    throw new ConfigurationError(
      declared
        ? `Model ${modelName} is bound to connection '${declared}', which no open application defines ` +
            `(open connections: ${open.join(', ') || 'none'}); import ActiveRecordModule.forRoot with that connection`
        : `Model ${modelName} has no connection: no application is open. Import ActiveRecordModule.forRoot ` +
            `(or call ConnectionRegistry.open) before using models`,
      { model: modelName, connection: declared },
    );
  }
  throw ambiguous(`Model ${modelName}`, chosen.map((candidate) => candidate.application), { model: modelName, connection: declared });
}

/**
 * A connection by name (or the default one) for code that names it without an object: in the
 * scope's application, else in the one open application that has it.
 */
export function resolveNamedConnection(name: string | undefined): Connection {
  const scoped = scopedApplication();
  const candidates = scoped ? [scoped] : state.open;
  const found = candidates.filter((application) => application.connectionNamed(name) !== undefined);
  if (found.length === 1) return found[0]!.connectionNamed(name)!;
  if (found.length === 0) {
    const where = scoped ? scoped.label : 'any open application';
    throw new ConfigurationError(
      name === undefined
        ? `No application is open, so there is no default connection here`
        : `Connection '${name}' is not defined in ${where} (open connections: ${(scoped ? scoped.connectionNames() : openConnectionNames()).join(', ') || 'none'})`,
      { connection: name },
    );
  }
  throw ambiguous(name === undefined ? 'The default connection' : `Connection '${name}'`, found, { connection: name });
}

export function openConnectionNames(): string[] {
  return [...new Set(state.open.flatMap((application) => application.connectionNames()))];
}

function ambiguous(what: string, applications: readonly Application[], context: { model?: string; connection?: string }): ConfigurationError {
  return new ConfigurationError(
    `${what} exists in ${applications.length} open applications (${applications.map((a) => a.label).join('; ')}), and this call ` +
      `runs in none of their scopes, so it cannot choose. Calls made by Nest (request handlers, lifecycle hooks, ` +
      `@Transactional methods of providers) are scoped automatically; elsewhere wrap the call in registry.run(() => ...) ` +
      `(the registry is injectable as ConnectionRegistry), or close the application you no longer use`,
    context,
  );
}
