// Fortunes through basalt/views against the hand-written template literal, in one process
// without sockets: one Basalt app on the TechEmpower database serves the page three ways —
// `get` + template literal (bench/techempower's own), `get` + a TSX template, and `page()` + the
// same TSX template — and `inject` runs them in alternating slices, ten in flight. Prints CPU µs
// per request and each variant's throughput relative to the literal (literal CPU ÷ its CPU).
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/views/fortunes-ab.tsx [--rounds 5] [--requests 3000]
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ensurePostgres, prepareDatabase } from '../techempower/setup.js';
import { createFortunesApp, VARIANTS } from './fortunes-app.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '3000' } },
});
await ensurePostgres();
await prepareDatabase();
const app = await createFortunesApp();
const fastify: FastifyInstance = app.fastify;
await fastify.ready();

const literal = (await fastify.inject({ url: '/literal' })).body;
for (const url of ['/tsx', '/page']) {
  const body = (await fastify.inject({ url })).body;
  if (body !== literal) throw new Error(`${url} renders another page than the literal:\n${body}\n${literal}`);
}

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

const urls: string[] = [...VARIANTS];
const n = Number(values.requests);
const slices = 10;
const slice = Math.max(10, Math.floor(n / slices));
for (const url of urls) await run(url, Math.floor(n / 2));
const cpu: Record<string, number[]> = Object.fromEntries(urls.map((u) => [u, []]));
for (let r = 0; r < Number(values.rounds); r += 1) {
  const spent: Record<string, number> = Object.fromEntries(urls.map((u) => [u, 0]));
  for (let i = 0; i < slices; i += 1) {
    const order = [...urls.slice((r + i) % urls.length), ...urls.slice(0, (r + i) % urls.length)];
    for (const url of order) spent[url]! += await measure(url, slice);
  }
  for (const url of urls) cpu[url]!.push(spent[url]! / slices);
}
const base = median(cpu['/literal']!);
console.log('| variant | CPU µs/req | throughput ÷ literal |\n| :-- | --: | --: |');
for (const url of urls) {
  const m = median(cpu[url]!);
  console.log(`| ${url} | ${m.toFixed(1)} | ${(base / m).toFixed(2)} |`);
}
await app.stop();
