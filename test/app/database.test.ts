import { defineApp, get, post, t } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

const Note = defineModel('note', { text: f.string({ max: 100 }) });

const routes = [
  post(
    '/notes',
    { body: t.Object({ text: t.String() }), response: t.Object({ id: t.Integer(), text: t.String() }) },
    ({ db, body }) => db.create(Note, { text: body.text }),
  ),
  get(
    '/notes/:id',
    { params: t.Object({ id: t.Integer() }), response: t.Object({ id: t.Integer(), text: t.String() }) },
    ({ db, params }) => db.get(Note, params.id),
  ),
] as const;

describe('the app database', () => {
  it('opens DATABASE_URL for apps with models and gives every request ctx.db', async () => {
    const client = await createTestClient(defineApp({ models: [Note], routes }), {
      env: { DATABASE_URL: 'sqlite::memory:' },
    });
    const created = await client.post('/notes', { body: { text: 'hello' } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    expect((await client.get('/notes/:id', { params: { id } })).body).toEqual({ id, text: 'hello' });
    expect((await client.request({ url: '/health/ready' })).body).toEqual({
      status: 'ok',
      checks: { database: 'ok' },
    });
    await client.close();
  });

  it('maps a missing record to 404 and an over-long value to a 400 naming the field', async () => {
    const client = await createTestClient(defineApp({ models: [Note], routes }), {
      env: { DATABASE_URL: 'sqlite::memory:' },
    });
    const missing = await client.get('/notes/:id', { params: { id: 999 } });
    expect(missing.status).toBe(404);
    expect(missing.problem?.code).toBe('BASALT_DB_RECORD_NOT_FOUND');
    const long = await client.post('/notes', { body: { text: 'x'.repeat(101) } });
    expect(long.status).toBe(400);
    expect(long.problem?.errors?.[0]?.pointer).toBe('/text');
    await client.close();
  });

  it('opens no database for an app without models', async () => {
    const client = await createTestClient(defineApp({ routes: [get('/x', {}, () => ({}))] }));
    expect(client.app.db).toBeUndefined();
    await client.close();
  });
});
