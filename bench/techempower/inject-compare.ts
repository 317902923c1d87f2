// Basalt against raw Fastify in one process, without sockets: each TechEmpower test runs
// through `inject` on the Basalt app (basalt-app.ts) and the raw Fastify app (fastify-app.ts)
// in alternating slices, ten requests in flight, and prints the CPU µs per request of each, the
// medians over rounds and Basalt's ratio. Both pay light-my-request's cost, so the ratio
// understates the gap over HTTP; the difference in µs is what Basalt adds per request.
//   node --conditions=basalt-source --import tsx bench/techempower/inject-compare.ts [test ...] [--rounds 5] [--requests n]
// Run it under `flock /tmp/bench.lock`. Requests per round are kept moderate: light-my-request
// 6.8 on Node 20 retains about 10 KB per injected request (with a bare dispatch function too),
// and a heap of gigabytes would make late rounds pay more for garbage collection.
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { createTechEmpowerApp } from './basalt-app.js';
import { createFastifyApp } from './fastify-app.js';
import { ensurePostgres, prepareDatabase } from './setup.js';

const URLS: Record<string, { url: string; requests: number }> = {
  json: { url: '/json', requests: 5000 },
  plaintext: { url: '/plaintext', requests: 5000 },
  db: { url: '/db', requests: 3000 },
  queries: { url: '/queries?queries=20', requests: 300 },
  fortunes: { url: '/fortunes', requests: 3000 },
  updates: { url: '/updates?queries=20', requests: 150 },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string' },
    concurrency: { type: 'string', default: '10' },
  },
});
const tests = positionals.length > 0 ? positionals : Object.keys(URLS);
for (const test of tests) {
  if (!URLS[test]) {
    console.error(`Unknown test ${test}; one of ${Object.keys(URLS).join(', ')}`);
    process.exit(2);
  }
}

await ensurePostgres();
await prepareDatabase();
const basalt = await createTechEmpowerApp();
const raw = createFastifyApp();
await basalt.fastify.ready();
await raw.app.ready();
const apps: Record<string, FastifyInstance> = { basalt: basalt.fastify, fastify: raw.app };

async function run(app: FastifyInstance, url: string, total: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next += 1;
      const res = await app.inject({ method: 'GET', url });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
}

async function measure(app: FastifyInstance, url: string, n: number): Promise<number> {
  const cpu = process.cpuUsage();
  await run(app, url, n);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// Each round measures both apps in alternating order; a round is `slices` short alternating
// batches per app, so that a burst of load from elsewhere on the machine falls on both.
const rounds = Number(values.rounds);
const slices = 10;
const rows: string[] = [];
for (const test of tests) {
  const { url, requests } = URLS[test]!;
  const n = values.requests ? Number(values.requests) : requests;
  const slice = Math.max(10, Math.floor(n / slices));
  for (const name of ['basalt', 'fastify']) await run(apps[name]!, url, Math.max(200, Math.floor(n / 2)));
  const cpu: Record<string, number[]> = { basalt: [], fastify: [] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const spent: Record<string, number> = { basalt: 0, fastify: 0 };
    for (let i = 0; i < slices; i += 1) {
      const order = (r + i) % 2 === 0 ? ['basalt', 'fastify'] : ['fastify', 'basalt'];
      for (const name of order) spent[name]! += await measure(apps[name]!, url, slice);
    }
    cpu.basalt!.push(spent.basalt! / slices);
    cpu.fastify!.push(spent.fastify! / slices);
    ratios.push(spent.basalt! / spent.fastify!);
  }
  const b = median(cpu.basalt!);
  const f = median(cpu.fastify!);
  const row = `| ${test} | ${b.toFixed(1)} | ${f.toFixed(1)} | ${(b - f).toFixed(1)} | ${median(ratios).toFixed(2)} | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} |`;
  console.log(row);
  rows.push(row);
}
console.log(
  `\n${rounds} rounds of ${slices} alternating slices, ${values.concurrency} in flight; medians of rounds.\n\n| test | basalt CPU µs/req | fastify CPU µs/req | difference µs | CPU ÷ fastify | range over rounds |\n| :-- | --: | --: | --: | --: | --: |\n${rows.join('\n')}`,
);
await basalt.stop();
await raw.app.close();
await raw.pool.end();
