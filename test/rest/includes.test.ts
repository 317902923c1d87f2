import { getAuth } from 'basalt/auth';
import { createTestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from './harness.js';
import { Author, Book, shop, Tag } from './shop.js';

type Item = Record<string, unknown>;

describe.each(cases)('includes on $name', ({ database }) => {
  const queries: string[] = [];
  let client: Awaited<ReturnType<typeof createTestClient<typeof shop.routes, undefined>>>;
  let counting = false;
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; sql?: string };
      if (counting && entry.msg === 'query') queries.push(String(entry.sql));
    },
  };
  const get = async (url: string) => {
    queries.length = 0;
    counting = true;
    const res = await client.request({ method: 'GET', url });
    counting = false;
    expect(res.status, res.text).toBe(200);
    return res.body as Item & { results: Item[] };
  };

  beforeAll(async () => {
    client = await createTestClient(shop, { database, env: { LOG_LEVEL: 'trace' }, logger: { destination } });
    const db = client.db!;
    const tags = await db.createMany(Tag, [{ name: 'sf' }, { name: 'classic' }, { name: 'prize' }]);
    for (let a = 0; a < 10; a += 1) {
      const author = await db.create(Author, { name: `Writer ${a}` });
      for (let b = 0; b < 3; b += 1)
        await db.create(Book, {
          title: `W${a} book ${b}`,
          isbn: String(2000000000 + a * 10 + b),
          price: `${10 + b}.00`,
          authorId: author.id,
          tags: tags.slice(0, b + 1).map((t) => t.id),
        });
    }
  });
  afterAll(() => client.close());

  it('nests the related objects asked for, with their readable fields only', async () => {
    const page = await get('/api/books?include=author,tags&title[startsWith]=W3&ordering=price');
    expect(page.results.map((b) => b.title)).toEqual(['W3 book 0', 'W3 book 1', 'W3 book 2']);
    expect(page.results[0]!.author).toEqual({ id: page.results[0]!.authorId, name: 'Writer 3', bio: null });
    expect(page.results.map((b) => (b.tags as Item[]).map((t) => t.name))).toEqual([
      ['sf'],
      ['sf', 'classic'],
      ['sf', 'classic', 'prize'],
    ]);
    const plain = await get('/api/books?title[startsWith]=W3');
    expect(plain.results[0]).not.toHaveProperty('author');
    const one = await get(`/api/books/${page.results[1]!.id}?include=tags&fields=title`);
    expect(one).toEqual({
      id: page.results[1]!.id,
      title: 'W3 book 1',
      tags: [expect.objectContaining({ name: 'sf' }), expect.objectContaining({ name: 'classic' })],
    });
  });

  it('loads includes in a bounded number of queries, whatever the page size (no N+1)', async () => {
    await get('/api/books?pageSize=5');
    const base = queries.length;
    await get('/api/books?pageSize=5&include=author,tags');
    expect(queries.length).toBe(base + 2);
    await get('/api/books?pageSize=30&include=author,tags');
    expect(queries.length).toBe(base + 2);
    const authors = await get('/api/authors?include=books&pageSize=5&name[startsWith]=Writer');
    expect(queries.length).toBe(2);
    expect(authors.results).toHaveLength(5);
    expect(authors.results[0]!.books).toEqual([
      { id: expect.any(Number), title: 'W0 book 0', price: '10.00' },
      { id: expect.any(Number), title: 'W0 book 1', price: '11.00' },
      { id: expect.any(Number), title: 'W0 book 2', price: '12.00' },
    ]);
  });

  it('nests a relation of a relation, one query per level', async () => {
    const page = await get('/api/authors?include=books.tags&pageSize=2&name[startsWith]=Writer');
    expect(queries.length).toBe(3);
    expect(page.results[0]!.books).toEqual([
      {
        id: expect.any(Number),
        title: 'W0 book 0',
        price: '10.00',
        tags: [{ id: expect.any(Number), name: 'sf' }],
      },
      expect.objectContaining({
        title: 'W0 book 1',
        tags: [expect.objectContaining({ name: 'sf' }), expect.objectContaining({ name: 'classic' })],
      }),
      expect.objectContaining({ title: 'W0 book 2' }),
    ]);
    const flat = await get('/api/authors?include=books&pageSize=1&name[startsWith]=Writer');
    expect((flat.results[0]!.books as Item[])[0]).not.toHaveProperty('tags');
  });

  it('never shows write-only fields of included objects', async () => {
    const service = getAuth(client.app);
    const user = await service.createUser(client.db!, {
      email: 'include@example.com',
      password: 'correct horse battery staple',
    });
    const { access } = await service.issueTokens(client.db!, user);
    const headers = { authorization: `Bearer ${access}` };
    await client.request({ method: 'POST', url: '/api/orders', headers, payload: {} });
    const res = await client.request({ method: 'GET', url: '/api/orders?include=owner', headers });
    const order = (res.body as { results: Item[] }).results[0]!;
    expect(order.owner).toMatchObject({ id: user.id, email: 'include@example.com', isStaff: false });
    expect(order.owner).not.toHaveProperty('password');
    expect(res.text).not.toContain('argon2');
  });
});
