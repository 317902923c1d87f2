import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAuth } from 'basalt/auth';
import { createTestClient } from 'basalt/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BasaltProcess,
  FIXTURES,
  freePort,
  killAll,
  startBasalt,
  waitUntil,
} from '../cli/basalt-process.js';
import clusterApp from '../fixtures/cli/cluster/app.js';
import { type S3TestServer, startS3Server } from '../storage/support/s3-server.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';

// Two app nodes (`basalt start --workers 2` each, a `basalt worker` and a `basalt worker
// --schedule` beside each) behind a real nginx running the scaffold's nginx.conf, sharing one
// PostgreSQL database and one Redis: what holds on one node must hold across them. Runs once.

const NGINX = (() => {
  try {
    return execFileSync('which', ['nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (!NGINX && process.env.BASALT_REQUIRE_SERVICES)
  throw new Error('The multi-node suite needs nginx (apt-get install nginx-light)');
const CAN_RUN = NGINX !== undefined && hasPostgres && hasRedis;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request through nginx; `from` picks the client's loopback address. */
function call(
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; from?: string; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ...(options.from ? { localAddress: options.from } : {}),
        agent: options.agent ?? false,
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends requests for `ms` milliseconds from 8 concurrent clients; counts answers by outcome. */
async function load(port: number, ms: number, during?: () => Promise<void>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const stopAt = Date.now() + ms;
  let ok = 0;
  const failures: string[] = [];
  const client = async () => {
    while (Date.now() < stopAt) {
      try {
        const answer = await call(port, 'GET', '/whoami', { agent });
        if (answer.status === 200) ok += 1;
        else failures.push(`${answer.status} ${answer.body.slice(0, 80)}`);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await during?.();
  await Promise.all(clients);
  agent.destroy();
  return { ok, failures };
}

describe.skipIf(!CAN_RUN)('several nodes behind nginx', () => {
  const root = mkdtempSync(join(tmpdir(), 'basalt-multinode-'));
  const database = `basalt_multinode_${process.pid}`;
  const prefix = `multinode${process.pid}`;
  let admin: pg.Client;
  let nginx: ChildProcess | undefined;
  let nginxPort: number;
  const nodes: Record<'A' | 'B', { port: number; server?: BasaltProcess }> = {
    A: { port: 0 },
    B: { port: 0 },
  };
  let env: Record<string, string>;
  let s3: S3TestServer;

  const startNode = async (name: 'A' | 'B') => {
    const node = nodes[name];
    node.server = startBasalt(['start', '--workers', '2', '--port', String(node.port)], {
      cwd: join(FIXTURES, 'cluster'),
      env: { ...env, NODE_NAME: name },
    });
    await node.server.waitForOutput('with 2 workers', 90_000);
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${database}`);
    await admin.query(`create database ${database}`);
    s3 = await startS3Server('multinode');
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;
    env = {
      NODE_ENV: 'development',
      SECRET_KEY: 'Vq3rT8mZpL2xW9cN5bH7kJ4dF6gS1aYe0uIoPqRs',
      DATABASE_URL: url.toString(),
      REDIS_URL,
      JOBS_BACKEND: 'redis',
      JOBS_REDIS_PREFIX: prefix,
      TRUST_PROXY: 'true',
      ALLOWED_HOSTS: '*',
      LOG_LEVEL: 'info',
      ACCESS_LOG: 'false',
      MAIL_URL: 'memory:',
      SERVICE_TIMEOUT: '5',
      STORAGE_URL: `s3://S3RVER:S3RVER@multinode?endpoint=${s3.endpoint}&serve=stream`,
    };
    // The schema, and a user to sign in with, made once by this process.
    const setup = await createTestClient(clusterApp, { database: false, env, validateResponses: false });
    await setup.app.db!.createTables();
    await getAuth(setup.app).createUser(setup.app.db!, {
      email: 'ops@example.com',
      password: 'correct horse battery staple',
    });
    await setup.close();

    nodes.A.port = await freePort();
    nodes.B.port = await freePort();
    nginxPort = await freePort();
    await Promise.all([startNode('A'), startNode('B')]);
    for (const name of ['A', 'B'] as const) {
      startBasalt(['worker'], { cwd: join(FIXTURES, 'cluster'), env: { ...env, NODE_NAME: name } });
      startBasalt(['worker', '--schedule'], {
        cwd: join(FIXTURES, 'cluster'),
        env: { ...env, NODE_NAME: name },
      });
    }

    // The scaffold's nginx.conf, literally, with the two nodes as its upstream.
    const run = join(root, 'nginx');
    mkdirSync(join(run, 'tmp'), { recursive: true });
    chmodSync(root, 0o755);
    const conf = readFileSync(new URL('../../templates/app/nginx.conf', import.meta.url), 'utf8');
    expect(conf).toContain('server app:3000;');
    expect(conf).toContain('#   server node-a:3000 max_fails=0;');
    const site = conf
      // Two nodes, in the form the file's own comment gives for several nodes.
      .replace(
        'server app:3000;',
        `server 127.0.0.1:${nodes.A.port} max_fails=0;\n    server 127.0.0.1:${nodes.B.port} max_fails=0;`,
      )
      .replace('listen 80;', `listen 127.0.0.1:${nginxPort};`);
    writeFileSync(join(run, 'site.conf'), site);
    const temp = join(run, 'tmp');
    writeFileSync(
      join(run, 'nginx.conf'),
      `daemon off; pid ${run}/nginx.pid; error_log ${run}/error.log; events {}
http { access_log off; client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp}; uwsgi_temp_path ${temp}; scgi_temp_path ${temp};
${existsSync('/etc/nginx/mime.types') ? 'include /etc/nginx/mime.types;' : ''} include ${run}/site.conf; }\n`,
    );
    nginx = spawn(NGINX!, ['-c', join(run, 'nginx.conf'), '-p', run], { stdio: 'ignore' });
    await waitUntil(
      async () => (await call(nginxPort, 'GET', '/whoami').catch(() => undefined))?.status === 200,
      {
        timeoutMs: 20_000,
        message: () => 'nginx never answered',
      },
    );
  }, 240_000);

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await killAll();
    await admin?.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin?.end();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('spreads requests over both nodes, and gives each the client address nginx saw (TRUST_PROXY)', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const answer = await call(nginxPort, 'GET', '/whoami', { from: '127.0.0.3' });
      const body = JSON.parse(answer.body) as { node: string; ip: string };
      seen.add(body.node);
      expect(answer.headers['x-node']).toBe(body.node);
      // The node's peer is nginx (127.0.0.1); the client was 127.0.0.3.
      expect(body.ip).toBe('127.0.0.3');
    }
    expect([...seen].sort()).toEqual(['A', 'B']);
    // A client that writes its own X-Forwarded-For (nginx appends to it) is still itself.
    const forged = await call(nginxPort, 'GET', '/whoami', {
      from: '127.0.0.3',
      headers: { 'x-forwarded-for': '198.51.100.66' },
    });
    expect((JSON.parse(forged.body) as { ip: string }).ip).toBe('127.0.0.3');
  });

  it('counts a rate limit across both nodes, per real client address', async () => {
    const statuses: number[] = [];
    const served = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const answer = await call(nginxPort, 'GET', '/limited', { from: '127.0.0.4' });
      statuses.push(answer.status);
      served.add(String(answer.headers['x-node']));
    }
    expect(served.size).toBe(2);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    // Naming another address in X-Forwarded-For does not give a fresh counter.
    const forged = await call(nginxPort, 'GET', '/limited', {
      from: '127.0.0.4',
      headers: { 'x-forwarded-for': '198.51.100.67' },
    });
    expect(forged.status).toBe(429);
    // Another client has its own counter.
    expect((await call(nginxPort, 'GET', '/limited', { from: '127.0.0.5' })).status).toBe(200);
  });

  it('keeps a session made on one node on the other', async () => {
    const login = await call(nginxPort, 'POST', '/auth/session/login', {
      body: { email: 'ops@example.com', password: 'correct horse battery staple' },
    });
    expect(login.status).toBe(204);
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    const cookie = setCookie.map((l) => l.split(';')[0]).join('; ');
    expect(cookie).toMatch(/session/);
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const me = await call(nginxPort, 'GET', '/auth/me', { headers: { cookie } });
      expect(me.status).toBe(200);
      expect(JSON.parse(me.body)).toMatchObject({ email: 'ops@example.com' });
      served.add(String(me.headers['x-node']));
    }
    expect([...served].sort()).toEqual(['A', 'B']);
  });

  it('serves a file uploaded through one node from the other (S3)', async () => {
    const saved = await call(nginxPort, 'POST', '/files', { body: { text: 'kept in S3' } });
    expect(saved.status).toBe(201);
    const { key } = JSON.parse(saved.body) as { key: string };
    const served = new Set<string>([String(saved.headers['x-node'])]);
    for (let i = 0; i < 4; i++) {
      const read = await call(nginxPort, 'GET', `/files?key=${encodeURIComponent(key)}`);
      expect(read.status).toBe(200);
      expect(JSON.parse(read.body)).toEqual({ text: 'kept in S3' });
      served.add(String(read.headers['x-node']));
    }
    expect([...served].sort()).toEqual(['A', 'B']);
  });

  it('runs each job enqueued through either node exactly once, with four job workers', async () => {
    for (let n = 1; n <= 30; n++)
      expect((await call(nginxPort, 'POST', '/enqueue', { body: { n } })).status).toBe(201);
    let keys: string[] = [];
    await waitUntil(
      async () => {
        keys = (JSON.parse((await call(nginxPort, 'GET', '/runs?kind=job')).body) as { keys: string[] }).keys;
        return keys.length >= 30;
      },
      { timeoutMs: 60_000, message: () => `only ${keys.length} of 30 jobs ran` },
    );
    expect(keys.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  }, 90_000);

  it('ticks a schedule once per tick with two schedulers running', async () => {
    let ticks: string[] = [];
    await waitUntil(
      async () => {
        ticks = (JSON.parse((await call(nginxPort, 'GET', '/runs?kind=tick')).body) as { keys: string[] })
          .keys;
        return new Set(ticks).size >= 4;
      },
      { timeoutMs: 60_000, message: () => `saw ${ticks.length} ticks` },
    );
    // Two schedulers, one job per tick: no second appears twice.
    expect(ticks.length).toBe(new Set(ticks).size);
  }, 90_000);

  it("sums each node's workers in its /metrics", async () => {
    for (const name of ['A', 'B'] as const) {
      const scrape = await call(nodes[name].port, 'GET', '/metrics');
      expect(scrape.status).toBe(200);
      expect(scrape.body).toMatch(/^http_requests_total\{method="GET",route="\/whoami",status="200"\} \d+$/m);
    }
  });

  it('loses only the requests in flight when a node is killed under load, and none in a rolling restart', async () => {
    // kill -9 of node A's whole process group ten seconds into a 30 s load.
    const killed = await load(nginxPort, 30_000, async () => {
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      process.kill(-nodes.A.server!.child.pid!, 'SIGKILL');
    });
    const total = killed.ok + killed.failures.length;
    expect(total).toBeGreaterThan(100);
    expect(killed.failures.length / total).toBeLessThan(0.01);

    // Node A back, then a rolling restart of both (SIGHUP replaces workers one by one) under load.
    await startNode('A');
    const rolled = await load(nginxPort, 40_000, async () => {
      for (const name of ['A', 'B'] as const) {
        const server = nodes[name].server!;
        const before = server.output().split('reload finished').length;
        server.child.kill('SIGHUP');
        await waitUntil(() => server.output().split('reload finished').length > before, {
          timeoutMs: 60_000,
          message: () => `node ${name} never finished its reload:\n${server.output().slice(-2000)}`,
        });
      }
    });
    expect(rolled.ok).toBeGreaterThan(100);
    const errorLog = readFileSync(join(root, 'nginx', 'error.log'), 'utf8');
    expect(
      rolled.failures,
      `nginx error.log:\n${errorLog.slice(-3000)}\nA:\n${nodes.A.server!.output().slice(-3000)}`,
    ).toEqual([]);
  }, 180_000);
});
