import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, startShop } from './harness.js';
import { Author } from './shop.js';

type Item = Record<string, unknown>;

describe.each(cases)('resource querying on $name', ({ database }) => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let ids: Record<string, number>;
  let authorA: number;
  let authorB: number;
  const titles = async (query: string) => {
    const res = await shop.call('GET', `/api/books?pageSize=100&${query}`);
    expect(res.status, `${query}: ${res.text}`).toBe(200);
    return (res.body.results as Item[]).map((b) => b.title);
  };
  beforeAll(async () => {
    shop = await startShop(database);
    authorA = (await shop.author('Ursula')).id;
    authorB = (await shop.author('Frank')).id;
    const rows: [string, string, number, string | null, boolean][] = [
      ['The Dispossessed', '8.99', authorA, '1974-05-01', true],
      ['The Lathe of Heaven', '12.00', authorA, null, true],
      ['Dune', '20.00', authorB, '1965-08-01', false],
      ["O'Brien's 100% SELECT", '15.50', authorB, null, true],
      ['Under_score', '30.00', authorB, '2001-01-01', true],
    ];
    ids = {};
    for (const [title, price, authorId, publishedOn, inStock] of rows)
      ids[title] = (await shop.book({ title, price, authorId, publishedOn, inStock })).id;
  });
  afterAll(() => shop.client.close());

  it('filters with every declared lookup', async () => {
    expect(await titles('price=12.00')).toEqual(['The Lathe of Heaven']);
    expect(await titles('price[lt]=12')).toEqual(['The Dispossessed']);
    expect(await titles('price[lte]=12')).toEqual(['The Dispossessed', 'The Lathe of Heaven']);
    expect(await titles('price[gt]=20')).toEqual(['Under_score']);
    expect(await titles('price[gte]=20&price[lt]=30')).toEqual(['Dune']);
    expect(await titles(`author=${authorA}`)).toEqual(['The Dispossessed', 'The Lathe of Heaven']);
    expect(await titles(`author[in]=${authorA}&author[in]=${authorB}&price[gt]=19`)).toEqual([
      'Dune',
      'Under_score',
    ]);
    expect(await titles(`author[in]=${authorB}&title[startsWith]=D`)).toEqual(['Dune']);
    expect(await titles(`author[notIn]=${authorB}&price[ne]=8.99`)).toEqual(['The Lathe of Heaven']);
    expect(await titles('title=Dune')).toEqual(['Dune']);
    expect(await titles('title[contains]=Heaven')).toEqual(['The Lathe of Heaven']);
    expect(await titles('title[icontains]=heaven')).toEqual(['The Lathe of Heaven']);
    expect(await titles('title[endsWith]=essed')).toEqual(['The Dispossessed']);
    expect(await titles('publishedOn[isNull]=true')).toEqual([
      "O'Brien's 100% SELECT",
      'The Lathe of Heaven',
    ]);
    expect(await titles('publishedOn[isNull]=false&publishedOn[gte]=1970-01-01')).toEqual([
      'The Dispossessed',
      'Under_score',
    ]);
    expect(await titles('inStock=false')).toEqual(['Dune']);
  });

  it('matches hostile values literally', async () => {
    const hostile: [string, string, string[]][] = [
      ['title[contains]', '%', ["O'Brien's 100% SELECT"]],
      ['title[contains]', '_', ['Under_score']],
      ['title', "O'Brien's 100% SELECT", ["O'Brien's 100% SELECT"]],
      ['title[icontains]', "' OR 1=1 --", []],
      ['title[contains]', "%' OR '1'='1", []],
      ['title', 'Dune; DROP TABLE book; --', []],
      ['title[startsWith]', '\\', []],
      ['search', '100% select', ["O'Brien's 100% SELECT"]],
      ['search', '%', ["O'Brien's 100% SELECT"]],
      ['search', "') OR ('a'='a", []],
    ];
    for (const [param, value, expected] of hostile)
      expect(await titles(`${param}=${encodeURIComponent(value)}`), `${param}=${value}`).toEqual(expected);
    expect(await titles('')).toHaveLength(5);
  });

  it('searches every word in the declared fields', async () => {
    expect(await titles('search=the')).toEqual(['The Dispossessed', 'The Lathe of Heaven']);
    expect(await titles('search=lathe heaven')).toEqual(['The Lathe of Heaven']);
    expect(await titles('search=lathe dune')).toEqual([]);
    const many = await shop.call('GET', `/api/books?search=${'a '.repeat(11)}`);
    expect(many.status).toBe(400);
    expect(many.body.errors).toEqual([expect.objectContaining({ pointer: '/query/search' })]);
  });

  it('orders by allowed fields, several and descending', async () => {
    expect(await titles('ordering=-price')).toEqual([
      'Under_score',
      'Dune',
      "O'Brien's 100% SELECT",
      'The Lathe of Heaven',
      'The Dispossessed',
    ]);
    expect(await titles(`ordering=publishedOn,-title&author=${authorB}`)).toEqual([
      "O'Brien's 100% SELECT",
      'Dune',
      'Under_score',
    ]);
    // The default ordering is the model's (title).
    expect((await titles(''))[0]).toBe('Dune');
  });

  it('refuses undeclared filters, lookups, orderings, includes and fields with a 400 naming them', async () => {
    const refused = [
      ['isbn=1', '/query/isbn'],
      ['cost[lt]=3', '/query/cost[lt]'],
      ['price[contains]=1', '/query/price[contains]'],
      ['price[regex]=1', '/query/price[regex]'],
      ['title[like]=x', '/query/title[like]'],
      ['ordering=cost', '/query/ordering'],
      ['ordering=price;drop table book', '/query/ordering'],
      ['include=reviews', '/query/include'],
      ['fields=title,cost%20', '/query/fields'],
      ['price=cheap', '/query/price'],
      ['publishedOn[gte]=yesterday', '/query/publishedOn[gte]'],
      ['author[in]=x', '/query/author[in]/0'],
      ['pageSize=101', '/query/pageSize'],
      ['page=x', '/query/page'],
      [Array.from({ length: 101 }, (_, i) => `author[in]=${i + 1}`).join('&'), '/query/author[in]'],
    ];
    for (const [query, pointer] of refused) {
      const res = await shop.call('GET', `/api/books?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('BASALT_VALIDATION_FAILED');
      expect(
        (res.body.errors as { pointer: string }[]).map((e) => e.pointer),
        query,
      ).toContain(pointer);
    }
  });

  it('paginates by page number with a count and links', async () => {
    const first = await shop.call('GET', '/api/books?pageSize=2&ordering=price');
    expect(first.body).toMatchObject({ count: 5, previous: null });
    expect((first.body.results as Item[]).map((b) => b.price)).toEqual(['8.99', '12.00']);
    const second = await shop.call(
      'GET',
      new URL(String(first.body.next)).pathname + new URL(String(first.body.next)).search,
    );
    expect((second.body.results as Item[]).map((b) => b.price)).toEqual(['15.50', '20.00']);
    expect(String(second.body.previous)).toContain('page=1');
    const last = await shop.call('GET', '/api/books?pageSize=2&ordering=price&page=3');
    expect(last.body).toMatchObject({ next: null });
    expect(last.body.results).toHaveLength(1);
  });

  it('paginates with cursors forward and back, stable under inserts', async () => {
    const names = ['Aa', 'Bb', 'Cc', 'Dd', 'Ee'];
    for (const name of names) await shop.client.db!.create(Author, { name: `Cursor ${name}` });
    const pageOf = async (url: string) => {
      const res = await shop.call('GET', url);
      expect(res.status, res.text).toBe(200);
      expect(res.body).not.toHaveProperty('count');
      return res.body as { next: string | null; previous: string | null; results: Item[] };
    };
    const rel = (link: string) => {
      const url = new URL(link);
      return url.pathname + url.search;
    };
    const one = await pageOf('/api/authors?name[startsWith]=Cursor&ordering=name');
    expect(one.results.map((a) => a.name)).toEqual(['Cursor Aa', 'Cursor Bb']);
    expect(one.previous).toBeNull();
    await shop.client.db!.create(Author, { name: 'Cursor Ab' });
    const two = await pageOf(rel(one.next!));
    expect(two.results.map((a) => a.name)).toEqual(['Cursor Cc', 'Cursor Dd']);
    const three = await pageOf(rel(two.next!));
    expect(three.results.map((a) => a.name)).toEqual(['Cursor Ee']);
    expect(three.next).toBeNull();
    const back = await pageOf(rel(three.previous!));
    expect(back.results.map((a) => a.name)).toEqual(['Cursor Cc', 'Cursor Dd']);
    const start = await pageOf(rel(back.previous!));
    expect(start.results.map((a) => a.name)).toEqual(['Cursor Ab', 'Cursor Bb']);
    const bad = await shop.call('GET', '/api/authors?cursor=n.bm90LWpzb24');
    expect(bad.status).toBe(400);
    const forged = await shop.call('GET', '/api/authors?cursor=zzz');
    expect(forged.status).toBe(400);
  });

  it('returns only the fields asked for, id always', async () => {
    const res = await shop.call('GET', `/api/books/${ids.Dune}?fields=title,priceWithTax`);
    expect(res.body).toEqual({ id: ids.Dune, title: 'Dune', priceWithTax: '24.00' });
    const list = await shop.call('GET', '/api/books?fields=price&ordering=-price&pageSize=1');
    expect(list.body.results).toEqual([{ id: ids.Under_score, price: '30.00' }]);
  });
});
