import type { ColumnType } from '../../backend/column-types';
import { ConfigurationError } from '../../errors';
import type { ColumnTypeAdapter } from '../column-type-adapter';
import { encryptedLength } from '../encryption/keyring';
import type { ColumnEncryption } from '../metadata';
import { compileRules, type ColumnRules, type CompiledRules } from './column-rules';

/** `encrypted: { ... }` of `@Column('string', { encrypted })`. */
export interface EncryptedColumnOptions {
  /**
   * Equal plaintexts give equal stored values, so `where({ email })`, `findBy` and uniqueness
   * can find them (the library compares against the value encrypted with every configured key).
   * It shows which rows share a value, so keep it for columns that must be searched. Default false.
   */
  deterministic?: boolean;
}

/** The lifecycle-related options of `@Column` this module reads. */
export interface LifecycleColumnOptions {
  validate?: ColumnRules;
  encrypted?: boolean | EncryptedColumnOptions;
  length?: number;
  unique?: boolean;
  default?: unknown;
  nullable?: boolean;
}

/** What these options add to a column's metadata. */
export interface ColumnExtras {
  rules?: CompiledRules;
  encryption?: ColumnEncryption;
  adapter?: ColumnTypeAdapter<unknown>;
  /** Overrides the stored length (an encrypted string's ciphertext needs more room). */
  length?: number;
  /** `uniqueness: true` without a scope also makes the column UNIQUE, as the rule promises. */
  unique?: boolean;
}

export function columnExtras(
  options: LifecycleColumnOptions,
  type: ColumnType,
  adapter: ColumnTypeAdapter<unknown> | undefined,
  model: string,
  property: string,
): ColumnExtras {
  const extras: ColumnExtras = {};
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`@Column on ${model}.${property}: ${message}`, { model, field: `${property}.${field}` });
  };
  if (adapter !== undefined) extras.adapter = adapter;
  if (options.validate !== undefined) {
    extras.rules = compileRules(options.validate, type, model, property);
    if (extras.rules.uniqueness !== undefined && extras.rules.uniqueness.scope.length === 0) extras.unique = true;
  }
  const encrypted = options.encrypted;
  if (encrypted !== undefined && encrypted !== false) {
    if (encrypted !== true && (typeof encrypted !== 'object' || encrypted === null)) fail('encrypted', 'encrypted must be true or { deterministic }');
    const deterministic = typeof encrypted === 'object' && encrypted.deterministic === true;
    if (type !== 'string' && type !== 'text') fail('encrypted', `only 'string' and 'text' columns can be encrypted, not ${type}`);
    if (adapter !== undefined) fail('encrypted', 'a custom column type cannot be encrypted');
    if (options.default !== undefined) fail('default', 'an encrypted column cannot have a default (it would be stored in clear text)');
    if (!deterministic && (options.unique || extras.rules?.uniqueness)) {
      fail('encrypted', 'unique values need encrypted: { deterministic: true } (random encryption never repeats a stored value)');
    }
    const maxLength = type === 'string' ? (options.length ?? 255) : undefined;
    extras.encryption = { deterministic, maxLength };
    if (maxLength !== undefined) extras.length = encryptedLength(maxLength);
  }
  return extras;
}
