import type { Dialect } from '../dialect';
import type { SchemaSupport } from '../schema-support';
import { MssqlIntrospector } from './introspection';
import { MssqlDdlCompiler } from './schema-ddl';

/**
 * SQL Server: DDL is transactional, so each migration is one transaction; the migration lock is a
 * row with a lease, like everywhere without a session lock the library uses.
 */
export function mssqlSchemaSupport(dialect: Dialect): SchemaSupport {
  return { ddl: new MssqlDdlCompiler(dialect), introspector: new MssqlIntrospector(), transactionalDdl: true, lock: { kind: 'row' } };
}
