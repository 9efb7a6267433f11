import { Inject } from '@nestjs/common';
import { declareConnectionName } from '../connection/declared-names';
import type { AnyModelClass } from '../model/metadata';
import { getConnectionToken, getModelToken } from './tokens';

/** Inject a connection by name; without a name, the application's default connection. */
export function InjectConnection(name?: string): PropertyDecorator & ParameterDecorator {
  if (name !== undefined) declareConnectionName(name);
  return Inject(getConnectionToken(name));
}

/** Inject a model class registered with ActiveRecordModule.forFeature. */
export function InjectModel(model: AnyModelClass, connection?: string): PropertyDecorator & ParameterDecorator {
  if (connection !== undefined) declareConnectionName(connection);
  return Inject(getModelToken(model, connection));
}
