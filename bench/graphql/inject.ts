// The graphql suite's two requests (20 books with their author, PostgreSQL, NODE_ENV=production)
// in one process through Fastify's inject: CPU time per request, the two alternated in rounds,
// so a loaded machine slows both alike. No sockets: what differs is Basalt's own work (body
// parsing, validation, execution, serialization), not the load generator's.
//   flock /tmp/bench.lock node --conditions=basalt-source --import tsx bench/graphql/inject.ts
import { createGraphQLBenchApp } from './app.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const PER_ROUND = Number(process.env.PER_ROUND ?? 1_000);
const QUERY =
  '{ books(pageSize: 20) { totalCount hasNextPage items { id title isbn pages price publishedOn authorId author { id name bio } } } }';

const app = await createGraphQLBenchApp();
await app.fastify.ready();
const payload = JSON.stringify({ query: QUERY });
const variants: Record<string, () => Promise<{ statusCode: number }>> = {
  rest: () => app.fastify.inject({ method: 'GET', url: '/books?include=author' }),
  graphql: () =>
    app.fastify.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json' },
      payload,
    }),
};

// ONLY=graphql (or rest) runs one of them, e.g. under --cpu-prof.
if (process.env.ONLY)
  for (const name of Object.keys(variants)) if (name !== process.env.ONLY) delete variants[name];
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (const [name, run] of Object.entries(variants)) {
  for (let i = 0; i < 200; i++) {
    const res = await run();
    if (res.statusCode !== 200) throw new Error(`${name} answered ${res.statusCode}`);
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const start = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) await run();
    const used = process.cpuUsage(start);
    samples[name]!.push((used.user + used.system) / PER_ROUND);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rest = samples.rest ? median(samples.rest) : Number.NaN;
console.log(`${ROUNDS} rounds × ${PER_ROUND} requests, node ${process.version}`);
for (const [name, values] of Object.entries(samples)) {
  const m = median(values);
  console.log(
    `${name.padEnd(8)} ${m.toFixed(1).padStart(7)} µs/req   ${(m / rest).toFixed(2)}× REST   rounds ${values.map((v) => v.toFixed(0)).join(' ')}`,
  );
}
await app.stop();
