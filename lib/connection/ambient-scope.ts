import { AsyncLocalStorage } from 'node:async_hooks';
import type { DriverSession } from '../backend/storage-backend';
import { processWide } from '../util/process-wide';

/**
 * A connection as the scope sees it: only a key (the Connection object itself). Named here, not
 * imported, so that the scope and the Connection that routes through it stay one-way.
 */
type ConnectionKey = object;

/** An application as the scope carries it; connection/applications.ts says what it can do. */
export interface ScopeApplication {
  readonly label: string;
}

/**
 * What a statement needs from the transaction it runs in. The transaction engine's frames
 * implement it; this layer only routes statements and never begins or ends anything.
 */
export interface SessionBinding {
  /**
   * The session a statement on `connection` must run on, or undefined when the transaction has
   * committed (the statement then goes to the pool, as it would outside). Throws when the
   * statement must be refused (the transaction rolled back or timed out).
   */
  statementSession(connection: ConnectionKey): DriverSession | undefined;
  /** Whether this binding's transaction holds a branch on `connection` (one enlisted after the scope was entered). */
  covers(connection: ConnectionKey): boolean;
}

/** The request the running code serves, as connections with read replicas track it (read-your-writes). */
export interface RequestState {
  /** Note that the request wrote on `connection` now (or committed a transaction there). */
  wrote(connection: ConnectionKey): void;
  /** When the request last wrote on `connection` (performance.now()), if it did. */
  lastWrite(connection: ConnectionKey): number | undefined;
}

/** Where reads go, for connections with read replicas (connection/replica-set.ts). */
export interface ScopeRouting {
  /** Forced by connectedTo(): reads to a replica ('reading'), or everything to the primary ('writing'). */
  readonly role?: 'reading' | 'writing';
  /** The request the code serves (entered per request by the Nest interceptor, or registry.runRequest). */
  readonly request?: RequestState;
}

/**
 * The ambient context of the running code, carried by one AsyncLocalStorage: the application it
 * belongs to (so a static `User.find(1)` resolves in the right one when two share a process) and,
 * per connection, the transaction frame it runs in (or `null`: explicitly outside any).
 * Immutable: entering a scope makes a new one for the code inside only.
 */
export class AmbientScope {
  static readonly EMPTY = new AmbientScope(undefined, new Map(), [], undefined);

  private constructor(
    readonly application: ScopeApplication | undefined,
    private readonly bindings: ReadonlyMap<ConnectionKey, SessionBinding | null>,
    /** Every binding entered, innermost first: found through `covers` for branches enlisted later. */
    private readonly frames: readonly SessionBinding[],
    /** Replica routing: a forced role, the request's writes (undefined where neither applies). */
    readonly routing: ScopeRouting | undefined,
  ) {}

  /** The binding for a connection: explicit, or a transaction in scope that enlisted it; null = outside. */
  binding(connection: ConnectionKey): SessionBinding | null | undefined {
    const direct = this.bindings.get(connection);
    if (direct !== undefined) return direct;
    const frames = this.frames;
    for (let i = 0; i < frames.length; i++) if (frames[i]!.covers(connection)) return frames[i];
    return undefined;
  }

  /** The distinct bindings in scope, innermost first. */
  allBindings(): readonly SessionBinding[] {
    return this.frames;
  }

  /** A scope where each given connection runs in `binding` (or outside any transaction, when null). */
  bind(connections: Iterable<ConnectionKey>, binding: SessionBinding | null): AmbientScope {
    const bindings = new Map(this.bindings);
    for (const connection of connections) bindings.set(connection, binding);
    const frames = binding === null || this.frames.includes(binding) ? this.frames : [binding, ...this.frames];
    return new AmbientScope(this.application, bindings, frames, this.routing);
  }

  /** A scope in which `binding` is no longer found (a suspended saga). */
  without(binding: SessionBinding): AmbientScope {
    const bindings = new Map([...this.bindings].filter(([, value]) => value !== binding));
    return new AmbientScope(this.application, bindings, this.frames.filter((frame) => frame !== binding), this.routing);
  }

  withApplication(application: ScopeApplication): AmbientScope {
    return application === this.application ? this : new AmbientScope(application, this.bindings, this.frames, this.routing);
  }

  withRouting(routing: ScopeRouting | undefined): AmbientScope {
    return new AmbientScope(this.application, this.bindings, this.frames, routing);
  }
}

const storage = processWide('ambient-scope', () => new AsyncLocalStorage<AmbientScope>());

/** The scope of the running code (EMPTY when none was entered). */
export function currentScope(): AmbientScope {
  return storage.getStore() ?? AmbientScope.EMPTY;
}

/** The scope of the running code, or undefined when none was ever entered in its async chain. */
export function enteredScope(): AmbientScope | undefined {
  return storage.getStore();
}

/**
 * Run `work` in `scope`. Entering a scope enables AsyncLocalStorage's hooks for the whole
 * process, which then cost a little on every promise: callers avoid it when nothing changes.
 */
export function runInScope<T>(scope: AmbientScope, work: () => T): T {
  return scope === storage.getStore() ? work() : storage.run(scope, work);
}

/**
 * Run `work` outside any transaction on `connection` (library bookkeeping: decision logs, saga
 * logs), whatever the caller has open there. Where the scope names no transaction for the
 * connection, nothing changes and no scope is entered.
 */
export function runOutsideTransaction<T>(connection: ConnectionKey, work: () => T): T {
  const scope = storage.getStore();
  if (scope === undefined) return work();
  // Bookkeeping always goes to the primary, whatever role the caller forced with connectedTo().
  const unrouted = scope.routing?.role === undefined ? scope : scope.withRouting({ request: scope.routing.request });
  if (!unrouted.binding(connection)) return unrouted === scope ? work() : storage.run(unrouted, work);
  return storage.run(unrouted.bind([connection], null), work);
}
