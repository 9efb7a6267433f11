import type { Dialect } from '../dialect';
import type { SchemaSupport } from '../schema-support';
import { OracleIntrospector } from './introspection';
import { OracleDdlCompiler } from './schema-ddl';

/**
 * Oracle: DDL commits implicitly (a failure stops the run with what was applied), and the
 * migration lock is a row with a lease (DBMS_LOCK needs a grant most application users lack).
 */
export function oracleSchemaSupport(dialect: Dialect): SchemaSupport {
  return { ddl: new OracleDdlCompiler(dialect), introspector: new OracleIntrospector(), transactionalDdl: false, lock: { kind: 'row' } };
}
