import type { SchemaSupport } from '../backend/schema-support';
import type { Connection } from '../connection/connection';
import { ConfigurationError } from '../errors';

/** The connection's schema support, or a clear error for a dialect without one. */
export function requireSchemaSupport(connection: Connection): SchemaSupport {
  const support = connection.dialect.schemaSupport();
  if (!support) {
    throw new ConfigurationError(
      `Connection '${connection.name}' (dialect '${connection.dialect.name}') has no migration support: its Dialect does not ` +
        `implement schemaSupport(). Extend a built-in dialect, or implement it (introspection, DDL, lock)`,
      { connection: connection.name },
    );
  }
  return support;
}
