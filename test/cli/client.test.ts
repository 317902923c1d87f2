import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getAuth } from 'basalt/auth';
import { runCli } from 'basalt/cli';
import { createTestClient, type TestClient } from 'basalt/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { seed } from '../../examples/bookshop/seed.js';
import { ROOT } from './basalt-process.js';

interface LooseResult {
  ok: boolean;
  status: number;
  data?: unknown;
  error?: { status: number; code: string; detail: string };
  notModified?: boolean;
}
type LooseCall = (path: string, options?: Record<string, unknown>) => Promise<LooseResult>;
type LooseCreate = (options: {
  baseUrl: string;
}) => Record<'get' | 'post' | 'put' | 'patch' | 'delete', LooseCall>;

const STRICT: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noPropertyAccessFromIndexSignature: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
};

/** tsc's diagnostics for `files` under {@link STRICT}, one line each. */
function compile(files: string[]): string[] {
  const program = ts.createProgram(files, STRICT);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

async function cli(args: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += String(c);
  });
  stderr.on('data', (c: Buffer) => {
    err += String(c);
  });
  const env = { BASALT_APP: join(ROOT, 'examples/bookshop/app.ts'), LOG_LEVEL: 'silent' };
  const code = await runCli(args, { cwd, env, stdout, stderr });
  return { code, out, err };
}

// What a user of the generated client writes: it must type-check, and a wrong call must not.
const USAGE = `import { createClient } from './api-client.js';
const api = createClient({ baseUrl: 'http://127.0.0.1:3000', headers: () => ({ authorization: 'Bearer x' }) });
export async function titles(): Promise<string[]> {
  const page = await api.get('/api/books', { query: { ordering: '-price', 'price[lt]': '20', pageSize: 5 } });
  if (!page.ok) throw new Error(page.error.detail);
  return page.data.results.map((book) => book.title ?? '');
}
export async function one(id: number): Promise<string | undefined> {
  const book = await api.get('/api/books/{id}', { params: { id } });
  if (book.ok) return book.data.title;
  if (book.notModified) return undefined;
  const code: string = book.error.code;
  return code;
}
`;

describe('basalt client', () => {
  let dir: string;
  let client: TestClient<readonly never[]>;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-client-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    client = (await createTestClient(bookshop)) as unknown as TestClient<readonly never[]>;
    await seed(client.app.db!, getAuth(client.app));
    baseUrl = (await client.app.listen({ port: 0, host: '127.0.0.1' })).url;
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a client for the bookshop that compiles on its own under strict options', async () => {
    const written = await cli(['client', '--out', 'src/api-client.ts'], dir);
    expect(written).toMatchObject({ code: 0, out: 'Wrote src/api-client.ts (31 paths).\n' });
    const file = join(dir, 'src', 'api-client.ts');
    const source = readFileSync(file, 'utf8');
    expect(source).toContain('export type Book = {');
    expect(source).toContain('"/api/books/{id}": {');
    expect(source).not.toMatch(/^import /m);
    expect(compile([file])).toEqual([]);

    writeFileSync(join(dir, 'src', 'usage.ts'), USAGE);
    expect(compile([join(dir, 'src', 'usage.ts')])).toEqual([]);
  }, 60_000);

  it('refuses a wrong path, missing params or a wrong body type at compile time', async () => {
    await cli(['client', '--out', 'src/api-client.ts'], dir);
    const wrong = `import { createClient } from './api-client.js';
const api = createClient({ baseUrl: '' });
export const a = api.get('/api/nope');
export const b = api.get('/api/books/{id}');
export const c = api.post('/api/books', { body: { title: 1 } });
export const d = api.delete('/api/books');
`;
    writeFileSync(join(dir, 'src', 'wrong.ts'), wrong);
    const errors = compile([join(dir, 'src', 'wrong.ts')]);
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toContain('"/api/nope"');
  }, 60_000);

  it('calls the real bookshop: lists books, gets one, and a 404 comes back as a typed error', async () => {
    await cli(['client', '--out', 'src/api-client.ts'], dir);
    // Its types are checked by the compile tests above; here it runs, untyped, against the server.
    const generated = (await import(join(dir, 'src', 'api-client.ts'))) as { createClient: LooseCreate };
    const api = generated.createClient({ baseUrl });

    const page = await api.get('/api/books', { query: { ordering: 'price', pageSize: 2 } });
    expect(page).toMatchObject({ ok: true, status: 200, data: { count: 5 } });
    const results = (page.data as { results: { id: number; title: string; authorId: number }[] }).results;
    expect(results).toHaveLength(2);
    const first = results[0]!;

    const book = await api.get('/api/books/{id}', { params: { id: first.id }, query: { include: 'author' } });
    expect(book).toMatchObject({ ok: true, status: 200, data: { id: first.id, title: first.title } });
    expect((book.data as { author: { name: string } }).author.name).toEqual(expect.any(String));

    const missing = await api.get('/api/books/{id}', { params: { id: 999_999 } });
    expect(missing).toMatchObject({
      ok: false,
      status: 404,
      error: { status: 404, code: expect.any(String) },
    });
    expect(missing.data).toBeUndefined();

    const invalid = await api.get('/api/books', { query: { pageSize: -1 } });
    expect(invalid).toMatchObject({ ok: false, status: 400, error: { code: 'BASALT_VALIDATION_FAILED' } });

    const anonymous = await api.post('/api/books', {
      body: { title: 'T', isbn: '1234567890', price: '1.00', authorId: first.authorId },
    });
    expect(anonymous).toMatchObject({ ok: false, status: 401 });
  }, 60_000);

  it('refuses an --out that is not a TypeScript file', async () => {
    const result = await cli(['client', '--out', 'client.json'], dir);
    expect(result.code).toBe(2);
    expect(result.err).toContain("--out must name a TypeScript file (.ts, .mts or .cts), not 'client.json'");
  });
});
