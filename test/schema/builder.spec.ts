import type { ConnectionRegistry, TableSchema } from 'nestjs-activerecord';
import { describeSchemaTargets, migration, shapeOf } from './harness';

/**
 * Every schema builder operation, live, one migration each, with rows in the tables throughout:
 * migrate step by step (checking the schema and that the rows survived each change), roll
 * everything back step by step (checking again), and migrate once more.
 */
const STEPS: Array<{ id: string; up: string; down: string }> = [
  {
    id: '20250101000001_create_tables',
    up: `
  await schema.createTable('people', (t) => {
    t.primaryKey('id');
    t.string('name', { length: 100 });
    t.string('email', { nullable: true, unique: true });
    t.integer('age', { nullable: true, default: 0 });
    t.string('nickname', { nullable: true });
  });
  await schema.createTable('notes', (t) => {
    t.primaryKey('id');
    t.integer('person_id', { references: { table: 'people', onDelete: 'cascade' } });
    t.string('title');
    t.text('body', { nullable: true });
    t.boolean('pinned', { default: false });
    t.decimal('score', { precision: 6, scale: 2, nullable: true });
    t.datetime('written_at', { nullable: true });
    t.json('meta', { nullable: true });
    t.index(['person_id', 'written_at']);
  });
  await schema.createTable('tags', (t) => {
    t.primaryKey('id');
    t.integer('note_id');
    t.string('label', { length: 40 });
  });`,
    down: `
  await schema.dropTable('tags');
  await schema.dropTable('notes');
  await schema.dropTable('people');`,
  },
  {
    id: '20250101000002_add_columns',
    up: `
  await schema.addColumn('people', 'city', 'string', { length: 80, nullable: true });
  await schema.addColumn('people', 'visits', 'integer', { default: 0 });
  await schema.addColumn('people', 'handle', 'string', { length: 40, nullable: true, unique: true });
  await schema.addColumn('notes', 'views', 'bigint', { default: 0, index: true });`,
    down: `
  await schema.dropColumn('notes', 'views');
  await schema.dropColumn('people', 'handle');
  await schema.dropColumn('people', 'visits');
  await schema.dropColumn('people', 'city');`,
  },
  {
    id: '20250101000003_alter_columns',
    up: `
  await schema.alterColumn('people', 'name', 'string', { length: 200, nullable: true });
  await schema.alterColumn('notes', 'score', 'decimal', { precision: 9, scale: 3, nullable: true });
  await schema.alterColumn('people', 'age', 'bigint', { nullable: true, default: 18 });`,
    down: `
  await schema.alterColumn('people', 'age', 'integer', { nullable: true, default: 0 });
  await schema.alterColumn('notes', 'score', 'decimal', { precision: 6, scale: 2, nullable: true });
  await schema.alterColumn('people', 'name', 'string', { length: 100 });`,
  },
  {
    id: '20250101000004_rename_column',
    up: `  await schema.renameColumn('notes', 'title', 'headline');`,
    down: `  await schema.renameColumn('notes', 'headline', 'title');`,
  },
  {
    id: '20250101000005_drop_column',
    up: `  await schema.dropColumn('people', 'nickname');`,
    down: `  await schema.addColumn('people', 'nickname', 'string', { nullable: true });`,
  },
  {
    id: '20250101000006_add_index',
    up: `
  await schema.addIndex('notes', ['pinned', 'written_at'], { where: { written_at: { not: null } } });
  await schema.addIndex('tags', ['note_id', 'label'], { unique: true, name: 'ux_tags_label' });`,
    down: `
  await schema.dropIndex('tags', 'ux_tags_label');
  await schema.dropIndex('notes', 'ix_notes_pinned_written_at');`,
  },
  {
    id: '20250101000007_drop_index',
    up: `  await schema.dropIndex('notes', 'ix_notes_person_id_written_at');`,
    down: `  await schema.addIndex('notes', ['person_id', 'written_at']);`,
  },
  {
    id: '20250101000008_add_foreign_key',
    up: `  await schema.addForeignKey('tags', 'note_id', { table: 'notes', onDelete: 'cascade' });`,
    down: `  await schema.dropForeignKey('tags', 'fk_tags_note_id');`,
  },
  {
    id: '20250101000009_drop_foreign_key',
    up: `  await schema.dropForeignKey('notes', { column: 'person_id' });`,
    down: `  await schema.addForeignKey('notes', 'person_id', { table: 'people', onDelete: 'cascade' });`,
  },
  {
    id: '20250101000010_rename_table',
    up: `  await schema.renameTable('tags', 'labels');`,
    down: `  await schema.renameTable('labels', 'tags');`,
  },
  {
    id: '20250101000011_raw_execute',
    up: `
  const q = (n: number) => (schema.dialect === 'postgres' ? '$' + n : schema.dialect === 'mssql' ? '@p' + n : schema.dialect === 'oracle' ? ':' + n : '?');
  const people = schema.dialect === 'mysql' || schema.dialect === 'mariadb' ? '\`people\`' : '"people"';
  await schema.execute('UPDATE ' + people + ' SET city = ' + q(1) + ' WHERE city IS NULL', ['Nowhere']);`,
    down: `
  const q = (n: number) => (schema.dialect === 'postgres' ? '$' + n : schema.dialect === 'mssql' ? '@p' + n : schema.dialect === 'oracle' ? ':' + n : '?');
  const people = schema.dialect === 'mysql' || schema.dialect === 'mariadb' ? '\`people\`' : '"people"';
  await schema.execute('UPDATE ' + people + ' SET city = NULL WHERE city = ' + q(1), ['Nowhere']);`,
  },
  {
    id: '20250101000012_drop_table',
    up: `  await schema.dropTable('labels');`,
    down: `
  await schema.createTable('labels', (t) => {
    t.primaryKey('id');
    t.integer('note_id', { references: { table: 'notes', onDelete: 'cascade', name: 'fk_tags_note_id' } });
    t.string('label', { length: 40 });
    t.index(['note_id', 'label'], { unique: true, name: 'ux_tags_label' });
  });`,
  },
];

describeSchemaTargets('schema builder: every operation, up and down, with data', (context) => {
  let registry: ConnectionRegistry;
  const table = async (name: string): Promise<TableSchema | undefined> => (await registry.schema.introspect('main')).tables.find((t) => t.name === name);
  const userTables = async () => (await registry.schema.introspect('main')).tables.map((t) => t.name).filter((n) => !n.startsWith('ar_'));
  const q = (sql: string) => {
    const dialect = registry.get('main').dialect;
    return sql.replace(/"(\w+)"/g, (_, name: string) => dialect.quoteIdentifier(name));
  };
  const count = async (name: string) => Number((await registry.get('main').query(q(`SELECT COUNT(*) AS "n" FROM "${name}"`)))[0]!.n);

  beforeAll(async () => {
    registry = await context.open();
  });

  it('applies one migration at a time with rows in the tables, rolls each back, and applies them all again', async () => {
    const main = registry.get('main');
    const migrator = registry.schema.migrations;
    const ids = STEPS.map((s) => s.id);

    context.write(STEPS[0]!.id, migration(STEPS[0]!.up, STEPS[0]!.down));
    expect((await migrator.migrate()).connections[0]!.done.map((d) => d.id)).toEqual([ids[0]]);
    await main.execute(q(`INSERT INTO "people" ("name", "email", "age") VALUES ('Ada', 'ada@example.com', 36)`));
    await main.execute(q(`INSERT INTO "people" ("name", "email", "age") VALUES ('Grace', NULL, 45)`));
    const ada = Number((await main.query(q(`SELECT "id" FROM "people" WHERE "name" = 'Ada'`)))[0]!.id);
    await main.execute(q(`INSERT INTO "notes" ("person_id", "title", "pinned", "score") VALUES (${ada}, 'first', ${main.dialect.name === 'postgres' ? 'TRUE' : '1'}, 12.5)`));
    const note = Number((await main.query(q(`SELECT "id" FROM "notes"`)))[0]!.id);
    await main.execute(q(`INSERT INTO "tags" ("note_id", "label") VALUES (${note}, 'a')`));
    await main.execute(q(`INSERT INTO "tags" ("note_id", "label") VALUES (${note}, 'b')`));

    for (let step = 1; step < STEPS.length; step++) {
      context.write(STEPS[step]!.id, migration(STEPS[step]!.up, STEPS[step]!.down));
      const report = await migrator.migrate();
      expect(report.connections[0]!.done.map((d) => d.id)).toEqual([ids[step]]);
      expect(await count('people')).toBe(2);
      expect(await count('notes')).toBe(1);
      if (step < 11) expect(await count(step >= 9 ? 'labels' : 'tags')).toBe(2);
    }

    const people = shapeOf(await table('people'))!;
    expect(people.columns.map((c) => c.name)).toEqual(['id', 'name', 'email', 'age', 'city', 'visits', 'handle']);
    expect(people.columns.find((c) => c.name === 'name')).toMatchObject({ nullable: true, type: context.target.name.startsWith('sqlite') ? 'text' : 'string' });
    expect(people.columns.find((c) => c.name === 'age')).toMatchObject({ nullable: true, default: 18, type: context.target.name.startsWith('sqlite') ? 'integer' : 'bigint' });
    expect(people.columns.find((c) => c.name === 'visits')).toMatchObject({ nullable: false, default: 0 });
    expect((await table('people'))!.indexes.find((i) => i.columns.join() === 'handle')).toMatchObject({ unique: true });
    const notes = shapeOf(await table('notes'))!;
    expect(notes.columns.map((c) => c.name)).toEqual(['id', 'person_id', 'headline', 'body', 'pinned', 'score', 'written_at', 'meta', 'views']);
    expect(notes.foreignKeys).toEqual([]);
    expect(notes.indexes.map((i) => i.name)).toEqual(expect.arrayContaining(['ix_notes_pinned_written_at', 'ix_notes_views']));
    expect(notes.indexes.map((i) => i.name)).not.toContain('ix_notes_person_id_written_at');
    expect(await userTables()).toEqual(['notes', 'people']);
    const rows = await main.query(q(`SELECT "name", "city", "age" FROM "people" ORDER BY "name"`));
    expect(rows.map((r) => [r.name, r.city, Number(r.age)])).toEqual([
      ['Ada', 'Nowhere', 36],
      ['Grace', 'Nowhere', 45],
    ]);

    // All the way down, one at a time; the rows survive every down() that keeps their table.
    for (let step = STEPS.length - 1; step >= 1; step--) {
      const report = await migrator.rollback();
      expect(report.connections[0]!.done.map((d) => d.id)).toEqual([ids[step]]);
      expect(await count('people')).toBe(2);
      expect(await count('notes')).toBe(1);
    }
    const original = shapeOf(await table('notes'))!;
    expect(original.columns.map((c) => c.name)).toEqual(['id', 'person_id', 'title', 'body', 'pinned', 'score', 'written_at', 'meta']);
    expect(original.foreignKeys).toEqual([{ columns: ['person_id'], table: 'people', onDelete: 'cascade' }]);
    expect(original.indexes.map((i) => i.name)).toEqual(['ix_notes_person_id_written_at']);
    expect(shapeOf(await table('people'))!.columns.map((c) => c.name)).toEqual(['id', 'name', 'email', 'age', 'nickname']);
    expect(shapeOf(await table('tags'))!.foreignKeys).toEqual([]);
    expect(await count('tags')).toBe(0); // labels was dropped by step 12 and recreated empty by its down()
    const back = await main.query(q(`SELECT "name", "city" FROM "people" ORDER BY "name"`)).catch(() => undefined);
    expect(back).toBeUndefined(); // city is gone again
    // The cascade restored by a down() works.
    await main.execute(q(`DELETE FROM "people" WHERE "name" = 'Ada'`));
    expect(await count('notes')).toBe(0);
    await migrator.rollback();
    expect(await userTables()).toEqual([]);

    // And every migration again, in one run.
    const again = await migrator.migrate();
    expect(again.connections[0]!.done.map((d) => d.id)).toEqual(ids);
    expect(await userTables()).toEqual(['notes', 'people']);
  });
});
