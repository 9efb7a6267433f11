import { ActiveRecord, Column, ConfigurationError, ConnectionRegistry, Model, PrimaryKey } from 'nestjs-activerecord';
import { describePostgres, usePostgres } from './harness';

@Model({ table: 'prep_items' })
class Item extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @Column('integer', { nullable: true }) rank!: number | null;
}

type Prepared = { name: string; statement: string };

/**
 * Model statements run as named (server-side prepared) statements on each pooled connection;
 * raw SQL does not. One connection (pool.max 1) makes the server's list of them observable.
 */
describePostgres('prepared statements', () => {
  const pg = usePostgres({ pool: { max: 1 } }, [Item]);

  const prepared = () =>
    pg.connection.query<Prepared>('SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time');

  beforeEach(async () => {
    await Item.deleteAll();
    await pg.connection.execute('DEALLOCATE ALL');
  });

  it('prepares a model statement once per connection and reuses it', async () => {
    const ada = await Item.create({ name: 'Ada' });
    await Item.find(ada.id);
    await Item.find(ada.id);
    await Item.where({ name: 'Ada' }).all();
    await Item.where({ name: 'Ada' }).all();
    const statements = await prepared();
    expect(statements.map((s) => s.statement)).toEqual([
      expect.stringMatching(/^INSERT INTO "prep_items"/),
      expect.stringMatching(/^SELECT .* WHERE "id" = \$1$/),
      expect.stringMatching(/^SELECT .* WHERE "name" = \$1$/),
    ]);
    expect(new Set(statements.map((s) => s.name)).size).toBe(3);
  });

  it('leaves raw SQL unprepared', async () => {
    await pg.connection.query('SELECT $1::int AS one', [1]);
    expect(await prepared()).toEqual([]);
  });

  it('recovers when the statements were dropped behind its back (DEALLOCATE ALL)', async () => {
    const ada = await Item.create({ name: 'Ada' });
    expect((await Item.find(ada.id)).name).toBe('Ada');
    await pg.connection.execute('DEALLOCATE ALL');
    expect((await Item.find(ada.id)).name).toBe('Ada');
    await pg.connection.query('DISCARD ALL');
    expect((await Item.find(ada.id)).name).toBe('Ada');
  });

  it('prepares afresh after a column changes type under a prepared select', async () => {
    const ada = await Item.create({ name: 'Ada', rank: 3 });
    expect((await Item.find(ada.id)).rank).toBe(3);
    await pg.connection.execute('ALTER TABLE prep_items ALTER COLUMN rank TYPE bigint');
    try {
      // The prepared SELECT's result type changed: PostgreSQL refuses the old plan; the
      // statement runs again, freshly prepared (outside a transaction, that is safe).
      expect((await Item.find(ada.id)).rank).toBe(3);
      expect((await Item.where({ rank: 3 }).all()).map((item) => item.name)).toEqual(['Ada']);
    } finally {
      await pg.connection.execute('ALTER TABLE prep_items ALTER COLUMN rank TYPE integer');
    }
  });

  it('keeps a bounded number of statements per connection, deallocating the oldest', async () => {
    // Each distinct LIMIT is another statement text (limits are written into the SQL).
    for (let n = 1; n <= 230; n++) {
      await Item.where({ name: 'Ada' }).limit(n).all();
    }
    const statements = await prepared();
    expect(statements.length).toBeLessThanOrEqual(200);
    expect(statements.length).toBeGreaterThan(150);
    // The newest survive.
    expect(statements.some((s) => s.statement.endsWith('LIMIT 230'))).toBe(true);
    expect(statements.some((s) => s.statement.endsWith('LIMIT 1'))).toBe(false);
  });

  it('prepares nothing with preparedStatements: false (for poolers in transaction mode)', async () => {
    const registry = await ConnectionRegistry.open({
      connections: { main: { ...pg.options, pool: { max: 1 }, preparedStatements: false } },
      models: [Item],
      logger: pg.logger,
    });
    try {
      const db = registry.get('main');
      const ada = await registry.run(() => Item.create({ name: 'Ada' }));
      expect((await registry.run(() => Item.find(ada.id))).name).toBe('Ada');
      expect(await db.query('SELECT name FROM pg_prepared_statements')).toEqual([]);
    } finally {
      await registry.close();
    }
  });

  it('refuses a preparedStatements option that is not a boolean', async () => {
    await expect(
      ConnectionRegistry.open({ connections: { main: { ...pg.options, preparedStatements: 'no' as unknown as boolean } }, logger: pg.logger }),
    ).rejects.toThrow(ConfigurationError);
    await expect(
      ConnectionRegistry.open({ connections: { main: { ...pg.options, preparedStatements: 1 as unknown as boolean } }, logger: pg.logger }),
    ).rejects.toThrow('connections.main.preparedStatements must be true or false');
  });

  it('runs the same model statements inside transactions, on the transaction’s connection', async () => {
    await pg.connection.transaction(async () => {
      const ada = await Item.create({ name: 'Ada' });
      await Item.find(ada.id);
    });
    const names = (await prepared()).map((s) => s.statement);
    expect(names).toEqual([expect.stringMatching(/^INSERT/), expect.stringMatching(/^SELECT/)]);
    expect((await Item.all()).map((item) => item.name)).toEqual(['Ada']);
  });
});
