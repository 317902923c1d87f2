import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from 'basalt';
import { getAuth } from 'basalt/auth';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, REDIS_URL } from '../../support/redis.js';
import { bruteForceApp } from './fixtures/app.js';

// Sign-in brute force against two server processes: the per-account counter lives in Redis,
// so attempts spread over both processes add up to one limit. With the memory store each
// process counts alone — the contrast shows that Redis is what shares the count.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url));
const PASSWORD = 'a long and decent password';
// One account per run: its Redis key (basalt:rl:auth:login:<email>) is removed in afterAll.
const EMAIL = `brute-${randomUUID()}@example.com`;
const LOCK_KEY = `basalt:rl:auth:login:${EMAIL}`;

interface Server {
  child: ChildProcess;
  url: string;
}

const children: ChildProcess[] = [];

/** Starts one fixture server process and resolves with its address once it listens. */
function startServer(env: Record<string, string | undefined>): Promise<Server> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const child = spawn(process.execPath, ['--conditions=basalt-source', '--import', 'tsx', SERVER], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start in time:\n${output}`));
      // Four processes start at once; on a loaded two-core machine that takes a while.
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

/** Ends a server: SIGTERM, then SIGKILL if it has not exited within a few seconds. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function signIn(server: Server, password: string) {
  const response = await fetch(`${server.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password }),
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

describe('sign-in brute force across two server processes', () => {
  let dir: string;
  let withRedis: [Server, Server];
  let inMemory: [Server, Server];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-brute-force-'));
    const DATABASE_URL = `sqlite:${join(dir, 'app.db')}`;
    // The tables and the account, once, in the SQLite file every server process opens.
    const setup = await createApp(bruteForceApp, {
      envFile: false,
      env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL },
    });
    try {
      await setup.db!.createTables();
      await getAuth(setup).createUser(setup.db!, { email: EMAIL, password: PASSWORD });
    } finally {
      await setup.stop();
    }

    const redisEnv = { DATABASE_URL, REDIS_URL };
    // Memory counters asked for explicitly: without Redis the default is the database, shared.
    const memoryEnv = { DATABASE_URL, REDIS_URL: undefined, RATE_LIMIT_STORE: 'memory' };
    const started = await Promise.all([
      hasRedis ? startServer(redisEnv) : undefined,
      hasRedis ? startServer(redisEnv) : undefined,
      startServer(memoryEnv),
      startServer(memoryEnv),
    ]);
    if (hasRedis) withRedis = [started[0]!, started[1]!];
    inMemory = [started[2]!, started[3]!];
  }, 120_000);

  afterAll(async () => {
    await Promise.all(children.map(stopServer));
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (hasRedis) {
      const redis = new Redis(REDIS_URL);
      await redis.del(LOCK_KEY);
      await redis.quit();
    }
  }, 20_000);

  it.skipIf(!hasRedis)("counts both processes' attempts in Redis and locks the account on both", async () => {
    const [a, b] = withRedis;
    const statuses = [];
    // Attempts 1–4, alternating a, b, a, b: each process saw only two, the account four.
    for (let i = 0; i < 4; i += 1) statuses.push((await signIn(i % 2 === 0 ? a : b, 'wrong guess')).status);
    expect(statuses).toEqual([401, 401, 401, 401]);

    // Attempt 5, on a: over the shared limit.
    const fifth = await signIn(a, 'wrong guess');
    expect(fifth.status).toBe(429);
    expect(Number(fifth.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(fifth.retryAfter)).toBeLessThanOrEqual(60);

    // The right password, on the other process: locked too.
    const right = await signIn(b, PASSWORD);
    expect(right.status).toBe(429);
    expect(right.retryAfter).not.toBeNull();

    // The count is in Redis, under the account's normalised email.
    const redis = new Redis(REDIS_URL);
    try {
      expect(Number(await redis.get(LOCK_KEY))).toBe(6);
    } finally {
      await redis.quit();
    }
  });

  it('counts per process with the memory store: the same sequence is never refused', async () => {
    const [a, b] = inMemory;
    const statuses = [];
    // Eight attempts alternating a, b: each process counts four, at its own limit but not past it.
    for (let i = 0; i < 8; i += 1) statuses.push((await signIn(i % 2 === 0 ? a : b, 'wrong guess')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
  });
});
