import type { FactoryProvider, ModuleMetadata, Type } from '@nestjs/common';
import type { ActiveRecordOptions } from '../registry/registry-options';

/** What ActiveRecordModule.forRoot takes. */
export type ActiveRecordModuleOptions = ActiveRecordOptions;

/** A class that builds the options, for `forRootAsync({ useClass })`. */
export interface ActiveRecordOptionsFactory {
  createActiveRecordOptions(): ActiveRecordModuleOptions | Promise<ActiveRecordModuleOptions>;
}

/** What ActiveRecordModule.forRootAsync takes: the ConfigService pattern. */
export interface ActiveRecordModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /**
   * Names of the connections the factory returns. Optional: names used by @InjectConnection,
   * @InjectModel, @Model and forFeature are found anyway. List any other name you inject with
   * `getConnectionToken(name)` directly.
   */
  connectionNames?: readonly string[];
  useFactory?: (...args: never[]) => ActiveRecordModuleOptions | Promise<ActiveRecordModuleOptions>;
  inject?: FactoryProvider['inject'];
  useClass?: Type<ActiveRecordOptionsFactory>;
  useExisting?: Type<ActiveRecordOptionsFactory>;
}
