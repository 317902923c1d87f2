import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agg,
  type Database,
  InvalidQueryError,
  RecordNotFoundError,
  type Where,
} from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, Book, models, Review, Tag } from './fixtures/models.js';

type Db = Database<(typeof models)[number]>;

const TRICKY = ["O'Brien", '100%', 'a_b', 'back\\slash', 'x;-- drop table author', 'Ünïcødé 日本 🎉'];
const DECOYS = ['100 percent', '1000', 'aXb', 'backslash', 'back\\\\slash', 'x', 'unicode'];

describe.each(dialects)('queries on $name', (dialect) => {
  let db: Db;
  let queries = 0;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(models, (e) => {
      if (e.level === 'query') queries++;
    });
    for (const name of [...TRICKY, ...DECOYS]) ids[name] = (await db.create(Author, { name })).id;
    const leGuin = await db.create(Author, { name: 'Ursula K. Le Guin' });
    const banks = await db.create(Author, { name: 'Iain M. Banks' });
    ids.leGuin = leGuin.id;
    ids.banks = banks.id;
    await db.createMany(Book, [
      {
        title: 'The Dispossessed',
        isbn: 'b1',
        price: '9.90',
        authorId: leGuin.id,
        publishedOn: '1974-05-01',
        pages: 387,
      },
      {
        title: 'The Left Hand of Darkness',
        isbn: 'b2',
        price: '12.50',
        authorId: leGuin.id,
        publishedOn: '1969-03-01',
        pages: 286,
      },
      {
        title: 'Consider Phlebas',
        isbn: 'b3',
        price: '20.00',
        authorId: banks.id,
        publishedOn: '1987-04-23',
        status: 'published',
      },
      { title: 'Excession', isbn: 'b4', price: '25.00', authorId: banks.id },
    ]);
  });
  afterAll(async () => {
    await db?.close();
  });

  const titles = async (where: Where<typeof Book, (typeof models)[number]>) =>
    (await db.query(Book).where(where).orderBy('title').select('title').all()).map((b) => b.title);

  it.skipIf(dialect.skip)('supports every lookup', async () => {
    expect(await titles({ price: '20.00' })).toEqual(['Consider Phlebas']);
    expect(await titles({ price: { eq: '20' } })).toEqual(['Consider Phlebas']);
    expect(await titles({ price: { ne: '20.00' } })).toHaveLength(3);
    expect(await titles({ price: { lt: '12.50' } })).toEqual(['The Dispossessed']);
    expect(await titles({ price: { lte: '12.50' } })).toEqual([
      'The Dispossessed',
      'The Left Hand of Darkness',
    ]);
    expect(await titles({ price: { gt: '20' } })).toEqual(['Excession']);
    expect(await titles({ price: { lt: 12.5 } })).toEqual(['The Dispossessed']);
    expect(await titles({ price: 20 })).toEqual(['Consider Phlebas']);
    expect(await titles({ price: { gte: '20' } })).toEqual(['Consider Phlebas', 'Excession']);
    expect(await titles({ isbn: { in: ['b1', 'b4'] } })).toEqual(['Excession', 'The Dispossessed']);
    expect(await titles({ isbn: { in: [] } })).toEqual([]);
    expect(await titles({ isbn: { notIn: ['b1', 'b2', 'b3'] } })).toEqual(['Excession']);
    expect(await titles({ title: { contains: 'Hand' } })).toEqual(['The Left Hand of Darkness']);
    expect(await titles({ title: { contains: 'hand' } })).toEqual([]);
    expect(await titles({ title: { icontains: 'HAND' } })).toEqual(['The Left Hand of Darkness']);
    expect(await titles({ title: { startsWith: 'The' } })).toEqual([
      'The Dispossessed',
      'The Left Hand of Darkness',
    ]);
    expect(await titles({ title: { endsWith: 'sion' } })).toEqual(['Excession']);
    expect(await titles({ publishedOn: { isNull: true } })).toEqual(['Excession']);
    expect(await titles({ publishedOn: null })).toEqual(['Excession']);
    expect(await titles({ pages: { ne: 387 } })).toEqual([
      'Consider Phlebas',
      'Excession',
      'The Left Hand of Darkness',
    ]);
    expect(await titles({ publishedOn: { between: ['1970-01-01', '1990-01-01'] } })).toEqual([
      'Consider Phlebas',
      'The Dispossessed',
    ]);
    expect(await titles({ status: 'published' })).toEqual(['Consider Phlebas']);
  });

  it.skipIf(dialect.skip)('combines filters with and, or and not', async () => {
    expect(await titles({ or: [{ isbn: 'b1' }, { isbn: 'b3' }] })).toEqual([
      'Consider Phlebas',
      'The Dispossessed',
    ]);
    expect(await titles({ and: [{ price: { gt: '10' } }, { price: { lt: '21' } }] })).toEqual([
      'Consider Phlebas',
      'The Left Hand of Darkness',
    ]);
    expect(await titles({ not: { author: { name: { startsWith: 'Iain' } } } })).toEqual([
      'The Dispossessed',
      'The Left Hand of Darkness',
    ]);
    expect(await titles({ or: [] })).toEqual([]);
  });

  it.skipIf(dialect.skip)('filters across relations', async () => {
    expect(await titles({ author: { name: { contains: 'Le Guin' } }, price: { lt: '20' } })).toEqual([
      'The Dispossessed',
      'The Left Hand of Darkness',
    ]);
    const authors = await db
      .query(Author)
      .where({ books: { price: { gte: '25' } } })
      .all();
    expect(authors.map((a) => a.name)).toEqual(['Iain M. Banks']);
  });

  it.skipIf(dialect.skip)('matches quotes, wildcards, backslashes, SQL and unicode literally', async () => {
    for (const name of TRICKY) {
      const names = async (where: object) =>
        (await db.query(Author).where({ name: where }).all()).map((a) => a.name);
      expect(await names({ eq: name }), `eq ${name}`).toEqual([name]);
      expect(await names({ contains: name }), `contains ${name}`).toEqual([name]);
      expect(await names({ icontains: name }), `icontains ${name}`).toEqual([name]);
      expect(await names({ startsWith: name }), `startsWith ${name}`).toEqual([name]);
      expect(await names({ endsWith: name }), `endsWith ${name}`).toEqual([name]);
    }
    expect(
      (
        await db
          .query(Author)
          .where({ name: { contains: '%' } })
          .all()
      ).map((a) => a.name),
    ).toEqual(['100%']);
    expect(
      (
        await db
          .query(Author)
          .where({ name: { contains: '_' } })
          .all()
      ).map((a) => a.name),
    ).toEqual(['a_b']);
    expect(await db.query(Author).count()).toBe(TRICKY.length + DECOYS.length + 2);
  });

  it.skipIf(dialect.skip)('orders by several fields, limits and offsets', async () => {
    const all = await db.query(Book).orderBy('authorId', '-price').all();
    expect(all.map((b) => b.isbn)).toEqual(['b2', 'b1', 'b4', 'b3']);
    const def = await db.query(Book).all();
    // Default ordering ['-publishedOn', 'title']; NULLs sort last when descending on both dialects.
    expect(def.map((b) => b.isbn)).toEqual(['b3', 'b1', 'b2', 'b4']);
    const page = await db.query(Book).orderBy('isbn').limit(2).offset(1).all();
    expect(page.map((b) => b.isbn)).toEqual(['b2', 'b3']);
    const rest = await db.query(Book).orderBy('isbn').offset(3).all();
    expect(rest.map((b) => b.isbn)).toEqual(['b4']);
  });

  it.skipIf(dialect.skip)('gets, counts, checks existence and selects fields', async () => {
    const b = await db.query(Book).get({ isbn: 'b1' });
    expect(b.title).toBe('The Dispossessed');
    expect((await db.get(Book, b.id)).isbn).toBe('b1');
    await expect(db.get(Book, 999_999)).rejects.toMatchObject({
      code: 'BASALT_DB_RECORD_NOT_FOUND',
      status: 404,
    });
    await expect(db.query(Book).get({ isbn: 'nope' })).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await db.query(Book).where({ isbn: 'nope' }).first()).toBeUndefined();
    expect(await db.query(Book).where({ authorId: ids.banks! }).count()).toBe(2);
    expect(await db.query(Book).where({ isbn: 'b4' }).exists()).toBe(true);
    expect(await db.query(Book).where({ isbn: 'zz' }).exists()).toBe(false);
    const slim = await db.query(Book).select('title', 'price').orderBy('isbn').first();
    expect(slim).toEqual({ title: 'The Dispossessed', price: '9.90' });
  });

  it.skipIf(dialect.skip)('aggregates, with and without groupBy, exactly for decimals', async () => {
    const totals = await db.query(Book).aggregate({
      n: agg.count(),
      total: agg.sum('price'),
      cheapest: agg.min('price'),
      pages: agg.sum('pages'),
      maxPages: agg.max('pages'),
    });
    expect(totals).toEqual({ n: 4, total: '67.40', cheapest: '9.90', pages: 673, maxPages: 387 });
    const byAuthor = await db
      .query(Book)
      .groupBy('authorId')
      .aggregate({ n: agg.count(), total: agg.sum('price') });
    expect(byAuthor).toEqual([
      { authorId: ids.leGuin, n: 2, total: '22.40' },
      { authorId: ids.banks, n: 2, total: '45.00' },
    ]);
    const avg = await db
      .query(Book)
      .where({ isbn: { in: ['b1', 'b2', 'b3'] } })
      .aggregate({ avg: agg.avg('price') });
    expect(avg.avg).toMatch(/^14\.13333333333\d*$/);
    expect(
      (
        await db
          .query(Book)
          .where({ isbn: { in: ['b3', 'b4'] } })
          .aggregate({ avg: agg.avg('price') })
      ).avg,
    ).toBe('22.50');
    const none = await db
      .query(Book)
      .where({ isbn: 'zz' })
      .aggregate({ n: agg.count(), total: agg.sum('price') });
    expect(none).toEqual({ n: 0, total: null });
  });

  it.skipIf(dialect.skip)(
    'coerces untyped filter values and rejects invalid ones with a typed 400',
    async () => {
      const loose = (where: object) => titles(where as never);
      expect(await loose({ pages: '387' })).toEqual(['The Dispossessed']);
      expect(await loose({ pages: { in: ['286', 387] } })).toEqual([
        'The Dispossessed',
        'The Left Hand of Darkness',
      ]);
      expect(await loose({ inStock: 'true', publishedOn: { isNull: 'true' } })).toEqual(['Excession']);
      expect(await loose({ authorId: String(ids.banks) })).toEqual(['Consider Phlebas', 'Excession']);
      for (const where of [
        { pages: 'many' },
        { pages: 1.5 },
        { inStock: 'yes' },
        { publishedOn: 'soon' },
        { price: 'cheap' },
        { createdAt: 'x' },
        { meta: { a: 1 } },
        { publishedOn: { isNull: 'maybe' } },
        { pages: { contains: '1' } },
      ]) {
        await expect(loose(where), JSON.stringify(where)).rejects.toMatchObject({
          code: 'BASALT_DB_INVALID_QUERY',
          status: 400,
        });
      }
    },
  );

  it.skipIf(dialect.skip)('rejects unknown fields and lookups with a typed 400', async () => {
    await expect(
      db
        .query(Book)
        .where({ nope: 1 } as never)
        .all(),
    ).rejects.toMatchObject({ code: 'BASALT_DB_INVALID_QUERY', status: 400 });
    await expect(
      db
        .query(Book)
        .where({ title: { like: '%' } } as never)
        .all(),
    ).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(db.query(Book).page({ limit: 2, after: 'garbage!' })).rejects.toMatchObject({
      code: 'BASALT_DB_INVALID_QUERY',
    });
    const forged = Buffer.from(JSON.stringify(['not a date', 'x', 'nope'])).toString('base64url');
    await expect(db.query(Book).page({ limit: 2, after: forged })).rejects.toMatchObject({
      code: 'BASALT_DB_INVALID_QUERY',
    });
    expect(() => db.query(Book).limit(-1)).toThrow(InvalidQueryError);
    expect(() => db.query(Book).offset(1.5)).toThrow(InvalidQueryError);
    await expect(db.query(Book).page({ limit: Number.NaN })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(db.update(Book, 'abc' as unknown as number, { title: 'x' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(db.delete(Book, 'abc' as unknown as number)).rejects.toMatchObject({ status: 404 });
  });

  it.skipIf(dialect.skip)('includes relations over 100 rows with one query per relation', async () => {
    const tags = await db.createMany(Tag, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const authors = await db.createMany(
      Author,
      Array.from({ length: 10 }, (_, i) => ({ name: `bulk author ${i}` })),
    );
    const books = await db.createMany(
      Book,
      Array.from({ length: 100 }, (_, i) => ({
        title: `Bulk ${i}`,
        isbn: `bulk${i}`,
        price: '1.00',
        authorId: authors[i % 10]!.id,
      })),
    );
    for (const [i, book] of books.entries()) {
      await db.update(Book, book.id, { tags: [tags[i % 3]!.id, tags[(i + 1) % 3]!.id] });
      if (i % 2 === 0) await db.create(Review, { bookId: book.id, rating: 4 });
    }
    queries = 0;
    const rows = await db
      .query(Book)
      .where({ isbn: { startsWith: 'bulk' } })
      .include('author', 'tags', 'reviews')
      .all();
    expect(queries).toBe(4);
    expect(rows).toHaveLength(100);
    const row = rows.find((r) => r.isbn === 'bulk4')!;
    expect(row.author.name).toBe('bulk author 4');
    expect(row.tags.map((t) => t.name).sort()).toEqual(['b', 'c']);
    expect(row.reviews).toHaveLength(1);
    expect(rows.find((r) => r.isbn === 'bulk5')!.reviews).toEqual([]);
    queries = 0;
    const withAuthors = await db
      .query(Author)
      .where({ name: { startsWith: 'bulk' } })
      .include('books')
      .all();
    expect(queries).toBe(2);
    expect(withAuthors.every((a) => a.books.length === 10)).toBe(true);
    queries = 0;
    const nested = await db
      .query(Author)
      .where({ name: { startsWith: 'bulk' } })
      .include('books', 'books.tags', 'books.reviews')
      .all();
    expect(queries).toBe(4);
    const book4 = nested.find((a) => a.name === 'bulk author 4')!.books.find((b) => b.isbn === 'bulk4')!;
    expect(book4.tags.map((t) => t.name).sort()).toEqual(['b', 'c']);
    expect(book4.reviews).toHaveLength(1);
    queries = 0;
    const reviews = await db.query(Review).include('book.author').all();
    expect(queries).toBe(3);
    expect(reviews.every((r) => r.book.author.name.startsWith('bulk author'))).toBe(true);
    queries = 0;
    const slim = await db.query(Book).where({ isbn: 'bulk1' }).select('title').include('author').first();
    expect(slim).toEqual({ title: 'Bulk 1', author: expect.objectContaining({ name: 'bulk author 1' }) });
  });
});
