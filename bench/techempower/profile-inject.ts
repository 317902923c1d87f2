// Runs one TechEmpower test against the Basalt app in-process (app.fastify.inject, `--concurrency`
// requests in flight), without sockets, so that a CPU profile shows the framework rather than
// the kernel. Prints CPU µs per request. Profile with:
//   node --conditions=source --import tsx --cpu-prof --cpu-prof-dir=/tmp/tp \
//     bench/techempower/profile-inject.ts updates [requests] [--concurrency 10]
//   node --import tsx bench/db/profile-summary.ts --filter src/ /tmp/tp/*.cpuprofile
import { parseArgs } from 'node:util';
import { createTechEmpowerApp } from './basalt-app.js';
import { ensurePostgres, prepareDatabase } from './setup.js';

const URLS: Record<string, string> = {
  json: '/json',
  plaintext: '/plaintext',
  db: '/db',
  queries: '/queries?queries=20',
  fortunes: '/fortunes',
  updates: '/updates?queries=20',
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string', default: '10' } },
});
const [test = 'db', requests = '5000'] = positionals;
const url = URLS[test];
if (!url) {
  console.error(`Usage: profile-inject.ts <${Object.keys(URLS).join('|')}> [requests] [--concurrency n]`);
  process.exit(2);
}
await ensurePostgres();
await prepareDatabase();
const app = await createTechEmpowerApp();
await app.fastify.ready();

async function run(total: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next += 1;
      const res = await app.fastify.inject({ method: 'GET', url });
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
}

const n = Number(requests);
await run(Math.max(200, Math.floor(n / 5)));
const cpu = process.cpuUsage();
const start = performance.now();
await run(n);
const wall = performance.now() - start;
const used = process.cpuUsage(cpu);
console.log(
  `${n} x ${url}: ${((wall * 1000) / n).toFixed(0)} µs wall/req, ${((used.user + used.system) / n).toFixed(1)} µs CPU/req`,
);
await app.stop();
