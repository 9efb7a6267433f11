import type { SchemaOperation } from '../../schema/schema-operations';
import { DdlCompiler } from '../ddl-compiler';
import type { Dialect } from '../dialect';
import type { SchemaSupport } from '../schema-support';
import { PostgresIntrospector } from './introspection';

/**
 * The advisory lock's key: a constant class id for the library's migrations, and a hash of the
 * current schema, so that two applications (or test files) using two schemas of one database
 * migrate side by side, while two instances of one application wait for each other.
 */
const LOCK_KEY = "1634887009, hashtext(COALESCE(current_schema(), ''))";

/** The base compiler speaks PostgreSQL; it only needs the current column to alter just what differs. */
class PostgresDdlCompiler extends DdlCompiler {
  override needsCurrentTable(operation: SchemaOperation): boolean {
    return operation.kind === 'alterColumn' || super.needsCurrentTable(operation);
  }
}

/**
 * PostgreSQL: transactional DDL (each migration is one transaction), and a session-level
 * advisory lock held on a session of its own for the whole run; the server releases it if the
 * process dies, so there is never a stale lock to clear.
 */
export function postgresSchemaSupport(dialect: Dialect): SchemaSupport {
  return {
    ddl: new PostgresDdlCompiler(dialect),
    introspector: new PostgresIntrospector(),
    transactionalDdl: true,
    lock: {
      kind: 'session',
      tryAcquire: { sql: `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS acquired`, params: [] },
      release: { sql: `SELECT pg_advisory_unlock(${LOCK_KEY}) AS released`, params: [] },
    },
  };
}
