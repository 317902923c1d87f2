import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, freePort, httpGet, killAll, startBasalt, waitUntil } from '../cli/basalt-process.js';

const cwd = join(FIXTURES, 'server');

async function pidOf(port: number): Promise<number> {
  const response = await httpGet(port, '/pid');
  expect(response.status).toBe(200);
  return (JSON.parse(response.body) as { pid: number }).pid;
}

afterEach(killAll);

describe('basalt start', () => {
  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('finishes in-flight requests on %s, then refuses connections and exits 0', async (signal) => {
    const port = await freePort();
    const server = startBasalt(['start', '--workers', '1', '--port', String(port)], { cwd });
    await server.waitForOutput(`Basalt listening on http://127.0.0.1:${port} with 1 worker`);

    const slow = httpGet(port, '/slow?ms=1500');
    await server.waitForOutput('slow:start');
    server.child.kill(signal);

    const response = await slow;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ slept: 1500 });
    await expect(httpGet(port, '/pid')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain(`received ${signal}`);
  }, 60_000);

  it('spreads requests over the workers and replaces a worker that dies', async () => {
    const port = await freePort();
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], { cwd });
    await server.waitForOutput('with 2 workers');

    const pids = new Set<number>();
    for (let i = 0; i < 40; i++) pids.add(await pidOf(port));
    expect(pids.size).toBe(2);

    const [victim] = [...pids] as [number, number];
    process.kill(victim, 'SIGKILL');
    const seen = new Set<number>();
    await waitUntil(
      async () => {
        try {
          seen.add(await pidOf(port));
        } catch {
          // A connection handed to the dying worker may fail; the next one must not.
        }
        return [...seen].some((pid) => !pids.has(pid));
      },
      { timeoutMs: 30_000, message: () => `no replacement worker answered; saw ${[...seen].join(', ')}` },
    );
    expect(seen.has(victim)).toBe(false);
    expect(server.output()).toContain(`worker ${victim} died (SIGKILL); starting a replacement`);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('exits 1 without restarting when the app cannot start', async () => {
    const port = await freePort();
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], {
      cwd: join(FIXTURES, 'failing-check'),
    });
    expect(await server.exited).toEqual({ code: 1, signal: null });
    const output = server.output();
    expect(output.match(/strict\.E001/g)).toHaveLength(1);
    expect(output).toContain('could not start the app');
  }, 60_000);
});

describe('basalt start with its database down', () => {
  afterEach(killAll);

  it('exits non-zero with one clear line naming the database (password hidden), without restarting workers', async () => {
    const port = await freePort();
    const nothing = await freePort();
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], {
      cwd: join(FIXTURES, 'database'),
      env: { DATABASE_URL: `postgres://shop:s3cret@127.0.0.1:${nothing}/shop`, SERVICE_TIMEOUT: '2' },
    });
    expect(await server.exited).toEqual({ code: 1, signal: null });
    const output = server.output();
    expect(output).toContain(
      `The database at postgres://shop:***@127.0.0.1:${nothing}/shop does not answer (`,
    );
    expect(output).toContain('check DATABASE_URL');
    expect(output).not.toContain('s3cret');
    // No crash loop and no stack traces: each worker reports once, and the primary gives up.
    expect(output.match(/does not answer/g)?.length ?? 0).toBeLessThanOrEqual(2);
    expect(output).not.toMatch(/^\s+at /m);
  }, 60_000);
});

describe('basalt start reload', () => {
  afterEach(killAll);

  it('replaces every worker on SIGHUP without dropping a connection', async () => {
    const port = await freePort();
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], { cwd });
    await server.waitForOutput('with 2 workers');
    const before = new Set<number>();
    for (let i = 0; i < 10; i++) before.add(await pidOf(port));

    server.child.kill('SIGHUP');
    // A connection handed to an old worker in the instant it starts closing is answered 503
    // (Service Unavailable, retry elsewhere); none may hang, be reset or be refused.
    const failures: unknown[] = [];
    let answered = 0;
    while (!server.output().includes('reload finished')) {
      try {
        const response = await httpGet(port, '/pid');
        if (response.status === 200) answered++;
        else if (response.status !== 503) failures.push(response);
      } catch (error) {
        failures.push(error);
      }
    }
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);

    const after = new Set<number>();
    for (let i = 0; i < 10; i++) after.add(await pidOf(port));
    expect([...after].filter((pid) => before.has(pid))).toEqual([]);
    expect(after.size).toBe(2);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});
