// The storefront list page against the JSON list, in one process without sockets: one Basalt
// app on the REST bench's database serves `GET /api/books?include=author` (the REST resource)
// and `GET /books?include=author` (storefront-app.tsx's page()), and `inject` runs them in
// alternating slices, ten in flight. Prints CPU µs per request and the page's throughput
// relative to the JSON list (JSON CPU ÷ page CPU); issue 21 asks for ≥ 0.8.
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/views/storefront-ab.tsx [--rounds 5] [--requests 2000]
import { parseArgs } from 'node:util';
import { createApp, defineApp } from 'basalt';
import { resource } from 'basalt/rest';
import { Author, Book } from '../db/schema.js';
import { DATABASE_URL, prepareRestBench } from '../rest/setup.js';
import { listPage } from './storefront-app.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '2000' } },
});
await prepareRestBench();
const books = resource(Book, {
  path: '/api/books',
  include: ['author'],
  permissions: { read: 'anyone', write: 'anyone' },
  pagination: { style: 'page', pageSize: 20, maxPageSize: 100 },
});
const app = await createApp(
  defineApp({ name: 'storefront-ab', models: [Author, Book], routes: [...books.routes, listPage] }),
  {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_URL,
    },
  },
);
const fastify = app.fastify;
await fastify.ready();
const URLS = ['/api/books?include=author', '/books?include=author'];
const json = (await fastify.inject({ url: URLS[0]! })).json() as { results: unknown[] };
const html = (await fastify.inject({ url: URLS[1]! })).body;
if (json.results.length !== 20 || (html.match(/<li><a href="\/books\/\d+">/g) ?? []).length !== 20)
  throw new Error(`not 20 books each: ${json.results.length} JSON, HTML ${html.slice(0, 300)}`);

async function run(url: string, total: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next += 1;
      const res = await fastify.inject({ method: 'GET', url });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: 10 }, lane));
}
async function measure(url: string, n: number): Promise<number> {
  const cpu = process.cpuUsage();
  await run(url, n);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const n = Number(values.requests);
const slices = 10;
const slice = Math.max(10, Math.floor(n / slices));
for (const url of URLS) await run(url, Math.floor(n / 2));
const cpu: number[][] = [[], []];
for (let r = 0; r < Number(values.rounds); r += 1) {
  const spent = [0, 0];
  for (let i = 0; i < slices; i += 1) {
    const first = (r + i) % 2;
    spent[first]! += await measure(URLS[first]!, slice);
    spent[1 - first]! += await measure(URLS[1 - first]!, slice);
  }
  for (const k of [0, 1]) cpu[k]!.push(spent[k]! / slices);
}
const base = median(cpu[0]!);
console.log('| variant | CPU µs/req | throughput ÷ JSON |\n| :-- | --: | --: |');
for (const k of [0, 1]) {
  const m = median(cpu[k]!);
  console.log(`| ${k === 0 ? 'JSON list' : 'list page'} | ${m.toFixed(1)} | ${(base / m).toFixed(2)} |`);
}
await app.stop();
