import { ConfigurationError } from '../errors';

/**
 * Drivers other than better-sqlite3 are optional peer dependencies: load one only when a
 * connection uses its backend, and say exactly what to install when it is missing.
 */
export function loadDriver<T>(moduleName: string, backendName: string, connectionName: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(moduleName) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const missing = code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${moduleName}'`);
    if (!missing) throw error;
    throw new ConfigurationError(
      `Connection '${connectionName}' uses backend '${backendName}', which needs the '${moduleName}' package: ` +
        `install it with \`npm install ${moduleName}\``,
      { connection: connectionName, field: 'backend', cause: error },
    );
  }
}
