// Capacity on this machine (issue 19, point 5):
//   1. the bookshop's book list through nginx (the scaffold's nginx.conf) with one node, then
//      two nodes (`basalt start`, WORKERS each), on one PostgreSQL database: the ratio shows
//      what the proxy and the shared database cost and what a second node buys;
//   2. jobs/s drained by 1, 2 and 4 `basalt worker` processes, on PostgreSQL and on Redis.
//
//   npm run bench:capacity -- [--duration 10] [--workers 2] [--jobs 20000] [--only list|jobs]
//                              [--backends database,redis] [--processes 1,2,4]
//
// Needs nginx (Debian's nginx-light), PostgreSQL on 127.0.0.1:5432 and Redis on 6379. It
// makes its own database (`basalt_capacity`) and Redis prefix and removes them at the end.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';

interface Cannon {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
}
// autocannon ships no types: the few fields read here.
const autocannon = (await import('autocannon' as string)).default as (options: {
  url: string;
  connections: number;
  duration: number;
  requests?: Array<{ setupRequest: (request: { headers?: Record<string, string> }) => object }>;
}) => Promise<Cannon>;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    jobs: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    backends: { type: 'string', default: 'database,redis' },
    processes: { type: 'string', default: '1,2,4' },
  },
});
const DURATION = Number(values.duration);
const WORKERS = Number(values.workers);
const JOBS = Number(values.jobs);
const CONNECTIONS = Number(values.connections);

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'basalt.js');
const POSTGRES = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE = 'basalt_capacity';
const PREFIX = `capacity${process.pid}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what: string, probe: () => Promise<boolean>, ms = 120_000, every = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

const children = new Set<ChildProcess>();
function basalt(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=basalt-source', '--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'ignore',
    detached: true,
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

function databaseUrl(): string {
  const url = new URL(POSTGRES);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

const baseEnv = (): Record<string, string> => ({
  // From source (production runs only a built app); quiet logs and no access log, as in production.
  NODE_ENV: 'development',
  SECRET_KEY: 'Vq3rT8mZpL2xW9cN5bH7kJ4dF6gS1aYe0uIoPqRs',
  DATABASE_URL: databaseUrl(),
  REDIS_URL: REDIS,
  JOBS_REDIS_PREFIX: PREFIX,
  // Two proxies: the many clients below come through a pretend CDN (their X-Forwarded-For)
  // and then nginx.
  TRUST_PROXY: '2',
  ALLOWED_HOSTS: '*',
  MAIL_URL: 'memory:',
  LOG_LEVEL: 'error',
  ACCESS_LOG: 'false',
  WORKERS: String(WORKERS),
  // The bench measures throughput, not the limiter: one client makes every request.
  RATE_LIMIT_STORE: 'memory',
});

/** nginx with the scaffold's nginx.conf, its upstream the given ports. */
function startNginx(dir: string, port: number, upstreams: number[]): ChildProcess {
  const run = join(dir, `nginx-${upstreams.length}`);
  mkdirSync(join(run, 'tmp'), { recursive: true });
  const conf = readFileSync(join(ROOT, 'templates', 'app', 'nginx.conf'), 'utf8')
    .replace('server app:3000;', upstreams.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join('\n    '))
    .replace('listen 80;', `listen 127.0.0.1:${port};`);
  writeFileSync(join(run, 'site.conf'), conf);
  const temp = join(run, 'tmp');
  writeFileSync(
    join(run, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${run}/nginx.pid; error_log ${run}/error.log; events {}
http { access_log off; client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp}; uwsgi_temp_path ${temp}; scgi_temp_path ${temp};
${existsSync('/etc/nginx/mime.types') ? 'include /etc/nginx/mime.types;' : ''} include ${run}/site.conf; }\n`,
  );
  const child = spawn('nginx', ['-c', join(run, 'nginx.conf'), '-p', run], { stdio: 'ignore' });
  children.add(child);
  return child;
}

// The bookshop allows 1,000 requests a minute per client: the load comes from many clients,
// each with the X-Forwarded-For a CDN in front of nginx would add (TRUST_PROXY=2).
let client = 0;
const requests = [
  {
    setupRequest: (request: { headers?: Record<string, string> }) => {
      client = (client + 1) % 60_000;
      const address = `10.${client >> 16}.${(client >> 8) & 255}.${client & 255}`;
      return { ...request, headers: { ...request.headers, 'x-forwarded-for': address } };
    },
  },
];

async function measure(url: string) {
  await autocannon({ url, connections: CONNECTIONS, duration: 3, requests }); // warm-up, thrown away
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, requests });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

async function listThroughNginx(dir: string) {
  const rows: Array<{ nodes: number; rps: number; p50: number; p99: number; non2xx: number }> = [];
  for (const count of [1, 2]) {
    const ports = await Promise.all(Array.from({ length: count }, freePort));
    const nodes = ports.map((port) => basalt(['start', '--port', String(port)], baseEnv()));
    for (const port of ports)
      await until(`node on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok);
    const nginxPort = await freePort();
    const nginx = startNginx(dir, nginxPort, ports);
    const url = `http://127.0.0.1:${nginxPort}/api/books`;
    await until('nginx', async () => (await fetch(url)).ok, 20_000);
    rows.push({ nodes: count, ...(await measure(url)) });
    nginx.kill('SIGTERM');
    await Promise.all(nodes.map(stop));
  }
  return rows;
}

async function jobsByProcesses() {
  const appFile = join(ROOT, 'bench', 'capacity', 'jobs-app.ts');
  const rows: Array<{ backend: string; processes: number; jobsPerSecond: number }> = [];
  const { createApp } = await import('basalt');
  const { getJobs } = await import('basalt/jobs');
  const { sql } = await import('basalt/db');
  const definition = (await import(appFile)) as {
    default: Parameters<typeof createApp>[0];
    noop: never;
  };
  const backends = values.backends.split(',').filter((b) => b === 'database' || b === 'redis');
  let tablesMade = false;
  for (const backend of backends) {
    for (const processes of values.processes.split(',').map(Number)) {
      const env = {
        ...baseEnv(),
        JOBS_BACKEND: backend,
        // The default poll (1 s): the backlog's due time reaches every worker by NOTIFY and a
        // timer, not by polling. (A 20 ms poll, as this bench once set, has every process scan
        // the delayed and leased jobs 50 times a second: 2 processes drained at 0.8x of one.)
        ...(process.env.JOBS_POLL_INTERVAL ? { JOBS_POLL_INTERVAL: process.env.JOBS_POLL_INTERVAL } : {}),
        JOBS_REDIS_PREFIX: `${PREFIX}${backend}${processes}`,
      };
      Object.assign(process.env, env);
      const app = await createApp(definition.default);
      if (backend === 'database' && !tablesMade) {
        await app.db?.createTables({ ifNotExists: true });
        tablesMade = true;
      }
      const queue = await getJobs(app);
      // The workers (the capacity app's no-op task, not the bookshop's) start first, from
      // source: seconds each on the same two cores. Once every one has started,
      // the backlog is added to become due at one instant, and timed from then to the last job.
      // (Ready when its --http-port answers: it listens once the worker has started.)
      const probePorts = await Promise.all(Array.from({ length: processes }, freePort));
      const workers = probePorts.map((port) =>
        basalt(['--app', appFile, 'worker', '--concurrency', '8', '--http-port', String(port)], env),
      );
      for (const port of probePorts)
        await until(
          `worker on ${port}`,
          async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok,
        );
      const due = Date.now() + 2_000 + JOBS / 2;
      const inputs = Array.from({ length: JOBS }, (_, n) => ({ n }));
      for (let i = 0; i < inputs.length; i += 1000)
        await queue.enqueueMany(definition.noop, inputs.slice(i, i + 1000), { runAt: new Date(due) });
      if (Date.now() > due)
        console.warn(`(the backlog took longer to add than planned: ${Date.now() - due} ms)`);
      await until(
        `${JOBS} jobs on ${backend}`,
        async () => (await queue.counts()).completed >= JOBS,
        600_000,
        20,
      );
      const seconds = (Date.now() - due) / 1000;
      rows.push({ backend, processes, jobsPerSecond: Math.round(JOBS / seconds) });
      await Promise.all(workers.map(stop));
      await queue.purge();
      // What autovacuum would do between runs (it is off on this machine's PostgreSQL): without
      // it each run leaves 20,000 dead rows and their index entries to the next, which crawled
      // (2 processes on a fresh table 14,782 jobs/s, then 4,365, then 1 process 911).
      if (backend === 'database') await sql`vacuum analyze basalt_job`.execute(app.db!.kysely);
      await app.stop();
    }
  }
  return rows;
}

async function main() {
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  const dir = mkdtempSync(join(tmpdir(), 'basalt-capacity-'));
  try {
    execFileSync(process.execPath, ['--conditions=basalt-source', '--import', 'tsx', BIN, 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv() },
      stdio: 'ignore',
    });
    execFileSync(process.execPath, ['--conditions=basalt-source', '--import', 'tsx', BIN, 'seed'], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv() },
      stdio: 'ignore',
    });
    const before = loadavg()[0]!.toFixed(1);
    const list = values.only === 'jobs' ? [] : await listThroughNginx(dir);
    const one = list[0]?.rps ?? 0;
    console.log(
      `\nBook list through nginx (${WORKERS} workers per node, ${CONNECTIONS} connections, ${DURATION} s):`,
    );
    console.log(
      '| nodes | req/s | p50 ms | p99 ms | non-2xx | vs one node |\n|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of list)
      console.log(
        `| ${r.nodes} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${(r.rps / one).toFixed(2)}× |`,
      );
    const jobs = values.only === 'list' ? [] : await jobsByProcesses();
    console.log(
      `\nJobs drained (${JOBS} no-op jobs due at one instant, every worker process started, concurrency 8 per process):`,
    );
    console.log('| backend | processes | jobs/s |\n|---|---:|---:|');
    for (const r of jobs) console.log(`| ${r.backend} | ${r.processes} | ${r.jobsPerSecond} |`);
    console.log(
      `\nload average ${before} at the start, ${loadavg()[0]!.toFixed(1)} at the end; ${new Date().toISOString()}`,
    );
  } finally {
    for (const child of children) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    await admin.query(`drop database if exists ${DATABASE} with (force)`).catch(() => undefined);
    await admin.end();
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
