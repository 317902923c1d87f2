// Profiles the REST create of the Basalt resource in-process (app.fastify.inject, one request
// at a time), for an A/B of two checkouts or `node --cpu-prof`. Usage:
//   node --conditions=basalt-source --import tsx [--cpu-prof --cpu-prof-dir=/tmp/cp] bench/rest/profile-create.ts [n]
import { createRestBenchApp } from './app.js';

const app = await createRestBenchApp();
await app.fastify.ready();
const payload = JSON.stringify({
  title: 'Bench book',
  isbn: '9780000099999',
  pages: 321,
  price: '19.99',
  publishedOn: '2024-05-06',
  authorId: 7,
});
const create = () =>
  app.fastify.inject({
    method: 'POST',
    url: '/books',
    headers: { 'content-type': 'application/json' },
    payload,
  });
for (let i = 0; i < 300; i += 1) await create();
const n = Number(process.argv[2] ?? 2000);
const cpu = process.cpuUsage();
for (let i = 0; i < n; i += 1) {
  const res = await create();
  if (res.statusCode !== 201) throw new Error(res.body);
}
const used = process.cpuUsage(cpu);
console.log(`${n} creates: ${((used.user + used.system) / n).toFixed(0)} µs CPU/req`);
await app.stop();
