// Runs one TechEmpower test against the Basalt app in-process (app.fastify.inject, `--concurrency`
// requests in flight), without sockets, so that a CPU profile shows the framework rather than
// the kernel. Prints CPU µs per request. Profile with:
//   node --conditions=basalt-source --import tsx --cpu-prof --cpu-prof-dir=/tmp/tp \
//     bench/techempower/profile-inject.ts updates [requests] [--concurrency 10]
//   node --import tsx bench/db/profile-summary.ts --filter src/ /tmp/tp/*.cpuprofile
// `--profile file.cpuprofile` profiles only the measured requests (not start-up or warm-up),
// through node:inspector; `--heap-profile file.heapprofile` samples what the measured requests
// allocate (collected objects included), by allocating function. `--app fastify` runs the raw Fastify app (fastify-app.ts) instead, for a profile to compare.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { createTechEmpowerApp } from './basalt-app.js';
import { createFastifyApp } from './fastify-app.js';
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
  options: {
    concurrency: { type: 'string', default: '10' },
    app: { type: 'string', default: 'basalt' },
    profile: { type: 'string' },
    'heap-profile': { type: 'string' },
  },
});
const [test = 'db', requests = '5000'] = positionals;
const url = URLS[test];
if (!url) {
  console.error(
    `Usage: profile-inject.ts <${Object.keys(URLS).join('|')}> [requests] [--concurrency n] [--app basalt|fastify]`,
  );
  process.exit(2);
}
await ensurePostgres();
await prepareDatabase();
const basalt = values.app === 'fastify' ? undefined : await createTechEmpowerApp();
const raw = basalt ? undefined : createFastifyApp();
const app = { fastify: basalt ? basalt.fastify : raw!.app };
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
const session = values.profile || values['heap-profile'] ? new Session() : undefined;
session?.connect();
if (values.profile) {
  await session!.post('Profiler.enable');
  // One sample every 50 µs (the default is 1 ms): per-request differences of a few µs show.
  await session!.post('Profiler.setSamplingInterval', { interval: 50 });
  await session!.post('Profiler.start');
}
if (values['heap-profile']) {
  await session!.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const cpu = process.cpuUsage();
const start = performance.now();
await run(n);
const wall = performance.now() - start;
const used = process.cpuUsage(cpu);
if (values.profile) {
  const { profile } = await session!.post('Profiler.stop');
  await writeFile(values.profile, JSON.stringify(profile));
}
if (values['heap-profile']) {
  const { profile } = await session!.post('HeapProfiler.stopSampling');
  await writeFile(values['heap-profile'], JSON.stringify(profile));
}
session?.disconnect();
console.log(
  `${n} x ${url}: ${((wall * 1000) / n).toFixed(0)} µs wall/req, ${((used.user + used.system) / n).toFixed(1)} µs CPU/req`,
);
if (basalt) await basalt.stop();
else {
  await raw!.app.close();
  await raw!.pool.end();
}
