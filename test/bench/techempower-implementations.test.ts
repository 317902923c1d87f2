import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../bench/lib/matrix.js';
import { type RunningServer, startServer } from '../../bench/lib/servers.js';
import { techempower } from '../../bench/suites/techempower.js';
import { ensurePostgres, prepareDatabase } from '../../bench/techempower/setup.js';
import {
  checks,
  checkUpdateCounts,
  checkUpdatesWritten,
  expectedFortunesHtml,
} from '../../bench/techempower/verify.js';
import { hasPostgres } from '../support/postgres.js';

// Correctness only: every TechEmpower implementation answers each test type as the
// specification says (bench/techempower/verify.js). No timing is asserted (see bench/README.md).
// Each implementation is started once, concurrently, and checked; the read-only checks run
// for all implementations at once, the updates checks (which read the table) one at a time.

const types = Object.keys(checks) as (keyof typeof checks)[];

describe.skipIf(!hasPostgres)('TechEmpower benchmark implementations', () => {
  const servers = new Map<string, RunningServer>();

  beforeAll(async () => {
    await prepareDatabase();
    const started = await Promise.allSettled(
      techempower.implementations.map((impl) => startServer(impl, { timeoutMs: 45_000 })),
    );
    for (const result of started)
      if (result.status === 'fulfilled') servers.set(result.value.name, result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  });

  it('covers the five frameworks, and Basalt with its fortunes rendered by basalt/views', () => {
    expect(techempower.implementations.map((i) => i.name)).toEqual([
      'basalt',
      'basalt-views',
      'fastify',
      'node-http',
      'express',
      'nestjs',
    ]);
    expect(techempower.tests.map((t) => t.name)).toEqual(types);
  });

  const names = techempower.implementations.map((i) => i.name);
  const url = (name: string): string => {
    const server = servers.get(name);
    if (!server) throw new Error(`${name} did not start`);
    return server.url;
  };

  // Read-only types, and the update counts: the five implementations are checked at once.
  describe.each(types.filter((type) => type !== 'updates'))('%s', (type) => {
    it.concurrent.each(names)(`%s answers ${type} as specified`, (name) => checks[type](url(name)));
  });

  describe('updates', () => {
    it.concurrent.each(names)('%s answers N clamped to 1..500', (name) => checkUpdateCounts(url(name)));
    // These compare the table before and after: one implementation at a time.
    it.each(names)('%s writes the numbers it answers', (name) => checkUpdatesWritten(url(name)));
  });
});

describe('TechEmpower verification', () => {
  // A server that gets everything slightly wrong: each check must refuse it.
  let server: Server;
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const raw = new URL(req.url ?? '/', 'http://x').searchParams.get('queries') ?? '';
      const query = /^\d+$/.test(raw) ? Math.max(1, Number(raw)) : 1;
      const send = (type: string, body: string, headers: Record<string, string> = { server: 'bad' }) => {
        res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
        res.end(body);
      };
      const worlds = (n: number) =>
        JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i + 1, randomNumber: 1 })));
      if (path === '/json')
        send('application/json', '{"message":"Hello, World!"}', {}); // no Server header
      else if (path === '/plaintext') send('text/plain', 'Hello, world!');
      else if (path === '/db')
        send('application/json', '[{"id":1,"randomNumber":1}]'); // an array
      else if (path === '/queries')
        send('application/json', worlds(query)); // no 500 cap
      else if (path === '/fortunes')
        send('text/html; charset=utf-8', expectedFortunesHtml().replace('&lt;script&gt;', '<script>'));
      else send('application/json', worlds(Math.min(500, query))); // never written
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['json', /no server header/],
    ['plaintext', /answered "Hello, world!"/],
    ['db', /answered an array/],
    ['queries', /expected 500 worlds, got 501/],
    ['fortunes', /not escaped/],
  ] as const)('refuses a wrong %s answer', async (type, message) => {
    await expect(checks[type](url)).rejects.toThrow(message);
  });

  it.skipIf(!hasPostgres)('refuses updates that are not written to the table', async () => {
    await prepareDatabase();
    await expect(checkUpdatesWritten(url)).rejects.toThrow(/the table holds|no row changed/);
  });

  it('runs an implementation as cluster workers sharing one port under BENCH_WORKERS', async () => {
    const cluster = await startServer(
      { name: 'node-http', entry: 'bench/techempower/node-http.ts' },
      { env: { BENCH_WORKERS: '2' }, timeoutMs: 45_000 },
    );
    try {
      expect(await processTree(cluster.pid)).toHaveLength(3); // the primary and two workers
      for (let i = 0; i < 4; i += 1) await checks.json(cluster.url);
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  it('says how to start PostgreSQL when a server it cannot start does not answer', async () => {
    // Port 9 (discard) answers nothing on this machine, and is not the local cluster's port.
    await expect(ensurePostgres('postgres://postgres@127.0.0.1:9/test')).rejects.toThrow(
      /PostgreSQL does not answer at postgres:\/\/postgres@127\.0\.0\.1:9\/test\. Start it with `pg_ctlcluster --skip-systemctl-redirect/,
    );
  });

  it('renders the expected fortunes page sorted, with the extra fortune and escaping', () => {
    const html = expectedFortunesHtml();
    expect(html.startsWith('<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>')).toBe(
      true,
    );
    const ids = [...html.matchAll(/<tr><td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([11, 4, 5, 2, 8, 0, 3, 7, 10, 6, 9, 1, 12]);
    expect(html).toContain('aren&#39;t broken');
    expect(html).not.toContain('<script>');
  });
});
