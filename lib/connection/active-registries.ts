import { processWide } from '../util/process-wide';
import type { Connection } from './connection';

/** What model resolution needs from a registry (avoids an import cycle with the registry). */
export interface ModelConnectionSource {
  connectionForModel(model: object, declared: string | undefined): Connection | undefined;
  /** The named connection, or the default one when no name is given, if this registry has it. */
  connectionNamed(name: string | undefined): Connection | undefined;
  connectionNames(): readonly string[];
}

/**
 * Registries (applications, or plain-script ConnectionRegistry instances) that are open now,
 * oldest first. Static model calls such as `User.find(1)` have no DI context, so they resolve
 * their connection here: the newest open registry that binds the model wins. Closing an app
 * removes its registry, so a later test module never reaches a closed one.
 *
 * `generation` changes whenever any binding can have changed; models cache their resolved
 * connection against it, keeping resolution off the hot path.
 */
const state = processWide('active-registries', () => ({ open: [] as ModelConnectionSource[], generation: 0 }));

export function activateRegistry(registry: ModelConnectionSource): void {
  state.open.push(registry);
  state.generation++;
}

export function deactivateRegistry(registry: ModelConnectionSource): void {
  const index = state.open.indexOf(registry);
  if (index >= 0) state.open.splice(index, 1);
  state.generation++;
}

/** Call after a registry changes which connection a model maps to. */
export function bindingsChanged(): void {
  state.generation++;
}

export function bindingGeneration(): number {
  return state.generation;
}

export function findConnectionForModel(model: object, declared: string | undefined): Connection | undefined {
  return newestFirst((registry) => registry.connectionForModel(model, declared));
}

/** A connection by name (or the default one) from the newest open registry that has it. */
export function findOpenConnection(name: string | undefined): Connection | undefined {
  return newestFirst((registry) => registry.connectionNamed(name));
}

export function openConnectionNames(): string[] {
  return [...new Set(state.open.flatMap((registry) => registry.connectionNames()))];
}

function newestFirst<T>(find: (registry: ModelConnectionSource) => T | undefined): T | undefined {
  for (let i = state.open.length - 1; i >= 0; i--) {
    const found = find(state.open[i]!);
    if (found !== undefined) return found;
  }
  return undefined;
}
