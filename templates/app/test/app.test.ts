import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import app from '../app.js';

describe('hello', () => {
  let client: TestClient<typeof app.routes>;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());

  it('greets by name', async () => {
    const res = await client.get('/hello', { query: { name: 'Ada' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Hello, Ada!' });
  });

  it('greets the world when no name is given', async () => {
    const res = await client.get('/hello');
    expect(res.body).toEqual({ message: 'Hello, world!' });
  });

  it('answers a too long name with a 400 problem', async () => {
    const res = await client.get('/hello', { query: { name: 'x'.repeat(51) } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers liveness checks', async () => {
    const res = await client.request({ method: 'GET', url: '/health/live' });
    expect(res.status).toBe(200);
  });
});
