// Profiles one REST operation of the Basalt resource in-process (app.fastify.inject, one
// request at a time), for `node --cpu-prof`. Usage:
//   node --conditions=basalt-source --import tsx --cpu-prof --cpu-prof-dir=/tmp/rp bench/rest/profile.ts [url] [n]
import { createRestBenchApp } from './app.js';

const app = await createRestBenchApp();
await app.fastify.ready();
const url = process.argv[2] ?? '/books?include=author&page=3';
const n = Number(process.argv[3] ?? 3000);
for (let i = 0; i < 300; i += 1) await app.fastify.inject({ method: 'GET', url });
const cpu = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < n; i += 1) {
  const res = await app.fastify.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(res.body);
}
const wall = performance.now() - start;
const used = process.cpuUsage(cpu);
console.log(
  `${n} x ${url}: ${((wall * 1000) / n).toFixed(0)} µs wall/req, ${((used.user + used.system) / n).toFixed(0)} µs CPU/req (user ${(used.user / n).toFixed(0)}, system ${(used.system / n).toFixed(0)})`,
);
await app.stop();
