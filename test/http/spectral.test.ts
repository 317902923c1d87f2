import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, type ISpectralDiagnostic, Spectral } from '@stoplight/spectral-core';
import owasp from '@stoplight/spectral-owasp-ruleset';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { parse } from '@stoplight/yaml';
import { createTestClient } from 'basalt/testing';
import { afterAll, describe, expect, it } from 'vitest';
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

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const table = (results: ISpectralDiagnostic[]) => {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = `${SEVERITY[r.severity]} ${String(r.code)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`);
};

const errorsOf = (results: ISpectralDiagnostic[]) =>
  results
    .filter((r) => r.severity === 0)
    .map((r) => `${String(r.code)} at ${r.path.join('.')}: ${r.message}`);

// CORS_ORIGINS as an app with a browser front end on another origin sets it: the document then
// declares the CORS headers every answer carries (see .spectral.yaml for the app without).
const CORS_ENV = { CORS_ORIGINS: 'https://shop.example' };

describe('the bookshop OpenAPI document under Spectral (.spectral.yaml)', () => {
  it('has no errors', async () => {
    const client = await createTestClient(bookshop, { env: CORS_ENV });
    try {
      const res = await client.request({ method: 'GET', url: '/openapi.json' });
      expect(res.status).toBe(200);
      const results = await lint(res.body);
      if (process.env.SPECTRAL_REPORT) console.log(table(results).join('\n'));
      expect(errorsOf(results)).toEqual([]);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('without CORS_ORIGINS declares no CORS header, and only the CORS rule objects', async () => {
    const client = await createTestClient(bookshop);
    try {
      const res = await client.request({ method: 'GET', url: '/openapi.json' });
      expect(res.text).not.toContain('Access-Control-Allow-Origin');
      const rules = new Set((await lint(res.body)).filter((r) => r.severity === 0).map((r) => r.code));
      expect([...rules]).toEqual(['owasp:api8:2023-define-cors-origin']);
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
      // An endpoint without a limit of its own runs under the app's default policy, and says so.
      expect(Object.keys(doc.paths['/api/books']!.get!.responses['200']!.headers ?? {})).toEqual([
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
      ]);
      expect(Object.keys(doc.paths['/api/books']!.get!.responses['429']!.headers ?? {})).toContain(
        'Retry-After',
      );
      // Sign-in is public on purpose, and says so with an empty security requirement.
      expect(token.security).toEqual([{}]);

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
  security?: unknown[];
  description?: string;
  responses: Record<string, { headers?: Record<string, unknown> }>;
}

describe('the template app of `basalt new` under Spectral (.spectral.yaml)', () => {
  const ROOT = fileURLToPath(new URL('../../', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'basalt-template-spectral-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has no errors', async () => {
    cpSync(join(ROOT, 'templates', 'app', 'src'), join(work, 'src'), { recursive: true });
    cpSync(join(ROOT, 'templates', 'app', 'package.json'), join(work, 'package.json'));
    // `import 'basalt'` in the copy resolves to this checkout.
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(ROOT, join(work, 'node_modules', 'basalt'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      ...CORS_ENV,
    };
    for (const key of ['NODE_OPTIONS', 'VITEST', 'BASALT_APP', 'DATABASE_URL']) delete env[key];
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'basalt.js'), 'openapi', '--out', '-'], {
      cwd: work,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as unknown;
    expect(errorsOf(await lint(document))).toEqual([]);
  }, 150_000);
});
