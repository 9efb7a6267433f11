import { ConstraintError } from '../../errors';
import type { Dialect } from '../dialect';
import type { MigrationHost, SchemaSupport } from '../schema-support';
import { SqliteIntrospector } from './introspection';
import { SqliteDdlCompiler } from './schema-ddl';

/**
 * SQLite: DDL is transactional, so each migration is one transaction. Its table rebuilds need
 * foreign keys off (a DROP TABLE would otherwise delete the rows of child tables through their ON
 * DELETE actions), and SQLite ignores that switch inside a transaction: it is turned off just
 * before and back on just after, and `foreign_key_check` runs before the commit, so a migration
 * that breaks a reference rolls back instead of committing it. Two processes are kept apart by
 * the lock row (and BEGIN IMMEDIATE, which serialises writers on the file).
 */
export function sqliteSchemaSupport(dialect: Dialect): SchemaSupport {
  return {
    ddl: new SqliteDdlCompiler(dialect),
    introspector: new SqliteIntrospector(),
    transactionalDdl: true,
    lock: { kind: 'row' },
    runMigration: runWithForeignKeysDeferred,
  };
}

async function runWithForeignKeysDeferred<T>(host: MigrationHost, work: () => Promise<T>): Promise<T> {
  const [state] = await host.query('PRAGMA foreign_keys');
  const enforced = Number(state?.foreign_keys ?? 0) === 1;
  if (!enforced) return host.transaction(work);
  await host.execute('PRAGMA foreign_keys = OFF');
  try {
    return await host.transaction(async () => {
      const result = await work();
      const violations = await host.query('PRAGMA foreign_key_check');
      if (violations.length > 0) {
        const first = violations[0]!;
        throw new ConstraintError(
          `The migration leaves ${violations.length} row(s) breaking a foreign key (first: table ${String(first.table)}, ` +
            `rowid ${String(first.rowid)}, referencing ${String(first.parent)}); it was rolled back`,
          { sql: 'PRAGMA foreign_key_check' },
        );
      }
      return result;
    });
  } finally {
    await host.execute('PRAGMA foreign_keys = ON');
  }
}
