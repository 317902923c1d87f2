// What tracing costs a request: the same app (GET /books/:id, one SQLite read) without
// tracing(), with tracing() and no SDK, and with an SDK recording every span, measured in
// turn for several rounds (medians), each in its own process.
//   flock /tmp/bench.lock npm run bench:tracing -- --duration 10 --rounds 3
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface Cannon {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no types: the few fields read here.
const autocannon = (await import('autocannon' as string)).default as (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<Cannon>;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const MODES = ['off', 'api', 'sdk'] as const;

function start(mode: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=basalt-source', '--import', 'tsx', join(import.meta.dirname, 'app.ts')],
    { env: { ...process.env, TRACING: mode }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening (\d+)/.exec(out)?.[1];
      if (port) resolve({ child, url: `http://127.0.0.1:${port}/books/42` });
    });
    child.once('exit', (code) => reject(new Error(`the ${mode} app exited with ${code}`)));
  });
}

const servers = new Map<string, { child: ChildProcess; url: string }>();
for (const mode of MODES) servers.set(mode, await start(mode));
const figures = new Map<string, number[]>(MODES.map((m) => [m, []]));
try {
  for (const mode of MODES) await autocannon({ url: servers.get(mode)!.url, connections, duration: 2 }); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of MODES) {
      const result = await autocannon({
        url: servers.get(mode)!.url,
        connections,
        duration,
        // A sampled incoming trace: every span is recorded in `sdk` mode.
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${mode}: ${result.non2xx} non-2xx answers`);
      figures.get(mode)!.push(result.requests.average);
      console.log(
        `round ${round + 1} ${mode}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms`,
      );
    }
  }
} finally {
  for (const { child } of servers.values()) child.kill('SIGTERM');
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const base = median(figures.get('off')!);
console.log(
  `\nload average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (at the end)`,
);
console.log('| tracing | req/s (median) | vs off |\n|---|---|---|');
for (const mode of MODES) {
  const value = median(figures.get(mode)!);
  console.log(`| ${mode} | ${Math.round(value)} | ${(value / base).toFixed(2)}x |`);
}
