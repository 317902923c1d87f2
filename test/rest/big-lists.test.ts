import { createApp, defineApp } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { resource } from 'basalt/rest';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// A big list through REST (issue 24): the envelope marks an estimated count (declared in
// OpenAPI: the test client checks every answer against the document), next links turn into
// cursors, and a page number past the depth is a 400 problem, never a 500.

const Shelf = defineModel('shelf', { name: f.string({ max: 40 }) });
const Volume = defineModel(
  'volume',
  { title: f.string({ max: 80 }), shelf: f.belongsTo(() => Shelf, { onDelete: 'cascade' }) },
  { ordering: ['title'] },
);
const volumes = resource(Volume, {
  path: '/volumes',
  permissions: { read: 'anyone', write: 'anyone' },
  exactCountLimit: 5,
  pagination: { style: 'page', pageSize: 3, maxOffset: 6 },
});
const counted = resource(Volume, {
  path: '/counted',
  permissions: { read: 'anyone', write: 'anyone' },
  count: 'none',
  schemaName: 'Counted',
});
const app = defineApp({
  name: 'big-lists',
  models: [Shelf, Volume],
  routes: [...volumes.routes, ...counted.routes],
});

const cases = [
  { name: 'SQLite', database: {} },
  ...(hasPostgres ? [{ name: 'PostgreSQL', database: { url: POSTGRES_URL } }] : []),
];

interface Envelope {
  count?: number;
  countIsEstimate?: boolean;
  next: string | null;
  previous: string | null;
  results: { id: number; title: string }[];
}

describe.each(cases)('big lists through REST on $name', ({ database }) => {
  it('marks an estimated count, links on with cursors, refuses deep page numbers with a 400', async () => {
    const client = await createTestClient(app, { database });
    try {
      const shelf = await client.db!.create(Shelf, { name: 's' });
      for (let i = 0; i < 20; i += 1)
        await client.db!.create(Volume, { title: `V${String(i).padStart(2, '0')}`, shelfId: shelf.id });
      const first = await client.request({ method: 'GET', url: '/volumes' });
      const body = first.body as Envelope;
      expect(first.status).toBe(200);
      expect(body.countIsEstimate).toBe(true);
      expect(body.count).toBeGreaterThan(5);
      expect(new URL(body.next!).searchParams.get('cursor')).toMatch(/^n\./);
      const titles = body.results.map((r) => r.title);
      let next = body.next;
      while (next) {
        const page = (await client.request({ method: 'GET', url: next.replace(/^https?:\/\/[^/]+/, '') }))
          .body as Envelope;
        titles.push(...page.results.map((r) => r.title));
        next = page.next;
      }
      expect(titles).toEqual(Array.from({ length: 20 }, (_, i) => `V${String(i).padStart(2, '0')}`));
      const deep = await client.request({ method: 'GET', url: '/volumes?page=3' });
      expect(deep.status).toBe(400);
      expect(deep.headers['content-type']).toContain('application/problem+json');
      expect((deep.body as { code: string }).code).toBe('BASALT_VALIDATION_FAILED');
      expect((await client.request({ method: 'GET', url: '/volumes?page=50' })).status).toBe(404);
      const none = (await client.request({ method: 'GET', url: '/counted' })).body as Envelope;
      expect(none.count).toBeUndefined();
      expect(none.results).toHaveLength(20);
      const document = (await createApp(app, { envFile: false, env: { LOG_LEVEL: 'silent' } })).openapi();
      const schemas = document.components?.schemas as Record<
        string,
        { properties: Record<string, unknown>; required?: string[] }
      >;
      expect(schemas.VolumePage!.properties.countIsEstimate).toMatchObject({ const: true });
      expect(schemas.VolumePage!.required).toContain('count');
      expect(schemas.CountedPage!.properties.count).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
