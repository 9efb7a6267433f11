import { ActiveRecord, Column, ConnectionError, Model, PrimaryKey, QueryError } from 'nestjs-activerecord';
import { describePostgres, usePostgres } from './harness';

@Model({ table: 'plan_readings' })
class Reading extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') score!: number;
  @Column() label!: string;
}

/** A model 100 columns wide, as wide tables of imported data are (decorators applied in a loop). */
class Wide extends ActiveRecord {}
const WIDTH = 100;
PrimaryKey({ type: 'integer' })(Wide.prototype, 'id');
for (let i = 0; i < WIDTH; i++) Column('string', { nullable: true })(Wide.prototype, `c${i}`);
Model({ table: 'plan_wide' })(Wide);

type Prepared = { name: string; statement: string; generic_plans: string };

/**
 * The cliffs of named (prepared) statements, on one pooled connection (pool.max 1) so that its
 * prepared statements can be inspected and EXPLAINed as they are cached.
 */
describePostgres('prepared statements keep good plans and stay prepared', () => {
  const pg = usePostgres({ pool: { max: 1 } }, [Reading, Wide]);
  const prepared = () => pg.connection.query<Prepared>('SELECT name, statement, generic_plans::text FROM pg_prepared_statements');

  beforeAll(async () => {
    // 100,000 rows; score = i * 7919 mod 100,000, so a score range of 200 matches ~200 rows
    // scattered over the whole table.
    await pg.connection.execute(
      `INSERT INTO plan_readings (score, label) SELECT (i * 7919) % 100000, 'r' || i FROM generate_series(1, 100000) AS i`,
    );
    await pg.connection.execute('CREATE INDEX plan_readings_score ON plan_readings (score)');
    await pg.connection.execute('ANALYZE plan_readings');
  });

  beforeEach(() => pg.connection.execute('DEALLOCATE ALL'));

  it('a paged range query still reads through the index after 10 runs (no generic plan guessing the LIMIT)', async () => {
    const page = () => Reading.where({ score: { between: [5000, 5199] } }).orderBy('id').limit(100).all();
    for (let run = 0; run < 10; run++) expect(await page()).toHaveLength(100);

    const statement = (await prepared()).find((s) => s.statement.includes('"plan_readings"'));
    expect(statement).toBeDefined();
    // The plan the cached statement runs now (after 5 runs PostgreSQL may switch to a generic one).
    const plan = await pg.connection.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${statement!.name}(5000, 5199)`);
    const text = plan.map((line) => line['QUERY PLAN']).join('\n');
    expect(text).toContain('plan_readings_score');
    expect(text).not.toMatch(/Index Scan using plan_readings_pkey/);
  });

  it('bulk inserts of a wide model go in chunks small enough to be prepared, and reuse them', async () => {
    const rows = Array.from({ length: 1000 }, (_, r) => Object.fromEntries(Array.from({ length: WIDTH }, (_, i) => [`c${i}`, `v${r}-${i}`])));
    expect(await Wide.insertAll(rows)).toBe(1000);
    expect(await Wide.count()).toBe(1000);
    const inserts = (await prepared()).filter((s) => s.statement.startsWith('INSERT INTO "plan_wide"'));
    // One statement for the full chunks (and at most one for the remainder), not one parse per chunk.
    expect(inserts.length).toBeGreaterThanOrEqual(1);
    expect(inserts.length).toBeLessThanOrEqual(2);
    const widest = Math.max(...inserts.map((s) => (s.statement.match(/\$/g) ?? []).length));
    expect(widest).toBeGreaterThanOrEqual(100 * WIDTH);
  });

  it('an IN list of 70,000 values is one array parameter, and prepared', async () => {
    const ids = Array.from({ length: 70_000 }, (_, i) => i + 1);
    expect(await Reading.where({ id: ids }).count()).toBe(70_000);
    expect(await Reading.where({ id: { notIn: ids } }).count()).toBe(30_000);
    const rows = await Reading.where({ id: ids.slice(0, 300) }).orderBy('id').all();
    expect(rows.map((r) => r.id)).toEqual(ids.slice(0, 300));
    expect((await prepared()).some((s) => s.statement.includes('= ANY($1)'))).toBe(true);
  });

  it('too many parameters in raw SQL is a QueryError (the statement), never a ConnectionError, and the connection stays usable', async () => {
    const n = 70_000;
    const placeholders = Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');
    const failure = await pg.connection.query(`SELECT 1 WHERE 1 IN (${placeholders})`, Array.from({ length: n }, (_, i) => i)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(QueryError);
    expect(failure).not.toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/70,000 bind parameters, more than the 65,535/);
    expect((failure as Error).message).toContain("connection 'main'");
    expect(await pg.connection.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });
});
