import { avg, count, min, rank, sum, type Dialect, type Relation } from 'nestjs-activerecord';
import { MssqlDialect } from '../../lib/backend/mssql/dialect';
import { MysqlDialect } from '../../lib/backend/mysql/dialect';
import { OracleDialect } from '../../lib/backend/oracle/dialect';
import { PostgresDialect } from '../../lib/backend/postgres/dialect';
import { SqliteDialect } from '../../lib/backend/sqlite/dialect';
import { GAuthor, GBook, GNode } from './query-golden-models';

/**
 * Golden SQL for the query half of the model API, byte for byte with bind values, on every
 * dialect: SQLite, PostgreSQL, MySQL and MariaDB (one dialect, two spellings of a shared lock),
 * Oracle and SQL Server (which have no live server here: this is their proof). Relations are
 * compiled with `toSQL({ dialect })`, which needs no connection.
 */
const DIALECTS: Record<string, Dialect> = {
  sqlite: new SqliteDialect(),
  postgres: new PostgresDialect(),
  mysql: new MysqlDialect({ flavour: 'mysql' }),
  mariadb: new MysqlDialect({ flavour: 'mariadb' }),
  oracle: new OracleDialect(),
  mssql: new MssqlDialect(),
};

type Golden = Record<string, [sql: string, params: unknown[]] | { error: string }>;

/** Typed values (Oracle, SQL Server) compared by the value they carry. */
function plain(params: readonly unknown[]): unknown[] {
  return params.map((value) => (typeof value === 'object' && value !== null && 'value' in value ? (value as { value: unknown }).value : value));
}

function check(relation: () => Relation<never, unknown>, golden: Golden): void {
  for (const [name, dialect] of Object.entries(DIALECTS)) {
    const expected = golden[name]!;
    if ('error' in expected) {
      expect(() => relation().toSQL({ dialect })).toThrow(expected.error);
      continue;
    }
    const { sql, params } = relation().toSQL({ dialect });
    expect({ dialect: name, sql, params: plain(params) }).toEqual({ dialect: name, sql: expected[0], params: expected[1] });
  }
}

describe('golden SQL of relations, per dialect', () => {
  it("joins an association, filters and orders on its columns, pages", () => {
    check(() => GBook.joins('author').where({ author: { name: 'Ada' }, pages: { gt: 100 } }).orderBy('author.name').limit(10).offset(20) as never, {
      sqlite: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" INNER JOIN \"authors\" \"author\" ON \"author\".\"id\" = \"books\".\"authorId\" WHERE (\"author\".\"name\" = ? AND \"books\".\"pages\" > ?) ORDER BY \"author\".\"name\" ASC LIMIT ? OFFSET ?", ["Ada", 100, 10, 20]],
      postgres: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" INNER JOIN \"authors\" \"author\" ON \"author\".\"id\" = \"books\".\"authorId\" WHERE (\"author\".\"name\" = $1 AND \"books\".\"pages\" > $2) ORDER BY \"author\".\"name\" ASC LIMIT 10 OFFSET 20", ["Ada", 100]],
      mysql: ["SELECT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM `books` INNER JOIN `authors` `author` ON `author`.`id` = `books`.`authorId` WHERE (`author`.`name` = ? AND `books`.`pages` > ?) ORDER BY `author`.`name` ASC LIMIT ? OFFSET ?", ["Ada", 100, 10, 20]],
      mariadb: ["SELECT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM `books` INNER JOIN `authors` `author` ON `author`.`id` = `books`.`authorId` WHERE (`author`.`name` = ? AND `books`.`pages` > ?) ORDER BY `author`.`name` ASC LIMIT ? OFFSET ?", ["Ada", 100, 10, 20]],
      oracle: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" INNER JOIN \"authors\" \"author\" ON \"author\".\"id\" = \"books\".\"authorId\" WHERE (\"author\".\"name\" = :1 AND \"books\".\"pages\" > :2) ORDER BY \"author\".\"name\" ASC OFFSET :3 ROWS FETCH NEXT :4 ROWS ONLY", ["Ada", 100, 20, 10]],
      mssql: ["SELECT [books].[id], [books].[title], [books].[authorId], CONVERT(VARCHAR(50), [books].[price]) AS [price], [books].[pages] FROM [books] INNER JOIN [authors] [author] ON [author].[id] = [books].[authorId] WHERE ([author].[name] = @p1 AND [books].[pages] > @p2) ORDER BY [author].[name] ASC OFFSET @p3 ROWS FETCH NEXT @p4 ROWS ONLY", ["Ada", 100, 20, 10]],
    });
  });

  it("left-joins a many-to-many through its join table, distinct rows", () => {
    check(() => GBook.leftJoins('tags').where({ tags: { name: ['a', 'b'] } }).distinct() as never, {
      sqlite: ["SELECT DISTINCT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" LEFT JOIN \"book_tags\" \"tags__through\" ON \"tags__through\".\"bookId\" = \"books\".\"id\" LEFT JOIN \"tags\" ON \"tags\".\"id\" = \"tags__through\".\"tagId\" WHERE \"tags\".\"name\" IN (?, ?)", ["a", "b"]],
      postgres: ["SELECT DISTINCT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" LEFT JOIN \"book_tags\" \"tags__through\" ON \"tags__through\".\"bookId\" = \"books\".\"id\" LEFT JOIN \"tags\" ON \"tags\".\"id\" = \"tags__through\".\"tagId\" WHERE \"tags\".\"name\" IN ($1, $2)", ["a", "b"]],
      mysql: ["SELECT DISTINCT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM `books` LEFT JOIN `book_tags` `tags__through` ON `tags__through`.`bookId` = `books`.`id` LEFT JOIN `tags` ON `tags`.`id` = `tags__through`.`tagId` WHERE `tags`.`name` IN (?, ?)", ["a", "b"]],
      mariadb: ["SELECT DISTINCT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM `books` LEFT JOIN `book_tags` `tags__through` ON `tags__through`.`bookId` = `books`.`id` LEFT JOIN `tags` ON `tags`.`id` = `tags__through`.`tagId` WHERE `tags`.`name` IN (?, ?)", ["a", "b"]],
      oracle: ["SELECT DISTINCT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" LEFT JOIN \"book_tags\" \"tags__through\" ON \"tags__through\".\"bookId\" = \"books\".\"id\" LEFT JOIN \"tags\" ON \"tags\".\"id\" = \"tags__through\".\"tagId\" WHERE \"tags\".\"name\" IN (:1, :2)", ["a", "b"]],
      mssql: ["SELECT DISTINCT [books].[id], [books].[title], [books].[authorId], CONVERT(VARCHAR(50), [books].[price]) AS [price], [books].[pages] FROM [books] LEFT JOIN [book_tags] [tags__through] ON [tags__through].[bookId] = [books].[id] LEFT JOIN [tags] ON [tags].[id] = [tags__through].[tagId] WHERE [tags].[name] IN (@p1, @p2)", ["a", "b"]],
    });
  });

  it("groups with aggregates, having and order by an aggregate (SQLite sums decimals exactly, SQL Server reads them as text)", () => {
    check(() => GBook.groupBy('authorId').having(count(), { gt: 2 }).orderBy(sum('price'), 'desc').select({ authorId: 'authorId', books: count(), total: sum('price'), avgPages: avg('pages'), cheapest: min('price') }) as never, {
      sqlite: ["SELECT \"authorId\" AS \"authorId\", COUNT(*) AS \"books\", ar_decimal_sum(\"price\", 2) AS \"total\", AVG(\"pages\") AS \"avgPages\", ar_decimal_min(\"price\", 2) AS \"cheapest\" FROM \"books\" GROUP BY \"authorId\" HAVING COUNT(*) > ? ORDER BY CAST(ar_decimal_sum(\"price\", 2) AS REAL) DESC", [2]],
      postgres: ["SELECT \"authorId\" AS \"authorId\", COUNT(*) AS \"books\", SUM(\"price\") AS \"total\", AVG(\"pages\") AS \"avgPages\", MIN(\"price\") AS \"cheapest\" FROM \"books\" GROUP BY \"authorId\" HAVING COUNT(*) > $1 ORDER BY SUM(\"price\") DESC", [2]],
      mysql: ["SELECT `authorId` AS `authorId`, COUNT(*) AS `books`, SUM(`price`) AS `total`, AVG(`pages`) AS `avgPages`, MIN(`price`) AS `cheapest` FROM `books` GROUP BY `authorId` HAVING COUNT(*) > ? ORDER BY SUM(`price`) DESC", [2]],
      mariadb: ["SELECT `authorId` AS `authorId`, COUNT(*) AS `books`, SUM(`price`) AS `total`, AVG(`pages`) AS `avgPages`, MIN(`price`) AS `cheapest` FROM `books` GROUP BY `authorId` HAVING COUNT(*) > ? ORDER BY SUM(`price`) DESC", [2]],
      oracle: ["SELECT \"authorId\" AS \"authorId\", COUNT(*) AS \"books\", SUM(\"price\") AS \"total\", AVG(\"pages\") AS \"avgPages\", MIN(\"price\") AS \"cheapest\" FROM \"books\" GROUP BY \"authorId\" HAVING COUNT(*) > :1 ORDER BY SUM(\"price\") DESC", [2]],
      mssql: ["SELECT [authorId] AS [authorId], COUNT(*) AS [books], CONVERT(VARCHAR(50), SUM([price])) AS [total], AVG(CAST([pages] AS FLOAT)) AS [avgPages], CONVERT(VARCHAR(50), MIN([price])) AS [cheapest] FROM [books] GROUP BY [authorId] HAVING COUNT(*) > @p1 ORDER BY SUM([price]) DESC", [2]],
    });
  });

  it("compares a decimal aggregate as a number in HAVING", () => {
    check(() => GBook.groupBy('authorId').having(sum('price'), { between: ['1.50', '9.99'] }).select({ authorId: 'authorId' }) as never, {
      sqlite: ["SELECT \"authorId\" AS \"authorId\" FROM \"books\" GROUP BY \"authorId\" HAVING (CAST(ar_decimal_sum(\"price\", 2) AS REAL) >= CAST(? AS REAL) AND CAST(ar_decimal_sum(\"price\", 2) AS REAL) <= CAST(? AS REAL))", ["1.50", "9.99"]],
      postgres: ["SELECT \"authorId\" AS \"authorId\" FROM \"books\" GROUP BY \"authorId\" HAVING (SUM(\"price\") >= $1 AND SUM(\"price\") <= $2)", ["1.50", "9.99"]],
      mysql: ["SELECT `authorId` AS `authorId` FROM `books` GROUP BY `authorId` HAVING (SUM(`price`) >= ? AND SUM(`price`) <= ?)", ["1.50", "9.99"]],
      mariadb: ["SELECT `authorId` AS `authorId` FROM `books` GROUP BY `authorId` HAVING (SUM(`price`) >= ? AND SUM(`price`) <= ?)", ["1.50", "9.99"]],
      oracle: ["SELECT \"authorId\" AS \"authorId\" FROM \"books\" GROUP BY \"authorId\" HAVING (SUM(\"price\") >= :1 AND SUM(\"price\") <= :2)", ["1.50", "9.99"]],
      mssql: ["SELECT [authorId] AS [authorId] FROM [books] GROUP BY [authorId] HAVING (SUM([price]) >= @p1 AND SUM([price]) <= @p2)", ["1.50", "9.99"]],
    });
  });

  it("window functions: ranking and aggregates over partitions", () => {
    check(() => GBook.select({ id: 'id', place: rank().over({ partitionBy: 'authorId', orderBy: { price: 'desc' } }), total: sum('pages').over({ partitionBy: 'authorId' }) }) as never, {
      sqlite: ["SELECT \"id\" AS \"id\", RANK() OVER (PARTITION BY \"authorId\" ORDER BY \"price\" DESC) AS \"place\", SUM(\"pages\") OVER (PARTITION BY \"authorId\") AS \"total\" FROM \"books\"", []],
      postgres: ["SELECT \"id\" AS \"id\", RANK() OVER (PARTITION BY \"authorId\" ORDER BY \"price\" DESC) AS \"place\", SUM(\"pages\") OVER (PARTITION BY \"authorId\") AS \"total\" FROM \"books\"", []],
      mysql: ["SELECT `id` AS `id`, RANK() OVER (PARTITION BY `authorId` ORDER BY `price` DESC) AS `place`, SUM(`pages`) OVER (PARTITION BY `authorId`) AS `total` FROM `books`", []],
      mariadb: ["SELECT `id` AS `id`, RANK() OVER (PARTITION BY `authorId` ORDER BY `price` DESC) AS `place`, SUM(`pages`) OVER (PARTITION BY `authorId`) AS `total` FROM `books`", []],
      oracle: ["SELECT \"id\" AS \"id\", RANK() OVER (PARTITION BY \"authorId\" ORDER BY \"price\" DESC) AS \"place\", SUM(\"pages\") OVER (PARTITION BY \"authorId\") AS \"total\" FROM \"books\"", []],
      mssql: ["SELECT [id] AS [id], RANK() OVER (PARTITION BY [authorId] ORDER BY [price] DESC) AS [place], SUM([pages]) OVER (PARTITION BY [authorId]) AS [total] FROM [books]", []],
    });
  });

  it("whereExists: a correlated EXISTS subquery", () => {
    check(() => GAuthor.whereExists('books', { pages: { gt: 10 } }) as never, {
      sqlite: ["SELECT \"id\", \"name\" FROM \"authors\" WHERE EXISTS (SELECT \"books\".\"id\" FROM \"books\" WHERE (\"books\".\"authorId\" = \"authors\".\"id\" AND \"books\".\"pages\" > ?))", [10]],
      postgres: ["SELECT \"id\", \"name\" FROM \"authors\" WHERE EXISTS (SELECT \"books\".\"id\" FROM \"books\" WHERE (\"books\".\"authorId\" = \"authors\".\"id\" AND \"books\".\"pages\" > $1))", [10]],
      mysql: ["SELECT `id`, `name` FROM `authors` WHERE EXISTS (SELECT `books`.`id` FROM `books` WHERE (`books`.`authorId` = `authors`.`id` AND `books`.`pages` > ?))", [10]],
      mariadb: ["SELECT `id`, `name` FROM `authors` WHERE EXISTS (SELECT `books`.`id` FROM `books` WHERE (`books`.`authorId` = `authors`.`id` AND `books`.`pages` > ?))", [10]],
      oracle: ["SELECT \"id\", \"name\" FROM \"authors\" WHERE EXISTS (SELECT \"books\".\"id\" FROM \"books\" WHERE (\"books\".\"authorId\" = \"authors\".\"id\" AND \"books\".\"pages\" > :1))", [10]],
      mssql: ["SELECT [id], [name] FROM [authors] WHERE EXISTS (SELECT [books].[id] FROM [books] WHERE ([books].[authorId] = [authors].[id] AND [books].[pages] > @p1))", [10]],
    });
  });

  it("whereNotExists through a join model", () => {
    check(() => GBook.whereNotExists('tags', { name: 'x' }) as never, {
      sqlite: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE NOT EXISTS (SELECT \"tags\".\"id\" FROM \"tags\" INNER JOIN \"book_tags\" \"tags__through\" ON \"tags__through\".\"tagId\" = \"tags\".\"id\" WHERE (\"tags__through\".\"bookId\" = \"books\".\"id\" AND \"tags\".\"name\" = ?))", ["x"]],
      postgres: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE NOT EXISTS (SELECT \"tags\".\"id\" FROM \"tags\" INNER JOIN \"book_tags\" \"tags__through\" ON \"tags__through\".\"tagId\" = \"tags\".\"id\" WHERE (\"tags__through\".\"bookId\" = \"books\".\"id\" AND \"tags\".\"name\" = $1))", ["x"]],
      mysql: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE NOT EXISTS (SELECT `tags`.`id` FROM `tags` INNER JOIN `book_tags` `tags__through` ON `tags__through`.`tagId` = `tags`.`id` WHERE (`tags__through`.`bookId` = `books`.`id` AND `tags`.`name` = ?))", ["x"]],
      mariadb: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE NOT EXISTS (SELECT `tags`.`id` FROM `tags` INNER JOIN `book_tags` `tags__through` ON `tags__through`.`tagId` = `tags`.`id` WHERE (`tags__through`.`bookId` = `books`.`id` AND `tags`.`name` = ?))", ["x"]],
      oracle: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE NOT EXISTS (SELECT \"tags\".\"id\" FROM \"tags\" INNER JOIN \"book_tags\" \"tags__through\" ON \"tags__through\".\"tagId\" = \"tags\".\"id\" WHERE (\"tags__through\".\"bookId\" = \"books\".\"id\" AND \"tags\".\"name\" = :1))", ["x"]],
      mssql: ["SELECT [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WHERE NOT EXISTS (SELECT [tags].[id] FROM [tags] INNER JOIN [book_tags] [tags__through] ON [tags__through].[tagId] = [tags].[id] WHERE ([tags__through].[bookId] = [books].[id] AND [tags].[name] = @p1))", ["x"]],
    });
  });

  it("a relation as an IN (subquery) value", () => {
    check(() => GBook.where({ authorId: GAuthor.where({ name: 'Ada' }).select('id') }) as never, {
      sqlite: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"authorId\" IN (SELECT \"id\" FROM \"authors\" WHERE \"name\" = ?)", ["Ada"]],
      postgres: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"authorId\" IN (SELECT \"id\" FROM \"authors\" WHERE \"name\" = $1)", ["Ada"]],
      mysql: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `authorId` IN (SELECT `id` FROM `authors` WHERE `name` = ?)", ["Ada"]],
      mariadb: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `authorId` IN (SELECT `id` FROM `authors` WHERE `name` = ?)", ["Ada"]],
      oracle: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"authorId\" IN (SELECT \"id\" FROM \"authors\" WHERE \"name\" = :1)", ["Ada"]],
      mssql: ["SELECT [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WHERE [authorId] IN (SELECT [id] FROM [authors] WHERE [name] = @p1)", ["Ada"]],
    });
  });

  it("FOR UPDATE SKIP LOCKED (SQLite: none; SQL Server: table hints)", () => {
    check(() => GBook.where({ id: [1, 2] }).forUpdate({ skipLocked: true }) as never, {
      sqlite: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"id\" IN (?, ?)", [1, 2]],
      postgres: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"id\" IN ($1, $2) FOR UPDATE SKIP LOCKED", [1, 2]],
      mysql: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `id` IN (?, ?) FOR UPDATE SKIP LOCKED", [1, 2]],
      mariadb: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `id` IN (?, ?) FOR UPDATE SKIP LOCKED", [1, 2]],
      oracle: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"id\" IN (:1, :2) FOR UPDATE SKIP LOCKED", [1, 2]],
      mssql: ["SELECT [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WITH (UPDLOCK, ROWLOCK, READPAST) WHERE [id] IN (@p1, @p2)", [1, 2]],
    });
  });

  it("locks only the root table of a join where the dialect can name it", () => {
    check(() => GBook.joins('author').forUpdate({ noWait: true }) as never, {
      sqlite: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" INNER JOIN \"authors\" \"author\" ON \"author\".\"id\" = \"books\".\"authorId\"", []],
      postgres: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" INNER JOIN \"authors\" \"author\" ON \"author\".\"id\" = \"books\".\"authorId\" FOR UPDATE OF \"books\" NOWAIT", []],
      mysql: ["SELECT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM `books` INNER JOIN `authors` `author` ON `author`.`id` = `books`.`authorId` FOR UPDATE NOWAIT", []],
      mariadb: ["SELECT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM `books` INNER JOIN `authors` `author` ON `author`.`id` = `books`.`authorId` FOR UPDATE NOWAIT", []],
      oracle: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM \"books\" INNER JOIN \"authors\" \"author\" ON \"author\".\"id\" = \"books\".\"authorId\" FOR UPDATE OF \"books\".\"id\" NOWAIT", []],
      mssql: ["SELECT [books].[id], [books].[title], [books].[authorId], CONVERT(VARCHAR(50), [books].[price]) AS [price], [books].[pages] FROM [books] WITH (UPDLOCK, ROWLOCK, NOWAIT) INNER JOIN [authors] [author] ON [author].[id] = [books].[authorId]", []],
    });
  });

  it("shared locks: FOR SHARE, LOCK IN SHARE MODE, REPEATABLEREAD; refused on Oracle", () => {
    check(() => GBook.where({ id: 1 }).forShare() as never, {
      sqlite: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"id\" = ?", [1]],
      postgres: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"id\" = $1 FOR SHARE", [1]],
      mysql: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `id` = ? FOR SHARE", [1]],
      mariadb: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `id` = ? LOCK IN SHARE MODE", [1]],
      oracle: { error: "Oracle has no shared row locks (FOR SHARE) on \"books\": use forUpdate(), or a SERIALIZABLE transaction" },
      mssql: ["SELECT [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WITH (REPEATABLEREAD, ROWLOCK) WHERE [id] = @p1", [1]],
    });
  });

  it("a lock under a limit (refused on Oracle, ORA-02014)", () => {
    check(() => GBook.orderBy('id').limit(1).forUpdate() as never, {
      sqlite: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" ORDER BY \"id\" ASC LIMIT ?", [1]],
      postgres: ["SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" ORDER BY \"id\" ASC LIMIT 1 FOR UPDATE", []],
      mysql: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` ORDER BY `id` ASC LIMIT ? FOR UPDATE", [1]],
      mariadb: ["SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` ORDER BY `id` ASC LIMIT ? FOR UPDATE", [1]],
      oracle: { error: "Oracle cannot lock rows of a query with limit or offset on \"books\" (ORA-02014): lock by key instead, e.g. where({ id: ids }).forUpdate()" },
      mssql: ["SELECT TOP (@p1) [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WITH (UPDLOCK, ROWLOCK) ORDER BY [id] ASC", [1]],
    });
  });

  it("UNION ALL of relations, a part with its own limit read through a derived table", () => {
    check(() => GBook.where({ pages: 1 }).orderBy('id').limit(2).unionAll(GBook.where({ pages: 2 })).orderBy('id') as never, {
      sqlite: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM (SELECT * FROM (SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"pages\" = ? ORDER BY \"id\" ASC LIMIT ?) \"part_1\" UNION ALL SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"pages\" = ?) \"books\" ORDER BY \"books\".\"id\" ASC", [1, 2, 2]],
      postgres: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM (SELECT * FROM (SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"pages\" = $1 ORDER BY \"id\" ASC LIMIT 2) \"part_1\" UNION ALL SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"pages\" = $2) \"books\" ORDER BY \"books\".\"id\" ASC", [1, 2]],
      mysql: ["SELECT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM (SELECT * FROM (SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `pages` = ? ORDER BY `id` ASC LIMIT ?) `part_1` UNION ALL SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `pages` = ?) `books` ORDER BY `books`.`id` ASC", [1, 2, 2]],
      mariadb: ["SELECT `books`.`id`, `books`.`title`, `books`.`authorId`, `books`.`price`, `books`.`pages` FROM (SELECT * FROM (SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `pages` = ? ORDER BY `id` ASC LIMIT ?) `part_1` UNION ALL SELECT `id`, `title`, `authorId`, `price`, `pages` FROM `books` WHERE `pages` = ?) `books` ORDER BY `books`.`id` ASC", [1, 2, 2]],
      oracle: ["SELECT \"books\".\"id\", \"books\".\"title\", \"books\".\"authorId\", \"books\".\"price\", \"books\".\"pages\" FROM (SELECT * FROM (SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"pages\" = :1 ORDER BY \"id\" ASC FETCH NEXT :2 ROWS ONLY) \"part_1\" UNION ALL SELECT \"id\", \"title\", \"authorId\", \"price\", \"pages\" FROM \"books\" WHERE \"pages\" = :3) \"books\" ORDER BY \"books\".\"id\" ASC", [1, 2, 2]],
      mssql: ["SELECT [books].[id], [books].[title], [books].[authorId], CONVERT(VARCHAR(50), [books].[price]) AS [price], [books].[pages] FROM (SELECT * FROM (SELECT TOP (@p1) [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WHERE [pages] = @p2 ORDER BY [id] ASC) [part_1] UNION ALL SELECT [id], [title], [authorId], CONVERT(VARCHAR(50), [price]) AS [price], [pages] FROM [books] WHERE [pages] = @p3) [books] ORDER BY [books].[id] ASC", [2, 1, 2]],
    });
  });

  it("a recursive CTE walking a self-referencing association", () => {
    check(() => GNode.query().withRecursive('tree', GNode.where({ id: 1 }), 'children').orderBy('id') as never, {
      sqlite: ["WITH RECURSIVE \"tree\" (\"id\", \"parentId\") AS (SELECT \"id\", \"parentId\" FROM \"nodes\" WHERE \"id\" = ? UNION ALL SELECT \"step\".\"id\", \"step\".\"parentId\" FROM \"nodes\" \"step\" INNER JOIN \"tree\" ON \"step\".\"parentId\" = \"tree\".\"id\") SELECT \"nodes\".\"id\", \"nodes\".\"parentId\" FROM \"tree\" \"nodes\" ORDER BY \"nodes\".\"id\" ASC", [1]],
      postgres: ["WITH RECURSIVE \"tree\" (\"id\", \"parentId\") AS (SELECT \"id\", \"parentId\" FROM \"nodes\" WHERE \"id\" = $1 UNION ALL SELECT \"step\".\"id\", \"step\".\"parentId\" FROM \"nodes\" \"step\" INNER JOIN \"tree\" ON \"step\".\"parentId\" = \"tree\".\"id\") SELECT \"nodes\".\"id\", \"nodes\".\"parentId\" FROM \"tree\" \"nodes\" ORDER BY \"nodes\".\"id\" ASC", [1]],
      mysql: ["WITH RECURSIVE `tree` (`id`, `parentId`) AS (SELECT `id`, `parentId` FROM `nodes` WHERE `id` = ? UNION ALL SELECT `step`.`id`, `step`.`parentId` FROM `nodes` `step` INNER JOIN `tree` ON `step`.`parentId` = `tree`.`id`) SELECT `nodes`.`id`, `nodes`.`parentId` FROM `tree` `nodes` ORDER BY `nodes`.`id` ASC", [1]],
      mariadb: ["WITH RECURSIVE `tree` (`id`, `parentId`) AS (SELECT `id`, `parentId` FROM `nodes` WHERE `id` = ? UNION ALL SELECT `step`.`id`, `step`.`parentId` FROM `nodes` `step` INNER JOIN `tree` ON `step`.`parentId` = `tree`.`id`) SELECT `nodes`.`id`, `nodes`.`parentId` FROM `tree` `nodes` ORDER BY `nodes`.`id` ASC", [1]],
      oracle: ["WITH \"tree\" (\"id\", \"parentId\") AS (SELECT \"id\", \"parentId\" FROM \"nodes\" WHERE \"id\" = :1 UNION ALL SELECT \"step\".\"id\", \"step\".\"parentId\" FROM \"nodes\" \"step\" INNER JOIN \"tree\" ON \"step\".\"parentId\" = \"tree\".\"id\") SELECT \"nodes\".\"id\", \"nodes\".\"parentId\" FROM \"tree\" \"nodes\" ORDER BY \"nodes\".\"id\" ASC", [1]],
      mssql: ["WITH [tree] ([id], [parentId]) AS (SELECT [id], [parentId] FROM [nodes] WHERE [id] = @p1 UNION ALL SELECT [step].[id], [step].[parentId] FROM [nodes] [step] INNER JOIN [tree] ON [step].[parentId] = [tree].[id]) SELECT [nodes].[id], [nodes].[parentId] FROM [tree] [nodes] ORDER BY [nodes].[id] ASC", [1]],
    });
  });

  it("partial records with DISTINCT", () => {
    check(() => GBook.select('id', 'price').distinct() as never, {
      sqlite: ["SELECT DISTINCT \"id\", \"price\" FROM \"books\"", []],
      postgres: ["SELECT DISTINCT \"id\", \"price\" FROM \"books\"", []],
      mysql: ["SELECT DISTINCT `id`, `price` FROM `books`", []],
      mariadb: ["SELECT DISTINCT `id`, `price` FROM `books`", []],
      oracle: ["SELECT DISTINCT \"id\", \"price\" FROM \"books\"", []],
      mssql: ["SELECT DISTINCT [id], CONVERT(VARCHAR(50), [price]) AS [price] FROM [books]", []],
    });
  });
});
