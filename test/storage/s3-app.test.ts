import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionDeniedError } from '../../src/core/index.js';
import { get, post, t } from '../../src/http/index.js';
import type { StoredFile } from '../../src/storage/index.js';
import { type StorageTestApp, startStorageApp } from './support/app.js';
import { PNG_1X1, tinyPdf } from './support/files.js';
import { type S3TestServer, startS3Server } from './support/s3-server.js';

const saved = new Map<string, StoredFile>();

const routes = [
  post('/documents', { streamBody: true }, async (ctx) => {
    const { file } = await ctx.storage.upload(ctx, {
      storage: 'private',
      accept: ['application/pdf'],
      maxSize: 50_000,
    });
    saved.set('latest', file);
    return file;
  }),
  get('/documents/latest', { query: t.Object({ role: t.Optional(t.String()) }) }, async (ctx) => {
    const file = saved.get('latest');
    if (ctx.query.role !== 'owner' || !file) throw new PermissionDeniedError();
    return ctx.storage.serve(ctx, file, { disposition: 'attachment' });
  }),
  get('/documents/latest/streamed', { query: t.Object({ role: t.Optional(t.String()) }) }, async (ctx) => {
    const file = saved.get('latest');
    if (ctx.query.role !== 'owner' || !file) throw new PermissionDeniedError();
    return ctx.storage.serve(ctx, file, { disposition: 'attachment', redirect: false });
  }),
  get('/reports/latest', {}, async (ctx) => {
    const file = saved.get('report');
    if (!file) throw new PermissionDeniedError();
    return ctx.storage.serve(ctx, file, { disposition: 'attachment' });
  }),
  get('/documents/latest/direct', { query: t.Object({ role: t.Optional(t.String()) }) }, async (ctx) => {
    const file = saved.get('latest');
    if (ctx.query.role !== 'owner' || !file) throw new PermissionDeniedError();
    return ctx.storage.serve(ctx, file, { redirect: { expiresIn: 30 } });
  }),
];

// The same module on S3: STORAGE_URL and STORAGE_PRIVATE_URL point at s3rver (one bucket, two prefixes).
describe('storage() on S3', () => {
  let s3: S3TestServer;
  let s: StorageTestApp;
  const privateObjects = async () => {
    const keys: string[] = [];
    for await (const object of s.storage.get('private').backend.list()) keys.push(object.key);
    return keys;
  };

  beforeAll(async () => {
    s3 = await startS3Server('app');
    const base = `s3://S3RVER:S3RVER@app`;
    const query = `?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
    s = await startStorageApp({
      routes,
      storage: { storages: { private: { public: false }, reports: { public: false, serve: 'stream' } } },
      env: {
        STORAGE_URL: `${base}/public${query}`,
        STORAGE_PRIVATE_URL: `${base}/private${query}`,
        STORAGE_REPORTS_URL: `${base}/reports${query}`,
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await s3?.close();
  });

  const send = (content: Buffer | string, type: string, name: string) => {
    const body = new FormData();
    body.append('file', new Blob([content], { type }), name);
    return s.fetch('/documents', { method: 'POST', body });
  };

  it('streams an upload into the bucket and serves it back through a permission-checked endpoint by redirect', async () => {
    const response = await send(tinyPdf(), 'application/pdf', 'statement.pdf');
    expect(response.status).toBe(201);
    const file = (await response.json()) as StoredFile;
    expect(file).toMatchObject({
      storage: 'private',
      contentType: 'application/pdf',
      size: tinyPdf().length,
    });
    expect((await s.storage.get('private').stat(file)).contentType).toBe('application/pdf');
    expect((await s.fetch('/documents/latest', { redirect: 'manual' })).status).toBe(403);
    // The default on S3: a 302 to a presigned URL valid 60 seconds, after the endpoint's checks.
    const answer = await s.fetch('/documents/latest?role=owner', { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    const location = new URL(answer.headers.get('location')!);
    expect(location.href.startsWith(`${s3.endpoint}/app/private/${file.key}?`)).toBe(true);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('60');
    const followed = await fetch(location);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toBe('application/pdf');
    expect(followed.headers.get('content-disposition')).toBe(
      'attachment; filename="statement.pdf"; filename*=UTF-8\'\'statement.pdf',
    );
    expect(Buffer.from(await followed.arrayBuffer()).equals(tinyPdf())).toBe(true);
    // A client following redirects gets the file; the bucket answers ranges and 416 itself.
    const served = await s.fetch('/documents/latest?role=owner');
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(tinyPdf())).toBe(true);
    const ranged = await s.fetch('/documents/latest?role=owner', { headers: { range: 'bytes=1-3' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1-3/${tinyPdf().length}`);
    expect(await ranged.text()).toBe('PDF');
  });

  it('streams through the app when the call passes redirect: false, with ranges and conditional requests', async () => {
    expect((await s.fetch('/documents/latest/streamed')).status).toBe(403);
    const served = await s.fetch('/documents/latest/streamed?role=owner', { redirect: 'manual' });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-disposition')).toContain('attachment; filename="statement.pdf"');
    expect(served.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await served.arrayBuffer()).equals(tinyPdf())).toBe(true);
    const etag = served.headers.get('etag')!;
    const again = await s.fetch('/documents/latest/streamed?role=owner', {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const ranged = await s.fetch('/documents/latest/streamed?role=owner', {
      headers: { range: 'bytes=1-3' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1-3/${tinyPdf().length}`);
    expect(await ranged.text()).toBe('PDF');
    const past = await s.fetch('/documents/latest/streamed?role=owner', {
      headers: { range: 'bytes=999999-' },
    });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${tinyPdf().length}`);
  });

  it("streams by default from a storage configured with serve: 'stream'", async () => {
    const reports = s.storage.get('reports');
    expect(reports.serve).toBe('stream');
    expect(s.storage.get('private').serve).toBe('redirect');
    saved.set('report', await reports.save(tinyPdf(), { name: 'q3.pdf', accept: ['application/pdf'] }));
    const served = await s.fetch('/reports/latest', { redirect: 'manual' });
    expect(served.status).toBe(200);
    expect(served.headers.get('location')).toBeNull();
    expect(served.headers.get('content-disposition')).toContain('attachment; filename="q3.pdf"');
    expect(Buffer.from(await served.arrayBuffer()).equals(tinyPdf())).toBe(true);
  });

  it('redirects a permission-checked download to a short-lived presigned URL when asked (redirect)', async () => {
    expect((await s.fetch('/documents/latest/direct', { redirect: 'manual' })).status).toBe(403);
    const answer = await s.fetch('/documents/latest/direct?role=owner', { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    const location = new URL(answer.headers.get('location')!);
    expect(location.href.startsWith(`${s3.endpoint}/app/private/`)).toBe(true);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('30');
    const followed = await fetch(location);
    expect(followed.status).toBe(200);
    // A PDF stays inline; the original name goes with it.
    expect(followed.headers.get('content-disposition')).toContain('inline; filename="statement.pdf"');
    expect(Buffer.from(await followed.arrayBuffer()).equals(tinyPdf())).toBe(true);
    const ranged = await fetch(location, { headers: { range: 'bytes=1-3' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('PDF');
  });

  it('gives private files S3 presigned URLs that download them', async () => {
    const file = saved.get('latest')!;
    const url = await s.storage.url(file, { expiresIn: 60, download: true });
    expect(url.startsWith(`${s3.endpoint}/app/private/`)).toBe(true);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('attachment');
  });

  it('leaves nothing in the bucket after an oversized or wrong-type upload', async () => {
    const before = await privateObjects();
    const big = await send(Buffer.concat([tinyPdf(), Buffer.alloc(80_000, 1)]), 'application/pdf', 'big.pdf');
    expect(big.status).toBe(413);
    const image = await send(PNG_1X1, 'application/pdf', 'fake.pdf');
    expect(image.status).toBe(415);
    expect(await image.json()).toMatchObject({
      code: 'BASALT_STORAGE_TYPE_NOT_ACCEPTED',
      detail: expect.stringContaining('image/png'),
    });
    expect(await privateObjects()).toEqual(before);
  });
});
