import { BasaltError, defineApp, get, t } from 'basalt';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

// The problem schema in OpenAPI declares a maxLength on each text member (issue 23); what is
// sent keeps to it, however long the message a handler throws.
const app = defineApp({
  name: 'problem-bounds',
  routes: [
    get('/long', { response: t.Object({}), problems: [409] }, () => {
      throw new BasaltError('BASALT_HTTP_CONFLICT', 'x'.repeat(10_000), {
        errors: Array.from({ length: 1500 }, (_, i) => ({ pointer: `/body/${i}`, detail: 'y'.repeat(5000) })),
      });
    }),
  ],
});

describe('problems sent within the declared bounds', () => {
  it('clips detail, errors and their members to the maxima the document declares', async () => {
    const client = await createTestClient(app);
    try {
      const doc = (await client.request({ method: 'GET', url: '/openapi.json' })).body as {
        components: {
          schemas: {
            Problem: {
              properties: Record<
                string,
                {
                  maxLength?: number;
                  maxItems?: number;
                  items?: { properties: Record<string, { maxLength: number }> };
                }
              >;
            };
          };
        };
      };
      const problem = doc.components.schemas.Problem.properties;
      const res = await client.request({ method: 'GET', url: '/long' });
      expect(res.status).toBe(409);
      const body = res.body as { detail: string; errors: { detail: string }[] };
      expect(body.detail.length).toBe(problem.detail!.maxLength);
      expect(body.detail.endsWith('…')).toBe(true);
      expect(body.errors).toHaveLength(problem.errors!.maxItems!);
      expect(body.errors[0]!.detail.length).toBe(problem.errors!.items!.properties.detail!.maxLength);
    } finally {
      await client.close();
    }
  });
});
