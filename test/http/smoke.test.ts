import { describe, expect, it } from 'vitest';
import { defineApp, get, post, t } from 'basalt';
import { createTestClient } from 'basalt/testing';

const app = defineApp({
  name: 'smoke',
  routes: [
    get('/books/:id', { params: t.Object({ id: t.Integer() }), response: t.Object({ id: t.Integer(), title: t.String() }) }, ({ params }) => ({ id: params.id, title: 'Dune', secret: 'x' }) as { id: number; title: string }),
    post('/books', { body: t.Object({ title: t.String({ minLength: 1 }) }), response: t.Object({ title: t.String() }) }, ({ body }) => ({ title: body.title })),
  ],
});

describe('smoke', () => {
  it('serves a typed endpoint', async () => {
    const client = await createTestClient(app);
    const res = await client.get('/books/:id', { params: { id: 7 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 7, title: 'Dune' });
    const bad = await client.post('/books', { body: { title: 3 } as never });
    expect(bad.status).toBe(400);
    console.log(bad.body);
    const created = await client.post('/books', { body: { title: 'x' } });
    expect(created.status).toBe(201);
    await client.close();
  });
});
