// The admin's change form of an object with 10,000 children shown as a paginated inline:
// whole requests in-process (inject: routing, session, permissions, the operation layer, the
// parent's read, one page of children, rendering), p50 and p95. SQLite in memory by default;
// BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test runs it on PostgreSQL.
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/admin/change-form.ts
// BENCH_CHILDREN changes the number of children (default 10000).
import { performance } from 'node:perf_hooks';
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth, getAuth } from 'basalt/auth';
import { defineModel, f, sql } from 'basalt/db';
import { createTestClient } from 'basalt/testing';

const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 10_000);
const REQUESTS = 300;

const Project = defineModel('project', {
  name: f.string({ max: 120 }),
  active: f.boolean({ default: true }),
  tasks: f.hasMany('task', { foreignKey: 'project' }),
});

const Task = defineModel('task', {
  title: f.string({ max: 120 }),
  done: f.boolean({ default: false }),
  estimate: f.integer({ default: 1 }),
  project: f.belongsTo(() => Project, { onDelete: 'cascade' }),
});

const app = defineApp({
  name: 'planner',
  models: [Project, Task],
  modules: [auth(), admin({ models: { project: { inlines: [{ relation: 'tasks', perPage: 20 }] } } })],
});

const url = process.env.BENCH_DATABASE_URL;
const client = await createTestClient(app, url ? { database: { url } } : {});
try {
  const db = client.db!;
  const project = (await db.create(Project, { name: 'Big project' })) as { id: number };
  const started = performance.now();
  const series =
    db.dialect === 'postgres'
      ? `select x from generate_series(1, ${CHILDREN}) as x`
      : `with recursive c(x) as (select 1 union all select x + 1 from c where x < ${CHILDREN}) select x from c`;
  await sql
    .raw(
      `insert into task (title, done, estimate, project_id) select 'Task ' || x, ${db.dialect === 'postgres' ? 'x % 3 = 0' : '(x % 3 = 0)'}, x % 8, ${project.id} from (${series}) as s`,
    )
    .execute(db.kysely);
  await sql.raw(db.dialect === 'postgres' ? 'analyze task' : 'analyze').execute(db.kysely);
  console.log(
    `${db.dialect}: ${CHILDREN} children in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

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
  const form = `/admin/project/${project.id}/change`;
  const html = await get(form);
  const rows = (html.match(/name="tasks-\d+-id"/g) ?? []).length;
  if (rows !== 20) throw new Error(`the inline shows ${rows} rows, not 20`);
  const nextHref = /<a rel="next" href="([^"#]+)#inline_tasks"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  if (!nextHref) throw new Error('the inline has no next page');
  const middle = `${form}?tasks-after=${Math.floor(CHILDREN / 2)}`;
  const scenarios: [string, string][] = [
    [`change form, inline of ${CHILDREN} children, first page of 20`, form],
    ['the inline’s next page', nextHref],
    ['an inline page in the middle', middle],
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
