import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrasApp, Reading } from './extras-app.js';
import { cookieOf, listedLinks, PASSWORD, postForm, relLink } from './helpers.js';

describe('the admin list’s counts', () => {
  let client: TestClient<typeof extrasApp.routes>;
  let cookie: string;
  // Every SQL statement the app runs (trace logging), to see how the list counts.
  const statements: string[] = [];
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; sql?: string };
      if (entry.msg === 'query' && entry.sql) statements.push(entry.sql);
    },
  };
  beforeAll(async () => {
    client = await createTestClient(extrasApp, { env: { LOG_LEVEL: 'trace' }, logger: { destination } });
    await getAuth(client.app).createUser(client.db!, {
      email: 'counter@example.com',
      password: PASSWORD,
      isStaff: true,
      isSuperuser: true,
    });
    const login = await postForm(client as never, '/admin/login', {
      username: 'counter@example.com',
      password: PASSWORD,
      next: '/admin/',
    });
    cookie = cookieOf(login)!;
  });
  afterAll(() => client.close());

  const get = (url: string) =>
    client.request({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
  const readingQueries = () => statements.filter((sql) => /from\s+"?reading"?/i.test(sql));

  it('counts a small list exactly, with page links', async () => {
    for (const value of [1, 2, 3]) await client.db!.create(Reading, { value });
    const res = await get('/admin/reading/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<p class="count">3 readings</p>');
    expect(relLink(res.text, 'next')).toBe('/admin/reading/?page=2');
    const second = await get(relLink(res.text, 'next')!);
    expect(listedLinks(second.text)).toEqual(['3']);
    expect(relLink(second.text, 'prev')).toBe('/admin/reading/');
  });

  it('estimates the count above exactCountLimit: no COUNT(*) over the table, “about N”, keyset links', async () => {
    for (const value of [4, 5, 6, 7, 8]) await client.db!.create(Reading, { value });
    statements.length = 0;
    const res = await get('/admin/reading/');
    expect(res.status).toBe(200);
    // Counting stops past the limit (SQLite has no planner estimate: the count is a lower bound).
    expect(res.text).toContain('<p class="count" data-estimate="true">about 4 readings</p>');
    const counts = readingQueries().filter((sql) => /count\s*\(/i.test(sql));
    expect(counts.length).toBeGreaterThan(0);
    for (const sql of counts) expect(sql, 'every count is capped').toMatch(/limit/i);
    // Past an estimated first page the list goes by keyset cursor, not by offset.
    const next = relLink(res.text, 'next')!;
    expect(next).toMatch(/cursor=n\./);
    const second = await get(next);
    expect(listedLinks(second.text)).toEqual(['3', '4']);
    expect(second.text).toContain('about 4 readings');
  });

  it('answers a bad page number with a 400', async () => {
    expect((await get('/admin/reading/?page=0')).status).toBe(400);
    expect((await get('/admin/reading/?page=x')).status).toBe(400);
  });
});
