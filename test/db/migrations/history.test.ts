import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addField,
  createMigrationRunner,
  defineMigration,
  MigrationError,
  runSQL,
} from '../../../src/db/migrations/index.js';
import type { TestDatabase } from './dialects.js';
import { dialects } from './dialects.js';
import { columns, history, indexes, rows, tables } from './fixture-history.js';

describe.each(dialects)('a migration history on $name', ({ name: dialect, skip, fresh }) => {
  let t: TestDatabase;
  beforeEach(async () => {
    if (!skip) t = await fresh();
  });
  afterEach(async () => {
    if (!skip) await t.destroy();
  });

  it.skipIf(skip)(
    'applies fifteen migrations to tables holding rows, then reverses them to zero',
    async () => {
      const db = t.kysely;
      const runner = createMigrationRunner({ kysely: db, dialect, migrations: history });
      const titles = async (column = 'title') => (await rows(db, 'book')).map((r) => r[column]);

      expect(await runner.migrate('0001_initial')).toEqual({ applied: ['0001_initial'], unapplied: [] });
      await sql`insert into author (name) values ('Le Guin'), ('Tolkien')`.execute(db);
      await sql`insert into book (title, pages, author_id) values ('Earthsea', 200, 1), ('Lathe', 180, 1), ('Hobbit', 300, 2)`.execute(
        db,
      );

      await runner.migrate('0002_book_stock');
      expect((await rows(db, 'book')).map((r) => r.stock)).toEqual([3, 3, 3]);

      await runner.migrate('0003_longer_title');
      const long = 'x'.repeat(150);
      await sql`update book set title = ${long}, pages = 5000000000 where id = 3`.execute(db);
      expect(await titles()).toEqual(['Earthsea', 'Lathe', long]);
      expect((await rows(db, 'book')).map((r) => r.pages)).toEqual([200, 180, 5000000000]);
      await sql`update book set title = 'Hobbit', pages = 300 where id = 3`.execute(db);

      await runner.migrate('0004_rename_title');
      expect(await columns(db, dialect, 'book')).toEqual(['id', 'headline', 'pages', 'author_id', 'stock']);
      expect(await titles('headline')).toEqual(['Earthsea', 'Lathe', 'Hobbit']);

      await runner.migrate('0006_fill_code');
      expect((await rows(db, 'book')).map((r) => r.code)).toEqual(['B-200', 'B-180', 'B-300']);

      await runner.migrate('0007_author_name_optional');
      await sql`insert into author (name) values (null)`.execute(db);
      expect((await rows(db, 'author')).map((r) => r.name)).toEqual(['Le Guin', 'Tolkien', null]);
      // The SQLite rebuild of author kept the books pointing at it.
      expect((await rows(db, 'book')).map((r) => r.author_id)).toEqual([1, 1, 2]);
      await sql`delete from author where id = 3`.execute(db);

      await runner.migrate('0008_book_index');
      expect(await indexes(db, dialect, 'book')).toContain('book_author_stock_idx');

      await runner.migrate('0009_unique_headline');
      await expect(
        sql`insert into book (headline, pages, author_id) values ('Lathe', 1, 1)`.execute(db),
      ).rejects.toThrow();
      expect(await titles('headline')).toEqual(['Earthsea', 'Lathe', 'Hobbit']);

      await runner.migrate('0010_drop_index');
      expect(await indexes(db, dialect, 'book')).not.toContain('book_author_stock_idx');

      await runner.migrate('0011_remove_code');
      expect(await columns(db, dialect, 'book')).not.toContain('code');
      expect(await titles('headline')).toEqual(['Earthsea', 'Lathe', 'Hobbit']);

      await runner.migrate('0012_stock_check');
      await expect(sql`update book set stock = -1 where id = 1`.execute(db)).rejects.toThrow();

      expect(await runner.migrate('0013_rename_author')).toEqual({
        applied: ['0013_rename_author'],
        unapplied: [],
      });
      expect(await tables(db, dialect)).toEqual(['book', 'writer']);
      expect((await rows(db, 'writer')).map((r) => r.name)).toEqual(['Le Guin', 'Tolkien']);
      // The foreign key follows the renamed table: deleting a writer cascades to the books.
      await sql`delete from writer where id = 2`.execute(db);
      expect(await titles('headline')).toEqual(['Earthsea', 'Lathe']);
      await runner.migrate('0014_edition_text');
      expect((await rows(db, 'book')).map((r) => r.edition)).toEqual(['1st', '2nd']);
      expect(await runner.migrate()).toEqual({ applied: ['0015_edition_integer'], unapplied: [] });
      expect((await rows(db, 'book')).map((r) => r.edition)).toEqual([1, 2]);
      await sql`update book set edition = edition + 1`.execute(db);
      expect((await runner.status()).every((s) => s.applied)).toBe(true);

      // Backwards, one migration at a time.
      await runner.migrate('0014_edition_text');
      expect((await rows(db, 'book')).map((r) => r.edition)).toEqual(['2nd', '3rd']);
      await runner.migrate('0013_rename_author');
      expect(await columns(db, dialect, 'book')).not.toContain('edition');
      await runner.migrate('0012_stock_check');
      expect(await tables(db, dialect)).toEqual(['author', 'book']);
      await runner.migrate('0011_remove_code');
      await sql`update book set stock = -1 where id = 2`.execute(db);
      await runner.migrate('0010_drop_index');
      expect(await columns(db, dialect, 'book')).toContain('code');
      await runner.migrate('0009_unique_headline');
      expect(await indexes(db, dialect, 'book')).toContain('book_author_stock_idx');
      await runner.migrate('0008_book_index');
      await sql`insert into book (headline, pages, author_id) values ('Lathe', 1, 1)`.execute(db);
      await sql`delete from book where pages = 1`.execute(db);
      await runner.migrate('0007_author_name_optional');
      expect(await indexes(db, dialect, 'book')).not.toContain('book_author_stock_idx');
      await runner.migrate('0006_fill_code');
      await expect(sql`insert into author (name) values (null)`.execute(db)).rejects.toThrow();
      await runner.migrate('0005_book_code');
      expect((await rows(db, 'book')).map((r) => r.code)).toEqual([null, null]);
      await runner.migrate('0004_rename_title');
      expect(await columns(db, dialect, 'book')).not.toContain('code');
      await runner.migrate('0003_longer_title');
      expect(await titles()).toEqual(['Earthsea', 'Lathe']);
      await runner.migrate('0002_book_stock');
      expect((await rows(db, 'book')).map((r) => [r.title, r.pages, r.stock])).toEqual([
        ['Earthsea', 200, 3],
        ['Lathe', 180, -1],
      ]);
      await runner.migrate('0001_initial');
      expect(await columns(db, dialect, 'book')).toEqual(['id', 'title', 'pages', 'author_id']);
      expect(await runner.migrate('zero')).toEqual({ applied: [], unapplied: ['0001_initial'] });
      expect(await tables(db, dialect)).toEqual([]);
      expect((await runner.status()).some((s) => s.applied)).toBe(false);
    },
  );

  it.skipIf(skip)('rolls a failing migration back whole and records nothing', async () => {
    const runner = createMigrationRunner({ kysely: t.kysely, dialect, migrations: history.slice(0, 2) });
    await runner.migrate('0001_initial');
    await sql`insert into author (name) values ('A')`.execute(t.kysely);
    const broken = {
      ...history[1]!,
      name: '0002_broken',
      operations: [...history[1]!.operations, runSQL('select * from nope')],
    };
    const failing = createMigrationRunner({ kysely: t.kysely, dialect, migrations: [history[0]!, broken] });
    const error = await failing.migrate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('BASALT_MIGRATION_FAILED');
    expect((error as MigrationError).message).toMatch(/^Migration 0002_broken failed \(forwards\): .*nope/);
    expect(await columns(t.kysely, dialect, 'book')).not.toContain('stock');
    expect((await failing.status()).map((s) => s.applied)).toEqual([true, false]);
  });

  it.skipIf(skip)('fills a NOT NULL field added to a table holding rows with its one-off value', async () => {
    const withRank = {
      ...defineMigration({
        dependencies: ['0001_initial'],
        operations: [addField('author', 'rank', { kind: 'integer' }, { fill: 7 })],
      }),
      name: '0002_rank',
    };
    const runner = createMigrationRunner({ kysely: t.kysely, dialect, migrations: [history[0]!, withRank] });
    await runner.migrate('0001_initial');
    await sql`insert into author (name) values ('A'), ('B')`.execute(t.kysely);
    await runner.migrate();
    expect((await rows(t.kysely, 'author')).map((r) => r.rank)).toEqual([7, 7]);
    // The value was for those rows only: the column has no default afterwards.
    await expect(sql`insert into author (name) values ('C')`.execute(t.kysely)).rejects.toThrow();
    await runner.migrate('0001_initial');
    expect(await columns(t.kysely, dialect, 'author')).toEqual(['id', 'name']);
  });

  it.skipIf(skip)('refuses to unapply a data migration without a reverse, naming the migration', async () => {
    const oneWay = { ...history[0]!, name: '0001_one_way', operations: [runSQL('select 1')] };
    const runner = createMigrationRunner({ kysely: t.kysely, dialect, migrations: [oneWay] });
    await runner.migrate();
    const error = await runner.migrate('zero').catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('BASALT_MIGRATION_IRREVERSIBLE');
    expect((error as MigrationError).message).toContain('Migration 0001_one_way cannot be unapplied');
    expect((await runner.status())[0]!.applied).toBe(true);
  });
});
