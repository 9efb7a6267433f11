import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, QueryError, ValidationError } from 'nestjs-activerecord';
import { RecordingLogger, describePostgres, uniqueAppName, usePostgres, withAdmin } from './harness';
import { PG_URL, quoteIdent } from './target';

@Model({ table: 'victims' })
class Victim extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Model({ table: 'evil"; DROP TABLE victims; --' })
class Evil extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ name: 'v"), (1, 2); DELETE FROM victims; --' }) value!: string;
}

const PAYLOADS = [
  "'; DROP TABLE victims; --",
  "' OR '1'='1",
  '$1',
  '$2::text); DROP TABLE victims; --',
  "\\'; DELETE FROM victims; --",
  "E'\\x27'",
  '"; DROP SCHEMA public CASCADE; --',
  "$$; DROP TABLE victims; $$",
  "$tag$ ; DROP TABLE victims; $tag$",
];

/** Tables that exist, by schema, to prove nothing but what was asked for happened. */
const tablesIn = (schema: string) =>
  withAdmin(async (client) => {
    const { rows } = await client.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    return rows.map((row) => row.name);
  });

describePostgres('hostile values and identifiers', () => {
  const pg = usePostgres({}, [Victim, Evil]);

  beforeEach(async () => {
    await Victim.deleteAll();
    await Victim.create({ name: 'bystander' });
  });

  it('binds hostile values everywhere: models, raw SQL, LIMIT, streams', async () => {
    for (const payload of PAYLOADS) {
      const victim = await Victim.create({ name: payload });
      expect((await Victim.find(victim.id)).name).toBe(payload);
      expect(await Victim.where({ name: payload }).count()).toBe(1);
      expect(await Victim.where({ name: { like: payload } }).count()).toBeLessThanOrEqual(1);
      expect(await pg.connection.query('SELECT "name" FROM "victims" WHERE "name" = $1', [payload])).toEqual([{ name: payload }]);
      const streamed: string[] = [];
      for await (const row of Victim.where({ name: [payload, 'bystander'] }).orderBy('id').stream({ batchSize: 1 })) streamed.push(row.name);
      expect(streamed).toEqual(['bystander', payload]);
    }
    expect(await Victim.count()).toBe(PAYLOADS.length + 1);
    await expect(pg.connection.query('SELECT 1 LIMIT $1', ['1; DROP TABLE victims'])).rejects.toBeInstanceOf(QueryError);
    expect(await tablesIn(pg.schema)).toEqual(['evil"; DROP TABLE victims; --', 'victims']);
  });

  it('refuses a NUL character in text instead of storing a truncated value', async () => {
    const error = await Victim.create({ name: 'before\u0000after' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).not.toContain('before');
    expect(await Victim.where({ name: { like: 'before%' } }).count()).toBe(0);
  });

  it('quotes hostile table and column names in DDL, DML and streams', async () => {
    const row = await Evil.create({ value: 'x' });
    expect((await Evil.find(row.id)).value).toBe('x');
    for await (const found of Evil.stream({ batchSize: 1 })) expect(found.value).toBe('x');
    await Evil.where({ value: 'x' }).updateAll({ value: 'y' });
    expect(await Evil.where({ value: 'y' }).count()).toBe(1);
    expect(await Victim.count()).toBe(1);
  });

  it('takes a hostile schema name literally: tables land in that schema and nowhere else', async () => {
    const schema = `ar_evil", public; DROP TABLE x; -- \\ '${process.pid}`;
    await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE; CREATE SCHEMA ${quoteIdent(schema)}`));
    const registry = await ConnectionRegistry.open({
      connections: { evil: { backend: 'postgres', url: PG_URL, schema, applicationName: uniqueAppName() } },
      logger: new RecordingLogger(),
    });
    try {
      const evil = registry.get('evil');
      expect(await evil.query('SELECT current_schemas(false) AS path')).toEqual([{ path: `{"${schema.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"}` }]);
      await evil.execute('CREATE TABLE "landed" ("id" INTEGER)');
      expect(await tablesIn(schema)).toEqual(['landed']);
      expect(await tablesIn('public')).not.toContain('landed');
    } finally {
      await registry.close();
      await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
    }
  });
});
