import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../bench/lib/servers.js';
import { http } from '../../bench/suites/http.js';

// Correctness only: the benchmark compares like with like only if every implementation
// answers the same. No timing is asserted here (see bench/README.md).

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined };
}

describe('http benchmark implementations', () => {
  const servers = new Map<string, RunningServer>();

  beforeAll(async () => {
    const started = await Promise.allSettled(http.implementations.map((impl) => startServer(impl)));
    for (const result of started)
      if (result.status === 'fulfilled') servers.set(result.value.name, result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  });

  const server = (name: string): RunningServer => {
    const found = servers.get(name);
    if (!found) throw new Error(`${name} did not start`);
    return found;
  };

  it.each(http.implementations.map((impl) => impl.name))('%s passes the suite verification', async (name) => {
    await expect(http.verify(server(name).url, name)).resolves.toBeDefined();
  });

  it('answers the same good request with the same body, apart from the timestamp', async () => {
    const bodies = await Promise.all(
      http.implementations.map(async ({ name }) => {
        const { status, body } = await getJson(`${server(name).url}/hello?name=ada&times=3`);
        expect(status).toBe(200);
        return body;
      }),
    );
    for (const body of bodies) {
      expect(body).toEqual({ message: 'hello ada', times: 3, at: expect.any(Number) });
    }
  });

  it('answers a bad query with 400 in every implementation', async () => {
    for (const { name } of http.implementations) {
      for (const path of ['/hello', '/hello?name=ada&times=11', '/hello?name=ada&times=abc']) {
        const { status } = await getJson(server(name).url + path);
        expect(status, `${name} ${path}`).toBe(400);
      }
    }
  });

  it('defaults times to 1 in every implementation', async () => {
    for (const { name } of http.implementations) {
      const { status, body } = await getJson(`${server(name).url}/hello?name=ada`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ message: 'hello ada', times: 1 });
    }
  });
});
