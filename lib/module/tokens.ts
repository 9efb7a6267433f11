import type { AnyModelClass } from '../model/metadata';

/**
 * Injection tokens. Strings for connections so that Nest's "cannot resolve dependency" message
 * reads `ActiveRecordConnection(audit)`; a per-class symbol for models so that two classes that
 * happen to share a name never share a token.
 */
export const DEFAULT_CONNECTION_TOKEN = 'ActiveRecordConnection(default)';

/** The token of a named connection; without a name, of the application's default connection. */
export function getConnectionToken(name?: string): string {
  return name === undefined ? DEFAULT_CONNECTION_TOKEN : `ActiveRecordConnection(${name})`;
}

const modelTokens = new WeakMap<AnyModelClass, Map<string, symbol>>();

/** The token under which forFeature provides a model class (override it in tests). */
export function getModelToken(model: AnyModelClass, connection?: string): symbol {
  const key = connection ?? '';
  let byConnection = modelTokens.get(model);
  if (!byConnection) modelTokens.set(model, (byConnection = new Map()));
  let token = byConnection.get(key);
  if (!token) byConnection.set(key, (token = Symbol(`ActiveRecordModel(${model.name}${connection ? '@' + connection : ''})`)));
  return token;
}

/**
 * Every forRoot/forRootAsync call gets an initializer token. Providers that read the registry
 * (connections, models, the coordinator) depend on all of them, optionally, so that they run only
 * after every call of their own application has registered its connections; tokens of other
 * applications in the same process are simply absent and resolve to undefined. Each core module
 * exports its token (it is global), so the dependency is visible from every module: that edge,
 * not the order in which Nest happens to instantiate modules (Nest 12's differs from Nest 11's),
 * is what runs the initializers first.
 */
const initializerTokens: symbol[] = [];

export function createInitializerToken(): symbol {
  const token = Symbol(`ActiveRecordInitializer#${initializerTokens.length + 1}`);
  initializerTokens.push(token);
  return token;
}

export function afterAllInitializers(): Array<{ token: symbol; optional: true }> {
  return initializerTokens.map((token) => ({ token, optional: true as const }));
}
