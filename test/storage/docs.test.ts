import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthUser, getAuth } from '../../src/auth/index.js';
import type { Database } from '../../src/db/index.js';
import { createBackendFromUrl, getStorage } from '../../src/storage/index.js';
import { createTestClient, type TestClient } from '../../src/testing/index.js';
import app, { Book, Invoice } from './docs/example-app.js';
import { png, tinyPdf } from './support/files.js';
import { startS3Server } from './support/s3-server.js';

const here = (path: string) => new URL(path, import.meta.url);

/** `// #region name` … `// #endregion` blocks of a source file, dedented. */
function regions(file: URL): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^([ \t]*)\/\/ #region [\w-]+\n([\s\S]*?)^[ \t]*\/\/ #endregion/gm)].map(
    ([, indent, body]) =>
      body!
        .split('\n')
        .map((line) => (line.startsWith(indent!) ? line.slice(indent!.length) : line))
        .join('\n')
        .trim(),
  );
}

describe('docs/storage.md', () => {
  it('shows only code that is compiled and run here (each ts block is a region of the examples)', () => {
    const docs = readFileSync(here('../../docs/storage.md'), 'utf8');
    const blocks = [...docs.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code!.trim());
    const known = [...regions(here('./docs/example-app.ts')), ...regions(here('./docs.test.ts'))];
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) expect(known, block.slice(0, 120)).toContain(block);
  });
});

describe('docs/storage.md examples, run', () => {
  let client: TestClient<typeof app.routes>;
  let dir: string;
  let owner: AuthUser;
  let ownerToken: string;
  let strangerToken: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'basalt-docs-storage-'));
    client = await createTestClient(app, {
      env: {
        SECRET_KEY: 'docs-secret-key-of-reasonable-length-0123456789',
        STORAGE_URL: `file:${dir}/media`,
        STORAGE_PRIVATE_URL: `file:${dir}/private`,
      },
    });
    const db = client.db as Database;
    const service = getAuth(client.app);
    owner = await service.createUser(db, { email: 'owner@example.com', password: 'a-long-password-1' });
    const stranger = await service.createUser(db, {
      email: 'other@example.com',
      password: 'a-long-password-2',
    });
    ownerToken = (await service.issueTokens(db, owner)).access;
    strangerToken = (await service.issueTokens(db, stranger)).access;
  });
  afterAll(async () => {
    await client?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads a cover, replaces it, and removes the old file after commit', async () => {
    const db = client.db as Database;
    const book = await db.create(Book, { title: 'The Dispossessed' });
    const upload = async (width: number) => {
      const body = new FormData();
      body.append('file', new Blob([await png(width, 100)], { type: 'image/png' }), 'cover.png');
      const request = new Request('http://x', { method: 'POST', body });
      return client.request({
        method: 'POST',
        url: `/books/${book.id}/cover`,
        headers: Object.fromEntries(request.headers),
        payload: Buffer.from(await request.arrayBuffer()),
      });
    };
    const first = await upload(120);
    expect(first.status).toBe(201);
    const firstCover = (first.body as { cover: { key: string; width: number } }).cover;
    expect(firstCover.width).toBe(120);
    const second = await upload(80);
    expect(second.status).toBe(201);
    const { thumbnail } = second.body as { thumbnail: string };
    const storage = getStorage(client.app);
    expect(await storage.get().exists(firstCover.key)).toBe(false);
    const thumb = await client.request({ method: 'GET', url: thumbnail });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
  });

  it('serves a private invoice to its customer only, and signs a download link for staff', async () => {
    const db = client.db as Database;
    const pdf = await getStorage(client.app)
      .get('private')
      .save(tinyPdf(), { name: 'invoice-7.pdf', accept: ['application/pdf'] });
    const invoice = await db.create(Invoice, { number: 'F-7', customerId: owner.id, pdf });
    const mine = await client.request({
      method: 'GET',
      url: `/invoices/${invoice.id}/pdf`,
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    expect(mine.status).toBe(200);
    expect(mine.headers['content-type']).toBe('application/pdf');
    expect(mine.headers['content-disposition']).toContain('attachment; filename="invoice-7.pdf"');
    const theirs = await client.request({
      method: 'GET',
      url: `/invoices/${invoice.id}/pdf`,
      headers: { authorization: `Bearer ${strangerToken}` },
    });
    expect(theirs.status).toBe(403);
    const anonymous = await client.request({ method: 'GET', url: `/invoices/${invoice.id}/pdf` });
    expect(anonymous.status).toBe(401);
    const noPermission = await client.request({
      method: 'GET',
      url: `/invoices/${invoice.id}/link`,
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    expect(noPermission.status).toBe(403);
    await getAuth(client.app).grantPermissions(db, { user: owner.id }, ['view_invoice']);
    const link = await client.request({
      method: 'GET',
      url: `/invoices/${invoice.id}/link`,
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    const { url } = link.body as { url: string };
    const download = await client.request({ method: 'GET', url });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
  });

  it('copies a local storage into S3 with the migration script of the guide', async () => {
    const s3 = await startS3Server('media');
    process.env.NEW_STORAGE_URL = `s3://S3RVER:S3RVER@media?endpoint=${s3.endpoint}`;
    const local = getStorage(client.app).get().backend;
    const before: string[] = [];
    for await (const object of local.list()) before.push(object.key);
    try {
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        // #region move-to-s3
        const from = await createBackendFromUrl('file:./media', { name: 'default' });
        const to = await createBackendFromUrl(process.env.NEW_STORAGE_URL!, { name: 'default' });
        for await (const object of from.list()) {
          if (await to.exists(object.key)) continue; // safe to run again
          const { stream, stat } = await from.get(object.key);
          await to.put(object.key, stream, { contentType: stat.contentType, size: stat.size });
        }
        await to.close?.();
        // #endregion
      } finally {
        process.chdir(cwd);
      }
      const copied = await createBackendFromUrl(process.env.NEW_STORAGE_URL, { name: 'default' });
      const after: string[] = [];
      for await (const object of copied.list()) after.push(object.key);
      expect(after).toEqual(before);
      const sample = before.find((k) => !k.startsWith('thumbs/'))!;
      expect((await copied.stat(sample)).contentType).toBe((await local.stat(sample)).contentType);
      await copied.close?.();
    } finally {
      delete process.env.NEW_STORAGE_URL;
      await s3.close();
    }
  });
});
