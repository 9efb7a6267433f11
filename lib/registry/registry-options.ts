import type { ConnectionSetOptions } from '../connection/connection-options';
import type { CoordinatorOptions } from '../distributed/coordinator-options';
import type { AnyModelClass } from '../model/metadata';
import type { MigrationsOptions } from '../schema/migrations/migration-options';

/** Options of one application: what ActiveRecordModule.forRoot and ConnectionRegistry.open take. */
export interface ActiveRecordOptions extends ConnectionSetOptions {
  /** Models whose connection is checked at startup and whose tables `synchronize` creates. */
  models?: readonly AnyModelClass[];
  /** The cross-database coordinator: decision log location, node id, recovery. */
  coordinator?: CoordinatorOptions;
  /** Where migrations live (`migrations/<connection>/`) and how instances wait for each other. */
  migrations?: MigrationsOptions;
}
