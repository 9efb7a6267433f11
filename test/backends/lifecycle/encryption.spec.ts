import { randomBytes } from 'node:crypto';
import {
  ActiveRecord,
  Column,
  ConfigurationError,
  ConnectionRegistry,
  DecryptionError,
  Model,
  PrimaryKey,
  ValidationError,
  type BackendLogger,
  type EncryptionOptions,
  type ReencryptProgress,
} from 'nestjs-activerecord';
import { describeBackends } from '../../support/describe-backends';

@Model({ table: 'life_secrets' })
class Secret extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 20 }) label!: string;
  @Column('string', { encrypted: true, length: 20 }) ssn!: string;
  @Column('string', { encrypted: { deterministic: true }, length: 60, validate: { uniqueness: true } }) email!: string;
  @Column('text', { encrypted: true, nullable: true }) notes!: string | null;
}

const k1 = { id: 'k1', key: randomBytes(32).toString('base64') };
const k2 = { id: 'k2', key: randomBytes(32).toString('hex') };
const SECRET_SSN = '123-45-6789';
const SECRET_EMAIL = 'ada@example.com';

/** Captures everything logged (SQL included: logging is on). */
const logged: string[] = [];
const capture: BackendLogger = {
  log: (message) => void logged.push(message),
  warn: (message) => void logged.push(message),
  error: (message) => void logged.push(message),
  debug: (message) => void logged.push(message),
};

describeBackends(
  'encrypted columns',
  { models: [Secret], registry: { encryption: { keys: [k1] } }, connection: { logging: true }, logger: capture },
  (context) => {
    const raw = async (column: 'ssn' | 'email' | 'notes', id: number): Promise<string> => {
      const rows = await context.registry.get().query(`SELECT ${column} AS v FROM life_secrets WHERE id = ${Number(id)}`);
      return rows[0]!.v as string;
    };

    /** Another application on the same database with other keys, `work` running in its scope; closed after. */
    async function withKeys<T>(encryption: EncryptionOptions, work: () => Promise<T>): Promise<T> {
      const other = await ConnectionRegistry.open({ connections: { main: context.options }, models: [Secret], encryption, logger: capture });
      try {
        return await other.run(work);
      } finally {
        await other.close();
      }
    }

    // A second application on the same database: an in-memory SQLite database is private to its connection.
    const itShared = context.target.name === 'sqlite-memory' ? it.skip : it;

    beforeEach(async () => {
      await Secret.deleteAll();
      logged.length = 0;
    });

    it('stores ciphertext with its key id, reads plaintext back everywhere', async () => {
      const secret = await Secret.create({ label: 'a', ssn: SECRET_SSN, email: SECRET_EMAIL, notes: 'long '.repeat(1000) });
      expect(secret.ssn).toBe(SECRET_SSN);
      const stored = await raw('ssn', secret.id);
      expect(stored.startsWith('$ar1:k1:')).toBe(true);
      expect(stored).not.toContain(SECRET_SSN);
      expect((await Secret.find(secret.id)).ssn).toBe(SECRET_SSN);
      expect((await Secret.find(secret.id)).notes).toBe('long '.repeat(1000));
      expect(await Secret.pluck('email')).toEqual([SECRET_EMAIL]);
      for await (const streamed of Secret.stream()) expect(streamed.ssn).toBe(SECRET_SSN);
      // Saving unchanged values writes nothing; a change is encrypted again.
      await secret.save();
      expect(await raw('ssn', secret.id)).toBe(stored);
      secret.ssn = '987-65-4321';
      await secret.save();
      expect((await Secret.find(secret.id)).ssn).toBe('987-65-4321');
    });

    it('random encryption never repeats; deterministic encryption does, so where() finds values', async () => {
      const a = await Secret.create({ label: 'a', ssn: SECRET_SSN, email: 'a@example.com' });
      const b = await Secret.create({ label: 'b', ssn: SECRET_SSN, email: 'b@example.com' });
      expect(await raw('ssn', a.id)).not.toBe(await raw('ssn', b.id));
      expect((await Secret.findBy({ email: 'b@example.com' }))?.id).toBe(b.id);
      expect(await Secret.where({ email: ['a@example.com', 'b@example.com'] }).count()).toBe(2);
      expect(await Secret.where({ email: { ne: 'a@example.com' } }).pluck('label')).toEqual(['b']);
      await expect(Secret.create({ label: 'c', ssn: '1', email: 'a@example.com' })).rejects.toThrow(/email has already been taken/);
    });

    it('refuses searches an encrypted column cannot answer', () => {
      expect(() => Secret.where({ ssn: SECRET_SSN })).toThrow(ValidationError);
      expect(() => Secret.where({ ssn: SECRET_SSN })).toThrow(/cannot be searched/);
      expect(() => Secret.where({ email: { like: 'a%' } })).toThrow(/only be compared for equality/);
      expect(() => Secret.where({ email: { gt: 'a' } })).toThrow(/only be compared for equality/);
    });

    it('the plaintext length limit applies, and its message holds no value', async () => {
      const error = await Secret.create({ label: 'a', ssn: 'x'.repeat(21) + SECRET_SSN, email: SECRET_EMAIL }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain('ssn is longer than 20 characters');
      expect((error as Error).message).not.toContain(SECRET_SSN);
    });

    it('insertAll and updateAll encrypt too', async () => {
      await Secret.insertAll([
        { label: 'a', ssn: '1', email: 'a@example.com' },
        { label: 'b', ssn: '2', email: 'b@example.com' },
      ]);
      await Secret.where({ email: 'a@example.com' }).updateAll({ ssn: SECRET_SSN });
      const a = await Secret.findBy({ email: 'a@example.com' });
      expect(a?.ssn).toBe(SECRET_SSN);
      expect(await raw('ssn', a!.id)).not.toContain(SECRET_SSN);
    });

    it('never puts a value in the logs', async () => {
      await Secret.create({ label: 'logged', ssn: SECRET_SSN, email: SECRET_EMAIL });
      await Secret.findBy({ email: SECRET_EMAIL });
      await Secret.where({ email: SECRET_EMAIL }).updateAll({ ssn: SECRET_SSN });
      expect(logged.join('\n')).toContain('life_secrets');
      expect(logged.join('\n')).not.toContain(SECRET_SSN);
      expect(logged.join('\n')).not.toContain(SECRET_EMAIL);
    });

    itShared('rotates keys: old keys decrypt, the first encrypts, reencrypt() moves rows with progress', async () => {
      for (let i = 0; i < 7; i++) await Secret.create({ label: `r${i}`, ssn: `ssn-${i}`, email: `u${i}@example.com` });
      await withKeys({ keys: [k2, k1] }, async () => {
        // Old rows read; new writes use k2; deterministic lookups match values under either key.
        expect((await Secret.findBy({ email: 'u3@example.com' }))?.ssn).toBe('ssn-3');
        const fresh = await Secret.create({ label: 'new', ssn: 'ssn-new', email: 'new@example.com' });
        expect((await raw('ssn', fresh.id)).startsWith('$ar1:k2:')).toBe(true);
        await expect(Secret.create({ label: 'dup', ssn: 'x', email: 'u1@example.com' })).rejects.toBeInstanceOf(ValidationError);

        const progress: ReencryptProgress[] = [];
        const report = await Secret.reencrypt({ batchSize: 3, onProgress: (step) => void progress.push(step) });
        expect(report).toMatchObject({ model: 'Secret', total: 8, scanned: 8, reencrypted: 7, skipped: 0, keyId: 'k2' });
        expect(progress.map((step) => step.scanned)).toEqual([3, 6, 8]);
        expect(progress[progress.length - 1]!.reencrypted).toBe(7);
        expect((await Secret.reencrypt()).reencrypted).toBe(0);
      });
      // With only k2 left, everything still reads.
      await withKeys({ keys: [k2] }, async () => {
        expect((await Secret.all()).map((secret) => secret.ssn).sort()).toEqual([...Array.from({ length: 7 }, (_, i) => `ssn-${i}`), 'ssn-new'].sort());
        expect((await Secret.findBy({ email: 'u6@example.com' }))?.label).toBe('r6');
      });
    });

    itShared('reencrypt never overwrites a concurrent change', async () => {
      const rows = await Promise.all(
        Array.from({ length: 20 }, (_, i) => Secret.create({ label: `c${i}`, ssn: `old-${i}`, email: `c${i}@example.com` })),
      );
      await withKeys({ keys: [k2, k1] }, async () => {
        const edits = (async () => {
          for (const row of rows) {
            const fresh = await Secret.find(row.id);
            fresh.ssn = `new-${fresh.label}`;
            await fresh.save();
          }
        })();
        const report = await Secret.reencrypt({ batchSize: 4 });
        await edits;
        expect(report.reencrypted + report.skipped).toBeLessThanOrEqual(20);
        const after = await Secret.all();
        expect(after.map((secret) => secret.ssn).sort()).toEqual(rows.map((row) => `new-${row.label}`).sort());
      });
    });

    itShared('a tampered value or a wrong key is a DecryptionError naming model, column and key id', async () => {
      const secret = await Secret.create({ label: 't', ssn: SECRET_SSN, email: SECRET_EMAIL });
      const stored = await raw('ssn', secret.id);
      const flipped = stored.slice(0, -6) + (stored.slice(-6, -5) === 'A' ? 'B' : 'A') + stored.slice(-5);
      await context.registry.get().execute(`UPDATE life_secrets SET ssn = '${flipped.replace(/'/g, "''")}' WHERE id = ${secret.id}`);
      const error = await Secret.find(secret.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecryptionError);
      expect(error).toMatchObject({ model: 'Secret', field: 'ssn', keyId: 'k1' });
      expect((error as Error).message).toMatch(/Secret\.ssn \(key 'k1'\)/);
      expect((error as Error).message).not.toContain(SECRET_SSN);

      await Secret.deleteAll();
      await Secret.create({ label: 'w', ssn: SECRET_SSN, email: SECRET_EMAIL });
      await withKeys({ keys: [{ id: 'k1', key: randomBytes(32) }] }, async () => {
        await expect(Secret.all()).rejects.toMatchObject({ name: 'DecryptionError', keyId: 'k1', field: 'ssn' });
      });
      await withKeys({ keys: [k2] }, async () => {
        await expect(Secret.all()).rejects.toThrow(/key 'k1'.*no key with this id is configured/);
      });
    });

    it('refuses bad key configuration at startup, without quoting the key', async () => {
      const short = randomBytes(16).toString('base64');
      const attempt = ConnectionRegistry.open({ connections: { main: context.options }, encryption: { keys: [{ id: 'k1', key: short }] } });
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).field).toBe('encryption.keys[0].key');
      expect((error as Error).message).not.toContain(short);
      await expect(
        ConnectionRegistry.open({ connections: { main: context.options }, encryption: { keys: [k1, { ...k2, id: 'k1' }] } }),
      ).rejects.toThrow(/repeats the id 'k1'/);
    });
  },
);
