import { MssqlDialect, type SchemaOperation, type TableSchema } from 'nestjs-activerecord';
import { MssqlIntrospector } from '../../lib/backend/mssql/introspection';

/**
 * Golden DDL and introspection for SQL Server, which has no server here: the statements each
 * schema operation compiles to, the catalog queries introspection sends, and how sys.* rows
 * (given as data) read back as the library's schema.
 */
describe('SQL Server schema support', () => {
  const dialect = new MssqlDialect();
  const support = dialect.schemaSupport();
  const ddl = support.ddl;
  const compile = (operation: SchemaOperation) => ddl.compile(operation, ddl.needsCurrentTable(operation) ? CURRENT : undefined);
  const column = (extra: object) => ({ nullable: true, primary: false, autoIncrement: false, unique: false, ...extra }) as never;

  const CURRENT: TableSchema = {
    name: 'books',
    columns: [
      { name: 'id', type: 'integer', nativeType: 'INT', nullable: false, autoIncrement: true },
      { name: 'title', type: 'string', nativeType: 'NVARCHAR(255)', nullable: false, length: 255, default: 'untitled', defaultSql: "(N'untitled')", autoIncrement: false, constraints: ['DF__books__title__1A2B'] },
      { name: 'meta', type: 'json', nativeType: 'NVARCHAR(MAX)', nullable: true, autoIncrement: false, constraints: ['CK__books__meta__3C4D'] },
      { name: 'author_id', type: 'integer', nativeType: 'INT', nullable: false, autoIncrement: false },
    ],
    primaryKey: ['id'],
    indexes: [
      { name: 'ix_books_title', columns: ['title'], unique: false, constraint: false, implicit: false, definition: 'CREATE INDEX [ix_books_title] ON [books] ([title])' },
      { name: 'UQ__books__isbn', columns: ['isbn'], unique: true, constraint: true, implicit: false },
      { name: 'ix_books_author_title', columns: ['author_id', 'title'], unique: false, constraint: false, implicit: false, definition: 'CREATE INDEX [ix_books_author_title] ON [books] ([author_id], [title])' },
    ],
    foreignKeys: [{ name: 'fk_books_author_id', columns: ['author_id'], referencedTable: 'authors', referencedColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action' }],
  };

  it('runs each migration in a transaction (SQL Server DDL is transactional) under a lock row', () => {
    expect(support.transactionalDdl).toBe(true);
    expect(support.lock).toEqual({ kind: 'row' });
    expect(ddl.partialIndexes).toBe(true);
  });

  it('creates a table with named foreign keys, a filtered index for a nullable unique column, and its indexes', () => {
    expect(
      compile({
        kind: 'createTable',
        table: {
          name: 'books',
          columns: [
            { name: 'id', type: 'integer', nullable: false, primary: true, autoIncrement: true, unique: false },
            { name: 'title', type: 'string', nullable: false, primary: false, autoIncrement: false, unique: false, length: 200, default: "it's" },
            { name: 'isbn', type: 'string', nullable: true, primary: false, autoIncrement: false, unique: true, length: 20 },
            { name: 'published', type: 'boolean', nullable: false, primary: false, autoIncrement: false, unique: false, default: false },
            { name: 'meta', type: 'json', nullable: true, primary: false, autoIncrement: false, unique: false },
            {
              name: 'author_id',
              type: 'integer',
              nullable: false,
              primary: false,
              autoIncrement: false,
              unique: false,
              references: { table: 'authors', column: 'id', onDelete: 'cascade', name: 'fk_books_author_id' },
            },
          ],
          indexes: [{ name: 'ix_books_published', columns: ['published'], unique: false, where: { deleted_at: null, published: true } }],
        },
      }),
    ).toEqual([
      'CREATE TABLE [books] (\n' +
        '  [id] INT IDENTITY(1,1) PRIMARY KEY,\n' +
        "  [title] NVARCHAR(200) NOT NULL DEFAULT N'it''s',\n" +
        '  [isbn] NVARCHAR(20) NULL,\n' +
        '  [published] BIT NOT NULL DEFAULT 0,\n' +
        '  [meta] NVARCHAR(MAX) NULL CHECK (ISJSON([meta]) = 1),\n' +
        '  [author_id] INT NOT NULL,\n' +
        '  CONSTRAINT [fk_books_author_id] FOREIGN KEY ([author_id]) REFERENCES [authors] ([id]) ON DELETE CASCADE\n' +
        ');\n' +
        'CREATE UNIQUE INDEX [UX_books_isbn] ON [books] ([isbn]) WHERE [isbn] IS NOT NULL',
      'CREATE INDEX [ix_books_published] ON [books] ([published]) WHERE [deleted_at] IS NULL AND [published] = 1',
    ]);
  });

  it('compiles every other operation, dropping what holds on to a column by name first', () => {
    expect(compile({ kind: 'dropTable', table: 'books' })).toEqual(['DROP TABLE [books]']);
    expect(compile({ kind: 'renameTable', table: 'books', to: 'volumes' })).toEqual(["EXEC sp_rename N'[books]', N'volumes'"]);
    expect(compile({ kind: 'addColumn', table: 'books', column: column({ name: 'rating', type: 'decimal', precision: 4, scale: 1 }) })).toEqual([
      'ALTER TABLE [books] ADD [rating] DECIMAL(4, 1) NULL',
    ]);
    expect(compile({ kind: 'addColumn', table: 'books', column: column({ name: 'code', type: 'string', length: 12, unique: true }) })).toEqual([
      'ALTER TABLE [books] ADD [code] NVARCHAR(12) NULL',
      'CREATE UNIQUE INDEX [ux_books_code] ON [books] ([code]) WHERE [code] IS NOT NULL',
    ]);
    expect(
      compile({
        kind: 'addColumn',
        table: 'books',
        column: column({ name: 'editor_id', type: 'integer', references: { table: 'people', column: 'id', onDelete: 'set null', name: 'fk_books_editor_id' } }),
      }),
    ).toEqual([
      'ALTER TABLE [books] ADD [editor_id] INT NULL',
      'ALTER TABLE [books] ADD CONSTRAINT [fk_books_editor_id] FOREIGN KEY ([editor_id]) REFERENCES [people] ([id]) ON DELETE SET NULL',
    ]);
    expect(compile({ kind: 'alterColumn', table: 'books', column: column({ name: 'title', type: 'string', length: 500, default: 'none' }) })).toEqual([
      'ALTER TABLE [books] DROP CONSTRAINT [DF__books__title__1A2B]',
      'DROP INDEX [ix_books_title] ON [books]',
      'DROP INDEX [ix_books_author_title] ON [books]',
      'ALTER TABLE [books] ALTER COLUMN [title] NVARCHAR(500) NULL',
      "ALTER TABLE [books] ADD CONSTRAINT [DF_books_title] DEFAULT N'none' FOR [title]",
      'CREATE INDEX [ix_books_title] ON [books] ([title])',
      'CREATE INDEX [ix_books_author_title] ON [books] ([author_id], [title])',
    ]);
    expect(compile({ kind: 'alterColumn', table: 'books', column: column({ name: 'meta', type: 'json', nullable: false }) })).toEqual([
      'ALTER TABLE [books] DROP CONSTRAINT [CK__books__meta__3C4D]',
      'ALTER TABLE [books] ALTER COLUMN [meta] NVARCHAR(MAX) NOT NULL',
      'ALTER TABLE [books] ADD CHECK (ISJSON([meta]) = 1)',
    ]);
    expect(compile({ kind: 'renameColumn', table: 'books', column: 'title', to: 'headline' })).toEqual(["EXEC sp_rename N'[books].[title]', N'headline', N'COLUMN'"]);
    expect(compile({ kind: 'dropColumn', table: 'books', column: 'title' })).toEqual([
      'ALTER TABLE [books] DROP CONSTRAINT [DF__books__title__1A2B]',
      'DROP INDEX [ix_books_title] ON [books]',
      'DROP INDEX [ix_books_author_title] ON [books]',
      'ALTER TABLE [books] DROP COLUMN [title]',
    ]);
    expect(compile({ kind: 'dropColumn', table: 'books', column: 'author_id' })).toEqual([
      'ALTER TABLE [books] DROP CONSTRAINT [fk_books_author_id]',
      'DROP INDEX [ix_books_author_title] ON [books]',
      'ALTER TABLE [books] DROP COLUMN [author_id]',
    ]);
    expect(compile({ kind: 'addIndex', table: 'books', index: { name: 'ux_books_code', columns: ['code', 'edition'], unique: true } })).toEqual([
      'CREATE UNIQUE INDEX [ux_books_code] ON [books] ([code], [edition])',
    ]);
    expect(compile({ kind: 'addIndex', table: 'books', index: { name: 'ix_live', columns: ['title'], unique: false, where: { status: { not: "it's" } } } })).toEqual([
      "CREATE INDEX [ix_live] ON [books] ([title]) WHERE [status] <> N'it''s'",
    ]);
    expect(compile({ kind: 'dropIndex', table: 'books', name: 'ix_books_title' })).toEqual(['DROP INDEX [ix_books_title] ON [books]']);
    expect(compile({ kind: 'dropIndex', table: 'books', name: 'UQ__books__isbn' })).toEqual(['ALTER TABLE [books] DROP CONSTRAINT [UQ__books__isbn]']);
    expect(
      compile({ kind: 'addForeignKey', table: 'books', foreignKey: { name: 'fk_books_author_id', column: 'author_id', referencedTable: 'authors', referencedColumn: 'id', onDelete: 'cascade', onUpdate: 'cascade' } }),
    ).toEqual(['ALTER TABLE [books] ADD CONSTRAINT [fk_books_author_id] FOREIGN KEY ([author_id]) REFERENCES [authors] ([id]) ON DELETE CASCADE ON UPDATE CASCADE']);
    expect(compile({ kind: 'dropForeignKey', table: 'books', name: 'fk_books_author_id' })).toEqual(['ALTER TABLE [books] DROP CONSTRAINT [fk_books_author_id]']);
  });

  it('quotes names that try to break out, in brackets and in sp_rename strings', () => {
    expect(compile({ kind: 'renameColumn', table: "b]'ooks", column: "t'", to: "x'; DROP TABLE y; --" })).toEqual([
      "EXEC sp_rename N'[b]]''ooks].[t'']', N'x''; DROP TABLE y; --', N'COLUMN'",
    ]);
  });

  describe('introspection', () => {
    const introspector = new MssqlIntrospector();
    const OBJECT = "OBJECT_ID(QUOTENAME(SCHEMA_NAME()) + N'.' + QUOTENAME(@p1))";

    it('sends these catalog queries, with the table name bound', () => {
      expect(introspector.tablesQuery()).toEqual({ sql: 'SELECT t.name AS name FROM sys.tables t WHERE t.schema_id = SCHEMA_ID() ORDER BY t.name', params: [] });
      const queries = introspector.tableQueries('books');
      expect(queries.columns).toEqual({
        sql:
          'SELECT c.name AS name, ty.name AS type_name, c.max_length AS max_length, c.precision AS [precision], c.scale AS [scale], ' +
          'c.is_nullable AS is_nullable, c.is_identity AS is_identity, dc.name AS default_name, dc.definition AS default_definition ' +
          'FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.user_type_id LEFT JOIN sys.default_constraints dc ON dc.object_id = c.default_object_id ' +
          `WHERE c.object_id = ${OBJECT} ORDER BY c.column_id`,
        params: ['books'],
      });
      expect(queries.checks).toEqual({
        sql:
          'SELECT cc.name AS name, col.name AS column_name, cc.definition AS definition FROM sys.check_constraints cc ' +
          'LEFT JOIN sys.columns col ON col.object_id = cc.parent_object_id AND col.column_id = cc.parent_column_id ' +
          `WHERE cc.parent_object_id = ${OBJECT} ORDER BY cc.name`,
        params: ['books'],
      });
      expect(queries.indexes).toEqual({
        sql:
          'SELECT i.name AS name, i.is_unique AS is_unique, i.is_primary_key AS is_primary_key, i.is_unique_constraint AS is_unique_constraint, ' +
          'i.filter_definition AS filter_definition, col.name AS column_name, ic.key_ordinal AS key_ordinal FROM sys.indexes i ' +
          'JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0 ' +
          'JOIN sys.columns col ON col.object_id = ic.object_id AND col.column_id = ic.column_id ' +
          `WHERE i.object_id = ${OBJECT} AND i.type > 0 ORDER BY i.name, ic.key_ordinal`,
        params: ['books'],
      });
      expect(queries.foreignKeys).toEqual({
        sql:
          'SELECT fk.name AS name, pc.name AS column_name, rt.name AS referenced_table, rc.name AS referenced_column, ' +
          'fk.delete_referential_action_desc AS on_delete, fk.update_referential_action_desc AS on_update FROM sys.foreign_keys fk ' +
          'JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id ' +
          'JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id ' +
          'JOIN sys.tables rt ON rt.object_id = fkc.referenced_object_id ' +
          'JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id ' +
          `WHERE fk.parent_object_id = ${OBJECT} ORDER BY fk.name, fkc.constraint_column_id`,
        params: ['books'],
      });
    });

    it('reads sys.* rows of a table the dialect created back into the library types', () => {
      const col = (name: string, type_name: string, extra: Record<string, unknown> = {}) => ({
        name,
        type_name,
        max_length: 4,
        precision: 0,
        scale: 0,
        is_nullable: true,
        is_identity: false,
        default_name: null,
        default_definition: null,
        ...extra,
      });
      const table = introspector.buildTable('books', {
        columns: [
          col('id', 'int', { precision: 10, is_nullable: false, is_identity: true }),
          col('title', 'nvarchar', { max_length: 400, is_nullable: false, default_name: 'DF__books__title__1A2B', default_definition: "(N'it''s')" }),
          col('notes', 'nvarchar', { max_length: -1 }),
          col('meta', 'nvarchar', { max_length: -1 }),
          col('views', 'bigint', { max_length: 8, precision: 19, default_name: 'DF__books__views', default_definition: '((0))' }),
          col('score', 'float', { max_length: 8, precision: 53 }),
          col('rating', 'decimal', { max_length: 5, precision: 4, scale: 1, default_name: 'DF_r', default_definition: '((2.5))' }),
          col('published', 'bit', { max_length: 1, precision: 1, is_nullable: false, default_name: 'DF_p', default_definition: '((0))' }),
          col('released', 'date', { max_length: 3, precision: 10, default_name: 'DF_d', default_definition: "('2024-01-01')" }),
          col('at', 'datetimeoffset', { max_length: 9, precision: 30, scale: 3 }),
          col('cover', 'varbinary', { max_length: -1 }),
          col('uid', 'uniqueidentifier', { max_length: 16 }),
          col('author_id', 'int', { precision: 10, is_nullable: false }),
          col('shape', 'geography', { max_length: -1 }),
        ],
        checks: [{ name: 'CK__books__meta__3C4D', column_name: 'meta', definition: '(isjson([meta])=(1))' }],
        indexes: [
          { name: 'PK__books__3213E83F', is_unique: true, is_primary_key: true, is_unique_constraint: false, filter_definition: null, column_name: 'id', key_ordinal: 1 },
          { name: 'UX_books_uid', is_unique: true, is_primary_key: false, is_unique_constraint: false, filter_definition: '([uid] IS NOT NULL)', column_name: 'uid', key_ordinal: 1 },
          { name: 'ix_live', is_unique: false, is_primary_key: false, is_unique_constraint: false, filter_definition: '([published]=(1))', column_name: 'title', key_ordinal: 1 },
          { name: 'UQ__books__title', is_unique: true, is_primary_key: false, is_unique_constraint: true, filter_definition: null, column_name: 'title', key_ordinal: 1 },
        ],
        foreignKeys: [{ name: 'fk_books_author_id', column_name: 'author_id', referenced_table: 'authors', referenced_column: 'id', on_delete: 'CASCADE', on_update: 'NO_ACTION' }],
      })!;
      const types = Object.fromEntries(table.columns.map((c) => [c.name, c.type ?? `(${c.nativeType})`]));
      expect(types).toEqual({
        id: 'integer',
        title: 'string',
        notes: 'text',
        meta: 'json',
        views: 'bigint',
        score: 'float',
        rating: 'decimal',
        published: 'boolean',
        released: 'date',
        at: 'datetime',
        cover: 'binary',
        uid: 'uuid',
        author_id: 'integer',
        shape: '(GEOGRAPHY)',
      });
      const column = (name: string) => table.columns.find((c) => c.name === name)!;
      expect(column('id')).toMatchObject({ nullable: false, autoIncrement: true, constraints: [] });
      expect(column('title')).toMatchObject({ length: 200, nullable: false, default: "it's", nativeType: 'NVARCHAR(200)', constraints: ['DF__books__title__1A2B'] });
      expect(column('meta')).toMatchObject({ constraints: ['CK__books__meta__3C4D'], nativeType: 'NVARCHAR(MAX)' });
      expect(column('views').default).toBe(0);
      expect(column('rating')).toMatchObject({ precision: 4, scale: 1, default: 2.5 });
      expect(column('published').default).toBe(false);
      expect(column('released').default).toBe('2024-01-01');
      expect(table.primaryKey).toEqual(['id']);
      expect(table.foreignKeys).toEqual([
        { name: 'fk_books_author_id', columns: ['author_id'], referencedTable: 'authors', referencedColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action' },
      ]);
      expect(table.indexes.map(({ definition: _, ...index }) => index)).toEqual([
        // The filtered stand-in for a nullable UNIQUE column reads as a plain unique index.
        { name: 'UX_books_uid', columns: ['uid'], unique: true, constraint: false, implicit: false, predicate: undefined, where: undefined },
        { name: 'ix_live', columns: ['title'], unique: false, constraint: false, implicit: false, predicate: '([published]=(1))', where: { published: 1 } },
        { name: 'UQ__books__title', columns: ['title'], unique: true, constraint: true, implicit: false, predicate: undefined, where: undefined },
      ]);
      expect(table.indexes[0]!.definition).toBe('CREATE UNIQUE INDEX [UX_books_uid] ON [books] ([uid]) WHERE ([uid] IS NOT NULL)');
    });
  });
});
