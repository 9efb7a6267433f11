import type { SchemaSupport } from '../schema-support';
import type { MysqlDialect } from './dialect';
import { MysqlIntrospector } from './introspection';
import { MysqlDdlCompiler } from './schema-ddl';

/** GET_LOCK names are server-wide and at most 64 characters: one per database, by its hash. */
const LOCK_NAME = "CONCAT('ar_migrations_', MD5(COALESCE(DATABASE(), '')))";

/**
 * MySQL/MariaDB: DDL commits implicitly, so a migration cannot be rolled back as a whole; a
 * failure stops the run and says which statement failed and what had been applied. GET_LOCK on
 * a session held for the run keeps two instances apart, and the server frees it when the session
 * ends, so a crashed process leaves no stale lock.
 */
export function mysqlSchemaSupport(dialect: MysqlDialect): SchemaSupport {
  return {
    ddl: new MysqlDdlCompiler(dialect),
    introspector: new MysqlIntrospector(() => dialect.server.flavour),
    transactionalDdl: false,
    lock: {
      kind: 'session',
      tryAcquire: { sql: `SELECT GET_LOCK(${LOCK_NAME}, 0) AS acquired`, params: [] },
      release: { sql: `SELECT RELEASE_LOCK(${LOCK_NAME}) AS released`, params: [] },
    },
  };
}
