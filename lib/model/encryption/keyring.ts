import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomFillSync } from 'node:crypto';
import { decodeEncryptionKey, type EncryptionOptions } from '../../connection/encryption-options';
import { ConfigurationError, DecryptionError } from '../../errors';

/**
 * Stored form of an encrypted value: `$ar1:<key id>:<base64 of iv | tag | ciphertext>`.
 * AES-256-GCM (authenticated: a changed byte, a swapped key or a truncated value fails to
 * decrypt instead of yielding garbage). The key id travels with the value so that keys rotate.
 */
const PREFIX = '$ar1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Random IVs come from a pool refilled by the CSPRNG 4 KiB at a time: one `randomBytes(12)` call
 * costs about as much as the encryption itself. Every IV is still fresh random bytes, used once.
 */
const ivPool = Buffer.alloc(IV_BYTES * 341);
let ivOffset = ivPool.length;

function randomIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

/** Where a value belongs, for error messages (never the value). */
export interface CipherSite {
  readonly model: string;
  readonly column: string;
}

interface DerivedKey {
  readonly id: string;
  /** AES-256-GCM key. */
  readonly cipher: Buffer;
  /** HMAC key that derives deterministic IVs from plaintexts. */
  readonly ivMac: Buffer;
}

/**
 * The keys of one application. Each configured key is stretched (HKDF-SHA256) into a cipher
 * key and a separate key for deterministic IVs, so the configured bytes are never used directly.
 */
export class Keyring {
  private readonly keys: readonly DerivedKey[];
  private readonly byId: ReadonlyMap<string, DerivedKey>;

  constructor(options: EncryptionOptions) {
    this.keys = options.keys.map((entry, index) => {
      const material = decodeEncryptionKey(entry.key);
      if (material === undefined) {
        throw new ConfigurationError(`encryption.keys[${index}].key must be 32 bytes (base64, hex or a Buffer)`, {
          field: `encryption.keys[${index}].key`,
        });
      }
      return {
        id: entry.id,
        cipher: Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'nestjs-activerecord/aes-256-gcm', 32)),
        ivMac: Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'nestjs-activerecord/deterministic-iv', 32)),
      };
    });
    this.byId = new Map(this.keys.map((key) => [key.id, key]));
  }

  /** The id of the key that encrypts new values. */
  get primaryId(): string {
    return this.keys[0]!.id;
  }

  /**
   * Encrypt with the first key. Deterministic mode derives the IV from the plaintext (HMAC), so
   * equal plaintexts give equal stored values and `where({ email })` can find them; it reveals
   * which rows share a value, so use it only for columns that must be searched.
   */
  encrypt(plaintext: string, deterministic: boolean): string {
    return this.encryptWith(this.keys[0]!, plaintext, deterministic);
  }

  /** The stored forms a deterministic plaintext can have: one per configured key. */
  deterministicForms(plaintext: string): string[] {
    return this.keys.map((key) => this.encryptWith(key, plaintext, true));
  }

  /** The key id a stored value names, or undefined when it is not an encrypted value. */
  keyIdOf(stored: string): string | undefined {
    if (!stored.startsWith(PREFIX)) return undefined;
    const end = stored.indexOf(':', PREFIX.length);
    return end < 0 ? undefined : stored.slice(PREFIX.length, end);
  }

  decrypt(stored: unknown, site: CipherSite): string {
    const fail = (reason: string, keyId?: string): never => {
      throw new DecryptionError(`Cannot decrypt ${site.model}.${site.column}${keyId === undefined ? '' : ` (key '${keyId}')`}: ${reason}`, {
        model: site.model,
        field: site.column,
        keyId,
      });
    };
    if (typeof stored !== 'string') return fail('the stored value is not text');
    const keyId = this.keyIdOf(stored);
    if (keyId === undefined) return fail('the stored value is not an encrypted value (was it written without encryption?)');
    const key = this.byId.get(keyId);
    if (key === undefined) {
      return fail(`no key with this id is configured (configured: ${[...this.byId.keys()].join(', ')}); add it to encryption.keys`, keyId);
    }
    const blob = Buffer.from(stored.slice(PREFIX.length + keyId.length + 1), 'base64');
    if (blob.length < IV_BYTES + TAG_BYTES) return fail('the stored value is truncated', keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.cipher, blob.subarray(0, IV_BYTES));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      // Decoded as it streams out (a character split between update and final is kept whole).
      return decipher.update(blob.subarray(IV_BYTES + TAG_BYTES), undefined, 'utf8') + decipher.final('utf8');
    } catch {
      return fail('authentication failed: the stored value was altered, or the key with this id is not the one that encrypted it', keyId);
    }
  }

  private encryptWith(key: DerivedKey, plaintext: string, deterministic: boolean): string {
    const data = Buffer.from(plaintext, 'utf8');
    const iv = deterministic ? createHmac('sha256', key.ivMac).update(data).digest().subarray(0, IV_BYTES) : randomIv();
    const cipher = createCipheriv('aes-256-gcm', key.cipher, iv);
    const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
    return `${PREFIX}${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64')}`;
  }
}

/**
 * The longest stored form of a plaintext of `characters` characters (UTF-8: at most 4 bytes each)
 * under a key id of at most 32 characters: the column length an encrypted `string` needs.
 */
export function encryptedLength(characters: number): number {
  const blob = IV_BYTES + TAG_BYTES + characters * 4;
  return PREFIX.length + 32 + 1 + 4 * Math.ceil(blob / 3);
}
