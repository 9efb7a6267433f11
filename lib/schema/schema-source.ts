import type { Connection } from '../connection/connection';
import type { AnyModelClass } from '../model/metadata';

/** What the schema layer needs from the registry: its connections and the models bound to each. */
export interface SchemaSource {
  connectionNames(): readonly string[];
  get(name: string): Connection;
  modelsOn(name: string): AnyModelClass[];
}
