import { MysqlDialect, PostgresDialect, SqliteDialect } from 'nestjs-activerecord';
import { parseDefaultLiteral, parseIndexPredicate, referentialAction, typedDefault } from '../../lib/backend/catalog-reading';
import { normalizeCondition } from '../../lib/schema/generate/schema-diff';
import { writeMigration } from '../../lib/schema/generate/migration-writer';

describe('reading catalogs', () => {
  it('reads defaults as catalogs print them', () => {
    expect(parseDefaultLiteral("'placed'::character varying")).toBe('placed');
    expect(parseDefaultLiteral("'it''s'")).toBe("it's");
    expect(parseDefaultLiteral("(N'x')")).toBe('x');
    expect(parseDefaultLiteral('((0))')).toBe(0);
    expect(parseDefaultLiteral("'12.30'::numeric")).toBe('12.30');
    expect(parseDefaultLiteral('(-1)::integer')).toBe(-1);
    expect(parseDefaultLiteral('2.5')).toBe(2.5);
    expect(parseDefaultLiteral('9007199254740993')).toBe('9007199254740993');
    expect(parseDefaultLiteral('true')).toBe(true);
    expect(parseDefaultLiteral('NULL')).toBeNull();
    expect(parseDefaultLiteral("E'a\\\\b'")).toBe('a\\b');
    expect(parseDefaultLiteral("DATE '2024-01-01'")).toBe('2024-01-01');
    expect(parseDefaultLiteral('current_timestamp()')).toBeUndefined();
    expect(parseDefaultLiteral("nextval('s'::regclass)")).toBeUndefined();
    expect(parseDefaultLiteral(undefined)).toBeUndefined();
  });

  it('reads defaults back as the column type', () => {
    expect(typedDefault('bigint', '18')).toBe(18);
    expect(typedDefault('boolean', 1)).toBe(true);
    expect(typedDefault('boolean', '0')).toBe(false);
    expect(typedDefault('string', '18')).toBe('18');
    expect(typedDefault('bigint', '9007199254740993')).toBe('9007199254740993');
  });

  it('reads simple partial index conditions, and gives up on others', () => {
    expect(parseIndexPredicate('(deleted_at IS NULL)')).toEqual({ deleted_at: null });
    expect(parseIndexPredicate('("deleted_at" IS NOT NULL) AND ((status)::text = \'active\'::text)')).toBeUndefined();
    expect(parseIndexPredicate('"deleted_at" IS NOT NULL AND "status" = \'active\'')).toEqual({ deleted_at: { not: null }, status: 'active' });
    expect(parseIndexPredicate('([pinned]=(1))')).toEqual({ pinned: 1 });
    expect(parseIndexPredicate('(status <> \'gone\'::text)')).toEqual({ status: { not: 'gone' } });
    expect(parseIndexPredicate('lower(name) = \'x\'')).toBeUndefined();
  });

  it('compares conditions without quoting, casts, parentheses or case', () => {
    expect(normalizeCondition('("written_at" IS NOT NULL)')).toBe(normalizeCondition('written_at IS NOT NULL'));
    expect(normalizeCondition("((status)::text = 'a'::text)")).toBe(normalizeCondition(`"status" = 'a'`));
    expect(normalizeCondition("[s] = N'a'")).toBe(normalizeCondition(`"s" = 'a'`));
  });

  it('reads referential actions in every spelling', () => {
    expect(['CASCADE', 'c', 'SET_NULL', 'n', 'RESTRICT', 'NO ACTION', 'a', undefined].map(referentialAction)).toEqual([
      'cascade',
      'cascade',
      'set null',
      'set null',
      'restrict',
      'no action',
      'no action',
      'no action',
    ]);
  });
});

describe('DDL the other dialects refuse', () => {
  it('MySQL/MariaDB: a partial unique index is refused, a partial plain one indexes every row', () => {
    const ddl = new MysqlDialect().schemaSupport().ddl;
    expect(() => ddl.compile({ kind: 'addIndex', table: 't', index: { name: 'ux', columns: ['a'], unique: true, where: { b: null } } })).toThrow(
      /mysql has no partial indexes, and a unique index over every row would refuse rows the condition exempts/,
    );
    expect(ddl.compile({ kind: 'addIndex', table: 't', index: { name: 'ix', columns: ['a'], unique: false, where: { b: null } } })).toEqual(['CREATE INDEX `ix` ON `t` (`a`)']);
  });

  it('PostgreSQL and SQLite write partial indexes with literals escaped by the dialect', () => {
    const index = { name: 'ix', columns: ['a'], unique: true, where: { note: "it's", flag: true, gone: { not: null } } } as const;
    expect(new PostgresDialect().schemaSupport().ddl.compile({ kind: 'addIndex', table: 't', index })).toEqual([
      `CREATE UNIQUE INDEX "ix" ON "t" ("a") WHERE "note" = 'it''s' AND "flag" = TRUE AND "gone" IS NOT NULL`,
    ]);
    expect(new SqliteDialect().schemaSupport().ddl.compile({ kind: 'addIndex', table: 't', index })).toEqual([
      `CREATE UNIQUE INDEX "ix" ON "t" ("a") WHERE "note" = 'it''s' AND "flag" = 1 AND "gone" IS NOT NULL`,
    ]);
  });
});

describe('generated migration files', () => {
  it('keep names from the database from ending a comment or a string', () => {
    const source = writeMigration(
      {
        up: [{ kind: 'operation', operation: { kind: 'dropTable', table: "x */ process.exit(1); /* '\n" }, review: 'REVIEW: drops x */ y\nz' }],
        down: [{ kind: 'note', text: 'by hand */ evil()' }],
        notes: ['Table a*/b exists'],
        reviews: 1,
      },
      { language: 'ts', header: ['header */ line'] },
    );
    const commentLines = source.split('\n').filter((line) => /^\s*(\/\/|\*(?!\/))/.test(line));
    expect(commentLines.filter((line) => line.includes('*/'))).toEqual([]);
    expect(source).toContain("await schema.dropTable('x */ process.exit(1); /* \\'\\n');");
    expect(source).toContain('// REVIEW: drops x * / y z');
    // It still compiles as TypeScript.
    const ts = require('typescript') as typeof import('typescript');
    const { diagnostics } = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: {} });
    expect(diagnostics).toEqual([]);
  });
});
