import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasaltError } from '../../src/core/index.js';
import { defineModel, f } from '../../src/db/index.js';
import { post, t } from '../../src/http/index.js';
import { type StorageTestApp, startStorageApp } from './support/app.js';
import { PNG_1X1, png } from './support/files.js';

const Album = defineModel('upload_album', {
  title: f.string({ max: 100 }),
  cover: f.image({ optional: true, maxSize: 200_000 }),
});

const routes = [
  post('/albums/:id/cover', { params: t.Object({ id: t.Integer() }), streamBody: true }, async (ctx) => {
    const { file, fields } = await ctx.storage.upload(ctx, { for: Album.fields.cover });
    const album = await ctx.storage.records.update(ctx.db, Album, ctx.params.id, { cover: file });
    return { cover: album.cover, caption: fields.caption ?? null, url: await ctx.storage.url(file) };
  }),
  post('/notes', { streamBody: true }, async (ctx) => {
    const { file } = await ctx.storage.upload(ctx, {
      accept: ['text/plain'],
      maxSize: 1000,
      prefix: 'notes',
    });
    return file;
  }),
  post('/notes/failing', { streamBody: true }, async (ctx) => {
    await ctx.storage.upload(ctx, { accept: ['text/plain'], prefix: 'notes' });
    throw new BasaltError('BASALT_HTTP_CONFLICT', 'The handler failed after the upload');
  }),
];

async function allFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

function form(fields: Record<string, string | Blob>, filename?: string): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') data.append(name, value);
    else data.append(name, value, filename);
  }
  return data;
}

describe('multipart uploads into storage', () => {
  let s: StorageTestApp;
  let albumId: number;
  const media = () => join(s.dir, 'media');
  const stored = async () => (await allFiles(media())).filter((p) => !p.startsWith('.basalt/meta'));

  beforeAll(async () => {
    s = await startStorageApp({ routes, models: [Album] });
    albumId = (await s.app.db!.create(Album, { title: 'Blue' })).id;
  });
  afterAll(async () => {
    await s?.close();
  });

  it("streams an image into the field's storage with width, height, checksum and a generated key", async () => {
    const image = await png(40, 30);
    const response = await s.fetch(`/albums/${albumId}/cover`, {
      method: 'POST',
      body: form({ caption: 'front', file: new Blob([image], { type: 'image/png' }) }, 'My Cover.PNG'),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { cover: Record<string, unknown>; caption: string; url: string };
    expect(body.caption).toBe('front');
    expect(body.cover).toMatchObject({
      storage: 'default',
      name: 'My Cover.PNG',
      size: image.length,
      contentType: 'image/png',
      width: 40,
      height: 30,
    });
    expect(body.cover.key).toMatch(/^\d{4}\/\d{2}\/[0-9a-f]{32}\.png$/);
    expect(body.url).toBe(`/media/${body.cover.key}`);
    const served = await s.fetch(body.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
  });

  it('refuses an oversized file with 413 while streaming and keeps nothing of it', async () => {
    const before = await stored();
    const oversized = Buffer.concat([PNG_1X1, Buffer.alloc(300_000, 7)]);
    const response = await s.fetch(`/albums/${albumId}/cover`, {
      method: 'POST',
      body: form({ file: new Blob([oversized], { type: 'image/png' }) }, 'big.png'),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'BASALT_STORAGE_FILE_TOO_LARGE' });
    expect(await stored()).toEqual(before);
    expect(await allFiles(join(media(), '.basalt', 'tmp'))).toEqual([]);
  });

  it('refuses a .png that is really HTML with 415 and keeps nothing of it', async () => {
    const before = await stored();
    const html = '<!DOCTYPE html><html><body><script>document.cookie</script></body></html>';
    const response = await s.fetch(`/albums/${albumId}/cover`, {
      method: 'POST',
      body: form({ file: new Blob([html], { type: 'image/png' }) }, 'innocent.png'),
    });
    expect(response.status).toBe(415);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('BASALT_STORAGE_TYPE_NOT_ACCEPTED');
    expect(problem.detail).toContain('text/html');
    expect(await stored()).toEqual(before);
  });

  it('refuses a truncated image sharp cannot decode with 415 and keeps nothing of it', async () => {
    const before = await stored();
    const broken = (await png(50, 50)).subarray(0, 60);
    const response = await s.fetch(`/albums/${albumId}/cover`, {
      method: 'POST',
      body: form({ file: new Blob([broken], { type: 'image/png' }) }, 'broken.png'),
    });
    expect(response.status).toBe(415);
    expect(await stored()).toEqual(before);
  });

  it('ignores a traversal file name: the key is generated and nothing is written outside the storage', async () => {
    const response = await s.fetch('/notes', {
      method: 'POST',
      body: form({ file: new Blob(['hello'], { type: 'text/plain' }) }, '../../../etc/passwd'),
    });
    expect(response.status).toBe(201);
    const file = (await response.json()) as { key: string; name: string };
    expect(file.key).toMatch(/^notes\/\d{4}\/\d{2}\/[0-9a-f]{32}\.txt$/);
    expect(file.name).toBe('passwd');
    expect(existsSync(join(s.dir, 'etc'))).toBe(false);
    expect(existsSync(join(media(), file.key))).toBe(true);
  });

  it('removes the upload when the handler fails afterwards', async () => {
    const before = await stored();
    const response = await s.fetch('/notes/failing', {
      method: 'POST',
      body: form({ file: new Blob(['orphan to be'], { type: 'text/plain' }) }, 'a.txt'),
    });
    expect(response.status).toBe(409);
    // The clean-up runs once the answer is sent.
    for (let i = 0; i < 50 && (await stored()).length !== before.length; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await stored()).toEqual(before);
  });

  it('answers 400 BASALT_STORAGE_NO_FILE for a form without the file field', async () => {
    const response = await s.fetch('/notes', { method: 'POST', body: form({ title: 'no file' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'BASALT_STORAGE_NO_FILE' });
  });

  it('answers 400 for a file in another field, and 415 for a body that is not multipart', async () => {
    const other = await s.fetch('/notes', {
      method: 'POST',
      body: form({ attachment: new Blob(['x'], { type: 'text/plain' }) }, 'x.txt'),
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ code: 'BASALT_HTTP_BAD_REQUEST' });
    const json = await s.fetch('/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"file":"x"}',
    });
    expect(json.status).toBe(415);
    expect(await json.json()).toMatchObject({ code: 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers 400 for a malformed multipart body', async () => {
    const response = await s.fetch('/notes', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunterminated',
    });
    expect(response.status).toBe(400);
  });

  it('refuses a text field over its limit with 413 naming the field, and keeps nothing', async () => {
    const data = form({ caption: 'x'.repeat(1024 * 1024) });
    data.append('file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
    const before = await stored();
    const response = await s.fetch('/notes', { method: 'POST', body: data });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('BASALT_HTTP_PAYLOAD_TOO_LARGE');
    expect(problem.detail).toBe("The form field 'caption' is larger than the limit of 65536 bytes");
    expect(await stored()).toEqual(before);
  });

  it('answers 413 to a 50 MB text field long before its end', async () => {
    const boundary = 'basaltboundary';
    const total = 50 * 1024 * 1024;
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n`;
    const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
    let received = '';
    let sent = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      `POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length + total}\r\n\r\n${head}`,
    );
    const chunk = Buffer.alloc(64 * 1024, 'y');
    // Sends the field until the answer arrives (or the whole 50 MB is out), with backpressure.
    while (sent < total && !received.includes('\r\n\r\n') && !socket.destroyed) {
      sent += chunk.length;
      if (!socket.write(chunk))
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
    }
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('"code":"BASALT_HTTP_PAYLOAD_TOO_LARGE"');
    expect(received.toLowerCase()).toContain('connection: close');
    expect(sent).toBeLessThan(total / 2);
  }, 30_000);

  it('keeps keep-alive connections usable after refusing an upload it did not read to the end', async () => {
    // The refusal goes out while the client may still be sending; fetch keeps the
    // connection for a later request, which stalls unless the server reads the rest.
    const send = (file: Blob, name: string) =>
      s.fetch(`/albums/${albumId}/cover`, { method: 'POST', body: form({ file }, name) });
    const image = await send(new Blob([await png(8, 8)], { type: 'image/png' }), 'ok.png');
    expect(image.status).toBe(201);
    const served = await s.fetch(((await image.json()) as { url: string }).url);
    await served.arrayBuffer();
    const oversized = Buffer.concat([PNG_1X1, Buffer.alloc(300_000, 7)]);
    for (let i = 0; i < 3; i += 1) {
      const refused = await send(new Blob([oversized], { type: 'image/png' }), 'big.png');
      expect(refused.status).toBe(413);
      await refused.arrayBuffer();
      const html = await send(new Blob(['<!DOCTYPE html><p>hi</p>'], { type: 'image/png' }), 'a.png');
      expect(html.status).toBe(415);
      await html.arrayBuffer();
    }
  }, 15_000);
});
