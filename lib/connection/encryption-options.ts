/**
 * Keys for encrypted columns (`@Column('string', { encrypted: true })`), given once per
 * application: `forRoot({ encryption: { keys: [{ id: '2025-01', key: process.env.AR_KEY }] } })`.
 */
export interface EncryptionOptions {
  /**
   * Every key that may have encrypted a stored value, newest first: the first key encrypts
   * everything written from now on; all of them decrypt. To rotate, put a new key first and run
   * `Model.reencrypt()`; drop an old key only once no row uses it.
   */
  keys: readonly EncryptionKey[];
}

export interface EncryptionKey {
  /**
   * Stored beside every value it encrypts, so that the right key decrypts it after a rotation:
   * 1 to 32 letters, digits, `_`, `-` or `.` (never the key itself).
   */
  id: string;
  /** 32 bytes of key material: a Buffer, or a string in base64 (44 characters) or hex (64). */
  key: string | Buffer;
}

export const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** The 32 key bytes of a configured key, or undefined when it is not 32 bytes in a known form. */
export function decodeEncryptionKey(key: unknown): Buffer | undefined {
  let bytes: Buffer | undefined;
  if (Buffer.isBuffer(key)) bytes = key;
  else if (typeof key === 'string') {
    const text = key.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  return bytes !== undefined && bytes.length === 32 ? bytes : undefined;
}
