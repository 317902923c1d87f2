import { readFileSync } from 'node:fs';
import { Document, type ISpectralDiagnostic, Spectral } from '@stoplight/spectral-core';
import owasp from '@stoplight/spectral-owasp-ruleset';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { parse } from '@stoplight/yaml';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';

// The repository's ruleset (.spectral.yaml), mapped onto the rulesets installed here so the
// lint runs in-process without fetching anything.
const config = parse(readFileSync(new URL('../../.spectral.yaml', import.meta.url), 'utf8')) as {
  extends: string[];
  rules?: Record<string, 'off'>;
};
const known: Record<string, unknown> = { 'spectral:oas': oas, '@stoplight/spectral-owasp-ruleset': owasp };

async function lint(document: unknown): Promise<ISpectralDiagnostic[]> {
  const spectral = new Spectral();
  spectral.setRuleset({
    extends: config.extends.map((name) => {
      const ruleset = known[name];
      if (!ruleset) throw new Error(`.spectral.yaml extends ${name}, unknown to this test`);
      return ruleset;
    }),
    rules: config.rules ?? {},
  } as never);
  return spectral.run(new Document(JSON.stringify(document, null, 2), Json));
}

/** Errors still produced today, per rule (see issue 23). */
const REMAINING: Record<string, number> = {
  'owasp:api1:2023-no-numeric-ids': 21,
  'owasp:api2:2023-write-restricted': 7,
  'owasp:api4:2023-array-limit': 22,
  'owasp:api4:2023-integer-format': 91,
  'owasp:api4:2023-integer-limit': 91,
  'owasp:api4:2023-rate-limit': 221,
  'owasp:api4:2023-string-limit': 188,
  'owasp:api8:2023-define-cors-origin': 31,
};

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const table = (results: ISpectralDiagnostic[]) => {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = `${SEVERITY[r.severity]} ${String(r.code)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`);
};

describe('the bookshop OpenAPI document under Spectral (.spectral.yaml)', () => {
  it('has no errors beyond the remaining budget of issue 23', async () => {
    const client = await createTestClient(bookshop);
    try {
      const res = await client.request({ method: 'GET', url: '/openapi.json' });
      expect(res.status).toBe(200);
      const results = await lint(res.body);
      if (process.env.SPECTRAL_REPORT) console.log(table(results).join('\n'));
      const errors = results.filter((r) => r.severity === 0);
      // A ratchet while issue 23 is worked through: each rule still failing has a budget that
      // may only shrink; any other rule must have no errors. The goal is an empty REMAINING.
      const counts: Record<string, number> = {};
      for (const r of errors) counts[String(r.code)] = (counts[String(r.code)] ?? 0) + 1;
      const over = Object.entries(counts)
        .filter(([rule, n]) => n > (REMAINING[rule] ?? 0))
        .map(([rule, n]) => `${rule}: ${n} > ${REMAINING[rule] ?? 0}`);
      expect(over).toEqual([]);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('declares rate-limit headers, servers, resource words and one tag per resource', async () => {
    const client = await createTestClient(bookshop);
    try {
      const doc = (await client.request({ method: 'GET', url: '/openapi.json' })).body as {
        info: { contact?: { email?: string } };
        servers: { url: string; description: string; 'x-internal': boolean }[];
        tags: { name: string }[];
        paths: Record<string, Record<string, Operation>>;
      };
      expect(doc.info.contact?.email).toBe('api@bookshop.example');
      expect(doc.servers).toEqual([{ url: '/', description: 'test', 'x-internal': false }]);
      // /auth/token has a rateLimit: its answers carry the RateLimit-* headers, its 429 Retry-After.
      const token = doc.paths['/auth/token']!.post!;
      expect(Object.keys(token.responses['200']!.headers ?? {})).toEqual([
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
      ]);
      expect(Object.keys(token.responses['429']!.headers ?? {})).toContain('Retry-After');
      // An endpoint without a limit declares none.
      expect(doc.paths['/api/books']!.get!.responses['200']!.headers).toBeUndefined();

      expect(doc.paths['/api/authors']!.post!.summary).toBe('Create an author');
      expect(doc.paths['/api/books']!.post!.summary).toBe('Create a book');
      expect(doc.paths['/api/authors']!.get!.description).toMatch(/at most \d+ a page/);
      // Books from resource() and books from a hand-written endpoint are one tag.
      const names = doc.tags.map((t) => t.name);
      expect(names.filter((n) => n.toLowerCase() === 'books')).toEqual(['Books']);
      expect(names.filter((n) => n.toLowerCase() === 'orders')).toEqual(['Orders']);
    } finally {
      await client.close();
    }
  }, 60_000);
});

interface Operation {
  summary?: string;
  description?: string;
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
