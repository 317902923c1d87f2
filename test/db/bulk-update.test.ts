import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, allModels, Book } from './fixtures/models.js';

describe.each(dialects)('bulkUpdate on $name', (dialect) => {
  let db: Database<(typeof allModels)[number]>;
  const statements: string[] = [];
  const updates = () => statements.filter((s) => /^update /i.test(s));
  let author: { id: number };

  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(allModels, (event) => statements.push(event.query.sql));
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    if (dialect.skip) return;
    await db.deleteMany(Book, {});
    await db.deleteMany(Author, {});
    author = await db.create(Author, { name: 'Ann' });
    statements.length = 0;
  });

  const books = (n: number) =>
    db.createMany(
      Book,
      Array.from({ length: n }, (_, i) => ({
        title: `Book ${i}`,
        isbn: `isbn-${i}`,
        price: '1.00',
        authorId: author.id,
      })),
    );

  it.skipIf(dialect.skip)('writes a different value to each row in one statement', async () => {
    const rows = await books(3);
    statements.length = 0;
    const changed = rows.map((b, i) => ({ ...b, title: `New ${i}`, price: `${i + 10}.50` }));
    expect(await db.bulkUpdate(Book, changed, ['title', 'price'])).toBe(3);
    expect(updates()).toHaveLength(1);
    const after = await db.query(Book).orderBy('isbn').all();
    expect(after.map((b) => [b.title, b.price])).toEqual([
      ['New 0', '10.50'],
      ['New 1', '11.50'],
      ['New 2', '12.50'],
    ]);
  });

  it.skipIf(dialect.skip)(
    'converts values like update (json, date, enum, null) and stamps updatedAt',
    async () => {
      const [one, two] = await books(2);
      const before = one!.updatedAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const count = await db.bulkUpdate(
        Book,
        [
          { id: one!.id, meta: { edition: 2 }, publishedOn: '2024-02-29', status: 'published' as const },
          { id: two!.id, meta: null, publishedOn: null, status: 'draft' as const },
        ],
        ['meta', 'publishedOn', 'status'],
      );
      expect(count).toBe(2);
      const a = await db.get(Book, one!.id);
      const b = await db.get(Book, two!.id);
      expect([a.meta, a.publishedOn, a.status]).toEqual([{ edition: 2 }, '2024-02-29', 'published']);
      expect([b.meta, b.publishedOn, b.status]).toEqual([null, null, 'draft']);
      expect(a.updatedAt.getTime()).toBeGreaterThan(before.getTime());
      expect(a.title).toBe('Book 0');
    },
  );

  it.skipIf(dialect.skip)(
    'refuses invalid rows with a pointer per row and field, writing nothing',
    async () => {
      const rows = await books(3);
      const attempt = db.bulkUpdate(
        Book,
        [
          { id: rows[0]!.id, title: 'fine', price: '2.00' },
          { id: rows[1]!.id, title: ' ', price: '2.001' },
          { id: 'x' as unknown as number, title: 'fine', price: '2.00' },
          { id: rows[2]!.id, title: 'no price' } as never,
        ],
        ['title', 'price'],
      );
      await expect(attempt).rejects.toMatchObject({
        code: 'BASALT_VALIDATION_FAILED',
        status: 400,
        errors: [
          { pointer: '/1/title', detail: 'Title must not be blank' },
          { pointer: '/1/price', code: 'invalid' },
          { pointer: '/2/id', code: 'invalid' },
          { pointer: '/3/price', code: 'required' },
        ],
      });
      expect(updates()).toHaveLength(0);
      expect((await db.query(Book).orderBy('isbn').all()).map((b) => b.title)).toEqual([
        'Book 0',
        'Book 1',
        'Book 2',
      ]);
    },
  );

  it.skipIf(dialect.skip)('refuses fields it cannot write with a clear error', async () => {
    const [row] = await books(1);
    for (const fields of [[], ['nope'], ['id'], ['tags'], ['title', 'title'], ['createdAt']]) {
      await expect(db.bulkUpdate(Book, [row!] as never, fields as never)).rejects.toMatchObject({
        code: 'BASALT_DB_INVALID_QUERY',
        status: 400,
      });
    }
    await expect(db.bulkUpdate(Book, [row!], ['title'], { batchSize: 0 })).rejects.toMatchObject({
      code: 'BASALT_DB_INVALID_QUERY',
    });
  });

  it.skipIf(dialect.skip)(
    'counts only rows that exist, and keeps the last row of a repeated key',
    async () => {
      const [one] = await books(1);
      const missing = one!.id + 1000;
      const count = await db.bulkUpdate(
        Book,
        [
          { id: one!.id, title: 'first' },
          { id: missing, title: 'ghost' },
          { id: one!.id, title: 'last' },
        ],
        ['title'],
      );
      expect(count).toBe(1);
      expect((await db.get(Book, one!.id)).title).toBe('last');
      expect(await db.bulkUpdate(Book, [], ['title'])).toBe(0);
      expect(updates()).toHaveLength(1);
    },
  );

  it.skipIf(dialect.skip)(
    'maps a unique violation to a 409, and rolls back every batch with it',
    async () => {
      const rows = await books(5);
      statements.length = 0;
      // Batches of 2: the third batch collides with a row written by the first.
      const changed = rows.map((b, i) => ({ id: b.id, isbn: i === 4 ? 'new-0' : `new-${i}` }));
      await expect(db.bulkUpdate(Book, changed, ['isbn'], { batchSize: 2 })).rejects.toMatchObject({
        code: 'BASALT_DB_UNIQUE_VIOLATION',
        status: 409,
      });
      expect(updates()).toHaveLength(3);
      expect((await db.query(Book).orderBy('isbn').all()).map((b) => b.isbn)).toEqual(
        rows.map((b) => b.isbn).sort(),
      );
    },
  );

  it.skipIf(dialect.skip)('splits a large input into batches under the parameter limits', async () => {
    const many = 10_500;
    await db.createMany(
      Author,
      Array.from({ length: many }, (_, i) => ({ name: `a${i}` })),
    );
    const authors = await db
      .query(Author)
      .where({ name: { startsWith: 'a' } })
      .all();
    expect(authors).toHaveLength(many);
    statements.length = 0;
    // Three parameters a row (id, name, bio): 10,000 rows a statement.
    const count = await db.bulkUpdate(
      Author,
      authors.map((a) => ({ id: a.id, name: a.name.toUpperCase(), bio: `bio of ${a.name}` })),
      ['name', 'bio'],
    );
    expect(count).toBe(many);
    expect(updates()).toHaveLength(2);
    expect(
      await db
        .query(Author)
        .where({ bio: { startsWith: 'bio of a' } })
        .count(),
    ).toBe(many);
    expect(await db.query(Author).where({ name: 'A10499' }).exists()).toBe(true);
  });

  it.skipIf(dialect.skip)('runs in the surrounding transaction and rolls back with it', async () => {
    const [one] = await books(1);
    await expect(
      db.transaction(async (tx) => {
        expect(await tx.bulkUpdate(Book, [{ id: one!.id, title: 'inside' }], ['title'])).toBe(1);
        expect((await tx.get(Book, one!.id)).title).toBe('inside');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await db.get(Book, one!.id)).title).toBe('Book 0');
  });
});
