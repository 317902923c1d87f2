import { getAuth, type TokenPair } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import app from '../src/app.js';

const PASSWORD = 'a long enough test password';

// Through the real app in-process: a fresh database built from the migrations, no port.
describe('notes', () => {
  let client: TestClient<typeof app.routes>;
  let ada: Record<string, string>;

  beforeAll(async () => {
    client = await createTestClient(app);
    await getAuth(client.app).createUser(client.db!, { email: 'ada@example.com', password: PASSWORD });
    const token = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email: 'ada@example.com', password: PASSWORD },
    });
    ada = { authorization: `Bearer ${(token.body as TokenPair).access}` };
  });
  afterAll(() => client.close());

  it('tells a signed-in user who they are', async () => {
    const res = await client.get('/api/me', { headers: ada });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'ada@example.com' });
  });

  it('answers 401 to /api/me without a token', async () => {
    const res = await client.get('/api/me');
    expect(res.status).toBe(401);
  });

  it('creates a note as the signed-in user, and lists it to everyone', async () => {
    const created = await client.post('/api/notes', {
      body: { title: 'First', body: 'Hello there' },
      headers: ada,
    });
    expect(created.status).toBe(201);
    const me = await client.get('/api/me', { headers: ada });
    expect(created.body).toMatchObject({ title: 'First', authorId: (me.body as { id: number }).id });
    const list = await client.get('/api/notes');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain('First');
  });

  it('refuses a note from an anonymous client', async () => {
    const res = await client.post('/api/notes', { body: { title: 'Nope' } });
    expect(res.status).toBe(401);
  });

  it('refuses a note without a title, naming the field', async () => {
    const res = await client.request({
      method: 'POST',
      url: '/api/notes',
      payload: { body: 'x' },
      headers: ada,
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('title');
  });
});
