// Fortunes over HTTP: the template literal, a TSX template and page() + TSX, served by one
// Basalt process (bench/views/fortunes-server.ts) and loaded with autocannon in alternating
// slices, so a burst of load from elsewhere on the shared machine falls on all three. Prints
// the median req/s of each and its ratio to the literal. Indicative: the load generator shares
// the machine's cores with the server.
//   flock /tmp/bench.lock node bench/views/fortunes-http.js [--rounds 3] [--duration 5]
import { parseArgs } from 'node:util';
import { runLoad } from '../lib/load.js';
import { startServer } from '../lib/servers.js';
import { ensurePostgres, prepareDatabase } from '../techempower/setup.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
  },
});
const VARIANTS = ['/literal', '/tsx', '/page'];
await ensurePostgres();
await prepareDatabase();
const server = await startServer({ name: 'fortunes-views', entry: 'bench/views/fortunes-server.ts' });
try {
  const bodies = await Promise.all(
    VARIANTS.map(async (path) => (await fetch(new URL(path, server.url))).text()),
  );
  for (const [i, body] of bodies.entries())
    if (body !== bodies[0]) throw new Error(`${VARIANTS[i]} renders another page than the literal`);
  const rates = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const load = (path, duration) =>
    runLoad({
      url: server.url,
      request: { method: 'GET', path },
      connections: Number(values.connections),
      duration,
      pipelining: 1,
    });
  for (const path of VARIANTS) await load(path, 2); // warm-up
  for (let round = 0; round < Number(values.rounds); round += 1) {
    const order = [...VARIANTS.slice(round % 3), ...VARIANTS.slice(0, round % 3)];
    for (const path of order) {
      const result = await load(path, Number(values.duration));
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      rates[path].push(result.requestsPerSec);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(rates['/literal']);
  console.log('| variant | req/s (median) | ÷ literal | rounds |\n| :-- | --: | --: | :-- |');
  for (const path of VARIANTS) {
    const m = median(rates[path]);
    console.log(
      `| ${path} | ${Math.round(m)} | ${(m / base).toFixed(2)} | ${rates[path].map(Math.round).join(', ')} |`,
    );
  }
} finally {
  await server.stop();
}
