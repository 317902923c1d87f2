import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from 'basalt';
import { getAuth } from 'basalt/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../../examples/bookshop/app.js';
import { freePort, killAll, ROOT, runBasalt, startBasalt } from '../../cli/basalt-process.js';

// The bookshop's defaults: 30 sign-ins a minute per client IP, 10 attempts per account.
const CWD = join(ROOT, 'examples', 'bookshop');
const SECRET_KEY = 'k3J9xQ2vLmP8wR5tY7uZ1aB4cD6eF0gHiJ-_sN';
const VICTIM = 'victim@limits.test';

/** One sign-in over a new connection (no keep-alive), so attempts spread over both workers. */
function signIn(port: number, email: string, forwardedFor: string): Promise<number> {
  const payload = JSON.stringify({ email, password: 'wrong guess, again' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/auth/token',
        method: 'POST',
        agent: false,
        headers: {
          connection: 'close',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-forwarded-for': forwardedFor,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const counts = (statuses: number[]) => {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
};

// Without REDIS_URL, the counters live in the app's database (here one SQLite
// file), so two workers add up to one limit; with per-process memory counters each worker
// let its own 10 (and 30) through.
describe('rate limits shared by two workers with no Redis (basalt start --workers 2)', () => {
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-shared-limits-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'bookshop.db')}`, SECRET_KEY };
    const migrated = await runBasalt(['migrate'], { cwd: CWD, env });
    expect(migrated.code, migrated.stderr + migrated.stdout).toBe(0);
    const app = await createApp(bookshop, { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } });
    try {
      await getAuth(app).createUser(app.db!, { email: VICTIM, password: 'the right password, long' });
    } finally {
      await app.stop();
    }
    port = await freePort();
    // TRUST_PROXY: the test plays many clients through X-Forwarded-For.
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], {
      cwd: CWD,
      env: { ...env, TRUST_PROXY: 'true' },
    });
    await server.waitForOutput('with 2 workers', 60_000);
  }, 120_000);

  afterAll(async () => {
    await killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers exactly 10 wrong passwords for one account with 401, then 429, across workers', async () => {
    const statuses: number[] = [];
    // From 30 different addresses, so only the account's counter applies.
    for (let i = 0; i < 30; i += 1) statuses.push(await signIn(port, VICTIM, `203.0.113.${i + 1}`));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
  });

  it('answers exactly 30 sign-ins from one address with 401, then 429, across workers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1)
      statuses.push(await signIn(port, `nobody-${randomUUID()}@limits.test`, '198.51.100.7'));
    expect(counts(statuses)).toEqual({ 401: 30, 429: 10 });
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
  });
});
