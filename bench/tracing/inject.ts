// CPU time per request of tracing() with no SDK registered, against no tracing(): the same
// GET (one SQLite row) through Fastify's inject (no sockets), both apps in this process,
// measured in alternating rounds by process.cpuUsage() (less swayed by a busy machine than
// throughput). The API's global provider stays the no-op proxy: nothing registers an SDK.
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/tracing/inject.ts
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { BasaltApp } from 'basalt';
import { bookApp } from './book-app.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } },
});
const requests = Number(values.requests);
const rounds = Number(values.rounds);

async function start(traced: boolean): Promise<BasaltApp> {
  const app = await bookApp(traced, 1);
  await app.start();
  await app.fastify.ready();
  return app;
}

const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
/** Microseconds of CPU per request over `count` sequential requests. */
async function measure(app: BasaltApp, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) {
    const answer = await app.fastify.inject({ method: 'GET', url: '/books/1', headers });
    if (answer.statusCode !== 200) throw new Error(`answered ${answer.statusCode}`);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const apps = { off: await start(false), api: await start(true) };
const figures = { off: [] as number[], api: [] as number[] };
for (const app of Object.values(apps)) await measure(app, 2000); // warm-up
for (let round = 0; round < rounds; round += 1) {
  for (const mode of ['off', 'api'] as const) figures[mode].push(await measure(apps[mode], requests));
  console.log(
    `round ${round + 1}: off ${figures.off.at(-1)!.toFixed(1)} µs, api ${figures.api.at(-1)!.toFixed(1)} µs`,
  );
}
// The minimum too: on a busy machine other processes only ever add CPU time (caches, clocks).
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const [name, pick] of [
  ['median', median],
  ['min', (list: number[]) => Math.min(...list)],
] as const) {
  const off = pick(figures.off);
  const api = pick(figures.api);
  console.log(
    `${name} CPU per request: off ${off.toFixed(1)} µs, api ${api.toFixed(1)} µs (${(api / off).toFixed(3)}x)`,
  );
}
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const app of Object.values(apps)) await app.stop();
