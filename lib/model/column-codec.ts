import type { Dialect } from '../backend/dialect';
import type { Connection } from '../connection/connection';
import { ConfigurationError, ValidationError } from '../errors';
import { keyringFor } from './encryption/keyrings';
import type { ColumnMetadata, ModelMetadata } from './metadata';
import { fingerprint } from './type-casting';

/**
 * What stands between a column's JavaScript value and the value of its stored logical type,
 * for columns that are not stored as they are: encrypted columns and custom column types.
 * Applied by the model layer where it binds values and where it reads them, so dialects and
 * query trees only ever see the stored type.
 */
export interface ColumnCodec {
  /** A cast JavaScript value to the stored type's value (ciphertext, a custom type's stored form). */
  encode(value: unknown): unknown;
  /** The stored type's value, as the dialect read it, back to the JavaScript value. */
  decode(value: unknown): unknown;
  /**
   * The stored forms `where({ column: value })` must match: one per key for a deterministic
   * encrypted column, one for a custom type; undefined where the column cannot be searched.
   */
  filterForms?(value: unknown): unknown[];
  /** A comparable form for dirty tracking, where the JavaScript value can change in place. */
  fingerprint?(value: unknown): unknown;
}

/** The codecs of a model's columns (undefined: none needs one), for the connection it runs on. */
export function columnCodecs(metadata: ModelMetadata, connection: Connection): ReadonlyArray<ColumnCodec | undefined> | undefined {
  if (!metadata.columns.some((column) => column.encryption !== undefined || column.adapter !== undefined)) return undefined;
  return metadata.columns.map((column) => codecFor(metadata, column, connection));
}

function codecFor(metadata: ModelMetadata, column: ColumnMetadata, connection: Connection): ColumnCodec | undefined {
  if (column.primary && (column.encryption !== undefined || column.adapter !== undefined)) {
    throw new ConfigurationError(`${metadata.name}.${column.property}: a primary key cannot be encrypted or of a custom type`, {
      model: metadata.name,
      field: column.property,
    });
  }
  if (column.encryption !== undefined) return encryptionCodec(metadata, column, connection);
  if (column.adapter !== undefined) return adapterCodec(column, connection.dialect);
  return undefined;
}

function encryptionCodec(metadata: ModelMetadata, column: ColumnMetadata, connection: Connection): ColumnCodec {
  const keyring = keyringFor(connection);
  if (keyring === undefined) {
    throw new ConfigurationError(
      `${metadata.name}.${column.property} is encrypted, but connection '${connection.name}' has no encryption keys: ` +
        `give forRoot (or ConnectionRegistry.open) the option encryption: { keys: [{ id, key }] }`,
      { model: metadata.name, field: column.property, connection: connection.name },
    );
  }
  const site = { model: metadata.name, column: column.property };
  const deterministic = column.encryption!.deterministic;
  return {
    encode: (value) => keyring.encrypt(value as string, deterministic),
    decode: (value) => keyring.decrypt(value, site),
    filterForms: deterministic ? (value) => keyring.deterministicForms(value as string) : undefined,
  };
}

function adapterCodec(column: ColumnMetadata, dialect: Dialect): ColumnCodec {
  const adapter = column.adapter!;
  const name = dialect.name;
  const stored = column.type;
  return {
    encode: (value) => adapter.toDatabase(value, name),
    decode: (value) => adapter.fromDatabase(value, name),
    filterForms: (value) => [adapter.toDatabase(value, name)],
    fingerprint:
      adapter.fingerprint !== undefined
        ? (value) => adapter.fingerprint!(value)
        : (value) => fingerprint(stored, adapter.toDatabase(value, name)),
  };
}

/**
 * Refuse a filter an encrypted column cannot answer: any filter on a randomly encrypted column,
 * and anything but equality (`=`, `<>`, `in`) on a deterministic one.
 */
export function unsearchable(metadata: ModelMetadata, column: ColumnMetadata, method: string, operator: string): ValidationError {
  const message = !column.encryption?.deterministic
    ? `is encrypted without deterministic: true, so it cannot be searched; declare it with encrypted: { deterministic: true } ` +
      `to find rows by equality`
    : `is encrypted, so it can only be compared for equality (eq, ne, in, notIn), not with '${operator}'`;
  return new ValidationError(`${metadata.name}.${method}: '${column.property}' ${message}`, [{ attribute: column.property, message }], {
    model: metadata.name,
    field: column.property,
  });
}
