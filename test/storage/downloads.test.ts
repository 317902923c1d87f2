import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionDeniedError } from '../../src/core/index.js';
import { get, t } from '../../src/http/index.js';
import type { StoredFile } from '../../src/storage/index.js';
import { type StorageTestApp, startStorageApp } from './support/app.js';
import { png, tinyPdf } from './support/files.js';

const files = new Map<string, StoredFile>();

// A permission-checked endpoint: the pattern for private files served by the app itself.
const routes = [
  get('/documents/:name', { params: t.Object({ name: t.String() }) }, async (ctx) => {
    if (ctx.request.headers['x-role'] !== 'accountant') throw new PermissionDeniedError();
    const file = files.get(ctx.params.name);
    if (!file) throw new PermissionDeniedError();
    return ctx.storage.serve(ctx, file, { disposition: 'attachment' });
  }),
  get('/redirected/:name', { params: t.Object({ name: t.String() }) }, async (ctx) => {
    const file = files.get(ctx.params.name);
    if (!file) throw new PermissionDeniedError();
    return ctx.storage.serve(ctx, file, { redirect: true });
  }),
];

describe('serving files', () => {
  let s: StorageTestApp;
  let pdf: StoredFile;
  let note: StoredFile;
  let html: StoredFile;
  let cover: StoredFile;

  beforeAll(async () => {
    s = await startStorageApp({ routes, storage: { storages: { private: { public: false } } } });
    const priv = s.storage.get('private');
    pdf = await priv.save(tinyPdf(), { name: 'Facture n°7.pdf', accept: ['application/pdf'] });
    files.set('invoice', pdf);
    note = await s.storage.get().save(Buffer.from('0123456789'), { name: 'digits.txt' });
    html = await s.storage
      .get()
      .save(Buffer.from('<html><script>alert(1)</script></html>'), { name: 'x.html' });
    cover = await s.storage.get().save(await png(300, 200), { name: 'cover.png', image: true });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('serves public files at their URL with type, length, etag and inline disposition', async () => {
    const url = await s.storage.url(note);
    expect(url).toBe(`/media/${note.key}`);
    const response = await s.fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('content-length')).toBe('10');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    // Served by key alone: the original name travels with the row, see ctx.storage.serve().
    expect(response.headers.get('content-disposition')).toBe('inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('0123456789');
    const again = await s.fetch(url, { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers HEAD with the headers of the file and no body', async () => {
    const response = await s.fetch(await s.storage.url(note), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('10');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('');
  });

  it('serves byte ranges with 206 and Content-Range, and refuses one past the end with 416', async () => {
    const url = await s.storage.url(note);
    const middle = await s.fetch(url, { headers: { range: 'bytes=2-4' } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(middle.headers.get('content-length')).toBe('3');
    expect(await middle.text()).toBe('234');
    const suffix = await s.fetch(url, { headers: { range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('789');
    const past = await s.fetch(url, { headers: { range: 'bytes=10-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */10');
    expect(await past.json()).toMatchObject({ code: 'BASALT_STORAGE_RANGE_NOT_SATISFIABLE' });
    // Several ranges: the whole file, as RFC 9110 allows.
    const multi = await s.fetch(url, { headers: { range: 'bytes=0-1,4-5' } });
    expect(multi.status).toBe(200);
  });

  it('sends markup as an attachment, never inline, under a sandboxing CSP', async () => {
    const response = await s.fetch(await s.storage.url(html));
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('answers 404 problem+json for a missing public file', async () => {
    const response = await s.fetch('/media/2020/01/0000000000000000000000000000dead.txt');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'BASALT_STORAGE_NOT_FOUND' });
  });

  it("does not serve private files publicly: only a signed URL or the app's endpoint reaches them", async () => {
    expect((await s.fetch(`/media/${pdf.key}`)).status).toBe(404);
    expect((await s.fetch(`/media-private/${pdf.key}`)).status).toBe(404);
    const unsigned = await s.fetch(`/storage/private/${pdf.key}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ code: 'BASALT_STORAGE_SIGNATURE_INVALID' });
    const signed = await s.fetch(await s.storage.url(pdf, { download: true }));
    expect(signed.status).toBe(200);
    expect(signed.headers.get('content-type')).toBe('application/pdf');
    expect(signed.headers.get('content-disposition')).toBe(
      'attachment; filename="Facture n_7.pdf"; filename*=UTF-8\'\'Facture%20n%C2%B07.pdf',
    );
    expect(Buffer.from(await signed.arrayBuffer()).equals(tinyPdf())).toBe(true);
  });

  it('refuses a signed URL of one storage used for another', async () => {
    const url = new URL(await s.storage.url(pdf), 'http://x');
    const moved = `/storage/default${url.pathname.slice('/storage/private'.length)}${url.search}`;
    const response = await s.fetch(moved);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'BASALT_STORAGE_SIGNATURE_INVALID' });
  });

  it('serves private files through a permission-checked endpoint, with ranges', async () => {
    expect((await s.fetch('/documents/invoice')).status).toBe(403);
    const response = await s.fetch('/documents/invoice', { headers: { 'x-role': 'accountant' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    expect(response.headers.get('cache-control')).toBe('private, max-age=0, must-revalidate');
    const head = await s.fetch('/documents/invoice', {
      headers: { 'x-role': 'accountant', range: 'bytes=0-4' },
    });
    expect(head.status).toBe(206);
    expect(await head.text()).toBe('%PDF-');
  });

  it('streams local files even when asked to redirect: Basalt is their server', async () => {
    expect(s.storage.get('private').serve).toBe('stream');
    const response = await s.fetch('/redirected/invoice', { redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await response.arrayBuffer()).equals(tinyPdf())).toBe(true);
  });

  it('makes a thumbnail on first request, keeps it, and serves it again from storage', async () => {
    const url = s.storage.thumbnailUrl(cover, '128x128');
    expect(url).toBe(`/storage/_thumbs/default/128x128/${cover.key}`);
    const first = await s.fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/webp');
    const { default: sharp } = await import('sharp');
    const meta = await sharp(Buffer.from(await first.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([128, 128]);
    const kept = await s.storage.get().backend.stat(`thumbs/${cover.key}/128x128-cover.webp`);
    const second = await s.fetch(url);
    expect(second.status).toBe(200);
    expect((await s.storage.get().backend.stat(`thumbs/${cover.key}/128x128-cover.webp`)).modified).toEqual(
      kept.modified,
    );
  });

  it('refuses thumbnail sizes not configured, and thumbnails of private storages', async () => {
    expect((await s.fetch(`/storage/_thumbs/default/999x999/${cover.key}`)).status).toBe(404);
    expect((await s.fetch(`/storage/_thumbs/private/128x128/${pdf.key}`)).status).toBe(404);
  });

  it("deletes an image's thumbnails with it", async () => {
    const image = await s.storage.get().save(await png(100, 100), { image: true });
    expect((await s.fetch(s.storage.thumbnailUrl(image, '64x64'))).status).toBe(200);
    await s.storage.get().delete(image);
    const left = [];
    for await (const o of s.storage.get().backend.list(`thumbs/${image.key}/`)) left.push(o.key);
    expect(left).toEqual([]);
  });
});
