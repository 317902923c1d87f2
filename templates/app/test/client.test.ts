import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import app from '../src/app.js';
import { type Client, createClient } from './api-client.js';

// The client `npm run client` writes (basalt client), against the app listening on a free port.
describe('the generated API client', () => {
  let server: TestClient<typeof app.routes>;
  let api: Client;

  beforeAll(async () => {
    server = await createTestClient(app);
    const { url } = await server.app.listen({ port: 0 });
    api = createClient({ baseUrl: url });
  });
  afterAll(() => server.close());

  it('lists the notes, typed as the API answers them', async () => {
    const res = await api.get('/api/notes', {});
    expect(res.ok).toBe(true);
    if (res.ok) expect(Array.isArray(res.data.results)).toBe(true);
  });

  it('gives a missing note as a typed problem', async () => {
    const res = await api.get('/api/notes/{id}', { params: { id: 999_999 } });
    expect(res.status).toBe(404);
    if (!res.ok && !res.notModified) expect(res.error.detail).toMatch(/not/i);
  });
});
