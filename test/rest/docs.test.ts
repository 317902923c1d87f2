import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppDefinition } from 'basalt';
import { getAuth } from 'basalt/auth';
import type { AnyEndpoint } from 'basalt/http';
import { createTestClient, type TestClient } from 'basalt/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The `ts` blocks of docs/resources.md, in order, are one module: type-checked, then run.
// (`typescript` blocks are fragments of another project, such as a generated client's use.)
const root = join(import.meta.dirname, '..', '..');
const markdown = readFileSync(join(root, 'docs', 'resources.md'), 'utf8');
const source = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');

describe('docs/resources.md', () => {
  const dir = join(import.meta.dirname, '.basalt', `docs-${process.pid}`);
  const file = join(dir, 'resources-guide.ts');
  let client: TestClient<readonly AnyEndpoint[]>;
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, source);
  });
  afterAll(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('type-checks its code', { timeout: 120_000 }, () => {
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram([file], { ...options, noEmit: true });
    // Only this file's diagnostics: checking the whole framework again would take minutes.
    const source = program.getSourceFile(file)!;
    const errors = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });

  it('serves the API it describes', async () => {
    const { app } = (await import(pathToFileURL(file).href)) as { app: AppDefinition };
    client = await createTestClient(app);
    const auth = getAuth(client.app);
    const token = async (extra: Record<string, unknown>) => {
      const user = await auth.createUser(client.db!, {
        email: `docs${Math.random()}@example.com`,
        password: 'correct horse battery staple',
        ...extra,
      });
      return { authorization: `Bearer ${(await auth.issueTokens(client.db!, user)).access}` };
    };
    const staff = await token({ isStaff: true, isSuperuser: true });
    const alice = await token({});
    const call = async (method: string, url: string, headers = {}, payload?: object) =>
      client.request({ method: method as 'GET', url, headers, ...(payload ? { payload } : {}) });

    const author = await call('POST', '/api/authors', staff, { name: 'Ursula K. Le Guin' });
    expect(author.status).toBe(201);
    expect(author.body).toMatchObject({ name: 'Ursula K. Le Guin', initials: 'UKLG' });
    const authorId = (author.body as { id: number }).id;
    const catalogue: [string, string][] = [
      ['The Dispossessed', '8.99'],
      ['The Lathe of Heaven', '21.00'],
    ];
    for (const [title, price] of catalogue)
      expect(
        (await call('POST', '/api/books', staff, { title, isbn: price.replace('.', ''), price, authorId }))
          .status,
      ).toBe(201);
    const cheap = await call(
      'GET',
      `/api/books?author=${authorId}&price[lt]=20&publishedOn[isNull]=true&include=author`,
    );
    expect(cheap.body).toMatchObject({
      count: 1,
      results: [{ title: 'The Dispossessed', author: { name: 'Ursula K. Le Guin' } }],
    });
    const list = await call('GET', `/api/books?author[in]=${authorId}&author[in]=999&ordering=-price`);
    expect((list.body as { results: { title: string }[] }).results.map((b) => b.title)).toEqual([
      'The Lathe of Heaven',
      'The Dispossessed',
    ]);
    expect((await call('GET', '/api/books?isbn=899')).status).toBe(400);
    expect((await call('POST', '/api/books', alice, { title: 'x' })).status).toBe(403);

    const order = await call('POST', '/api/orders', alice, { note: 'gift wrap' });
    expect(order.status).toBe(201);
    const id = (order.body as { id: number }).id;
    expect((await call('GET', `/api/orders/${id}`, await token({}))).status).toBe(404);
    expect((await call('POST', `/api/orders/${id}/cancel`, alice)).body).toEqual({ id, status: 'cancelled' });
    expect((await call('POST', `/api/orders/${id}/cancel`, alice)).status).toBe(403);

    const audited = await call('POST', '/api/audited-books', staff, {
      title: '  Spaced  ',
      isbn: '123',
      price: '1.00',
      authorId,
    });
    expect(audited.status).toBe(201);
    const stored = await call('GET', `/api/audited-books/${(audited.body as { id: number }).id}`);
    expect(stored.body).toMatchObject({ title: 'Spaced' });
    expect(client.app.openapi().paths['/api/audited-books']).toBeDefined();
  });
});
