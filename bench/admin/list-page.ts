// The admin's list page over a table of 1,000,000 rows, with a filter and a sort, and the page
// after it (keyset cursor): whole requests in-process (inject: routing, session, permissions,
// the operation layer, the query, rendering), p50 and p95. SQLite in memory by default;
// BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test runs it on PostgreSQL (in a
// schema of its own, dropped after).
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/admin/list-page.ts
// BENCH_ROWS changes the row count (default 1000000).
import { performance } from 'node:perf_hooks';
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth, getAuth } from 'basalt/auth';
import { defineModel, f, sql } from 'basalt/db';
import { createTestClient } from 'basalt/testing';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REQUESTS = 300;

const Ticket = defineModel(
  'ticket',
  {
    title: f.string({ max: 120 }),
    status: f.enum({ choices: { open: 'Open', closed: 'Closed', pending: 'Pending' }, default: 'open' }),
    urgent: f.boolean({ default: false }),
    score: f.integer(),
  },
  // An index per way the list is read: a filter first, the sort after it (the key is in both).
  {
    indexes: [
      ['status', 'score'],
      ['status', 'urgent'],
    ],
  },
);

const app = defineApp({
  name: 'helpdesk',
  models: [Ticket],
  modules: [
    auth(),
    admin({
      models: {
        ticket: { list: ['title', 'status', 'urgent', 'score'], filters: ['status', 'urgent'], perPage: 50 },
      },
    }),
  ],
});

const url = process.env.BENCH_DATABASE_URL;
const client = await createTestClient(app, url ? { database: { url } } : {});
try {
  const db = client.db!;
  const started = performance.now();
  const status = "case x % 3 when 0 then 'open' when 1 then 'closed' else 'pending' end";
  if (db.dialect === 'postgres') {
    await sql
      .raw(
        `insert into ticket (title, status, urgent, score) select 'Ticket ' || x, ${status}, x % 7 = 0, (x::bigint * 7919) % 100000 from generate_series(1, ${ROWS}) as x`,
      )
      .execute(db.kysely);
    await sql`analyze ticket`.execute(db.kysely);
  } else {
    await sql
      .raw(
        `with recursive c(x) as (select 1 union all select x + 1 from c where x < ${ROWS}) insert into ticket (title, status, urgent, score) select 'Ticket ' || x, ${status}, x % 7 = 0, (x * 7919) % 100000 from c`,
      )
      .execute(db.kysely);
    await sql`analyze`.execute(db.kysely);
  }
  console.log(`${db.dialect}: ${ROWS} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const email = 'bench@example.com';
  const password = 'correct horse battery staple';
  await getAuth(client.app).createUser(db, { email, password, isStaff: true, isSuperuser: true });
  const login = await client.request({
    method: 'POST',
    url: '/admin/login',
    payload: new URLSearchParams({ username: email, password }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
  });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const get = async (path: string) => {
    const res = await client.request({ method: 'GET', url: path, headers: { cookie, accept: 'text/html' } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text.slice(0, 300)}`);
    return res.text;
  };
  const first = '/admin/ticket/?status=open&o=-score';
  const nextHref = /<a rel="next" href="([^"]+)"/.exec(await get(first))?.[1]?.replaceAll('&amp;', '&');
  if (!nextHref) throw new Error('the first page has no next link');
  const scenarios: [string, string][] = [
    ['first page, filter status=open, sorted by -score', first],
    ['next page (keyset cursor)', nextHref],
    ['two filters (status=pending, urgent=true), default order', '/admin/ticket/?status=pending&urgent=true'],
  ];
  for (const [name, path] of scenarios) {
    for (let i = 0; i < 30; i++) await get(path);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      await get(path);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    console.log(`${name}: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms (${REQUESTS} requests)`);
  }
} finally {
  await client.close();
}
