// Model forms with a file field (stored through basalt/storage) and a to-many field (a multiple select).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, getAuth } from '../../src/auth/index.js';
import { views } from '../../src/views/index.js';
import { type StorageTestApp, startStorageApp } from '../storage/support/app.js';
import { PNG_1X1 } from '../storage/support/files.js';
import { Album, albumRoutes, Genre } from './album-app.js';

async function stored(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((p) => !p.startsWith('.basalt'));
}

describe('model forms with files and to-many fields', () => {
  let s: StorageTestApp;
  let genres: number[];
  const media = () => join(s.dir, 'media');
  beforeAll(async () => {
    s = await startStorageApp({
      routes: albumRoutes,
      models: [Genre, Album],
      modules: [views({ static: false })],
    });
    genres = [];
    for (const name of ['Jazz', 'Folk', '<b>Noise</b>'])
      genres.push((await s.app.db!.create(Genre, { name })).id);
  });
  afterAll(() => s.close());

  const post = (
    fields: Record<string, string | string[]>,
    file?: { bytes: Uint8Array; name: string; type: string },
  ) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields))
      for (const v of Array.isArray(value) ? value : [value]) data.append(name, v);
    if (file) data.append('cover', new Blob([file.bytes], { type: file.type }), file.name);
    else data.append('cover', new Blob([], { type: 'application/octet-stream' }), '');
    return s.fetch('/albums/new', { method: 'POST', body: data, redirect: 'manual' });
  };

  it('renders a file input and a multiple select with the options the page gives, escaped', async () => {
    const res = await s.fetch('/albums/new');
    const html = await res.text();
    expect(html).toContain('<input type="file" id="field-cover" name="cover" accept="image/*">');
    expect(html).toContain('<select id="field-genres" name="genres" multiple>');
    expect(html).toContain(`<option value="${genres[2]}">&lt;b&gt;Noise&lt;/b&gt;</option>`);
  });

  it('stores the file through storage and links the chosen rows', async () => {
    const res = await post(
      { title: 'Kind of Blue', genres: [String(genres[0]), String(genres[1])] },
      {
        bytes: PNG_1X1,
        name: 'cover.png',
        type: 'image/png',
      },
    );
    expect(res.status).toBe(303);
    const id = Number(res.headers.get('location')!.split('/').pop());
    const album = await s.app.db!.query(Album).include('genres').get(id);
    expect(album.cover).toMatchObject({ contentType: 'image/png', width: 1, height: 1, name: 'cover.png' });
    expect(album.genres.map((g: { id: number }) => g.id).sort()).toEqual([genres[0], genres[1]]);
    expect(await stored(media())).toContain(album.cover!.key);
  });

  it('re-renders a refused form with its errors and choices, and keeps no file of it', async () => {
    const before = await stored(media());
    const res = await post(
      { title: 'x'.repeat(101), genres: [String(genres[1])] },
      { bytes: PNG_1X1, name: 'c.png', type: 'image/png' },
    );
    const html = await res.text();
    expect(res.status, `${res.headers.get('location')} ${html}`).toBe(400);
    expect(html).toContain('<p class="error" id="field-title-error">Enter at most 100 characters.</p>');
    expect(html).toContain(`<option value="${genres[1]}" selected>Folk</option>`);
    expect(html).toContain(`<option value="${genres[0]}">Jazz</option>`);
    expect(await stored(media())).toEqual(before);
  });

  it('turns a file of the wrong kind or size into the field error, storing nothing', async () => {
    const before = await stored(media());
    const text = await post(
      { title: 'Notes' },
      { bytes: Buffer.from('just some text'), name: 'cover.png', type: 'image/png' },
    );
    expect(text.status).toBe(400);
    expect(await text.text()).toContain(
      'id="field-cover-error">This kind of file is not accepted (text/plain).</p>',
    );
    const big = Buffer.concat([PNG_1X1, Buffer.alloc(5_000)]);
    const large = await post({ title: 'Big' }, { bytes: big, name: 'big.png', type: 'image/png' });
    expect([400, 413]).toContain(large.status);
    if (large.status === 400) expect(await large.text()).toContain('The file is larger than');
    expect(await stored(media())).toEqual(before);
    expect(await s.app.db!.query(Album).where({ title: 'Notes' }).count()).toBe(0);
  });

  it('accepts a form without a file for an optional file field', async () => {
    const res = await post({ title: 'No cover' });
    expect(res.status, await res.clone().text()).toBe(303);
    const album = await s.app.db!.query(Album).where({ title: 'No cover' }).first();
    expect(album?.cover ?? null).toBeNull();
  });
});

describe('a model form with files, posted with a session (CSRF before storage)', () => {
  const PASSWORD = 'correct horse battery staple';
  let s: StorageTestApp;
  let cookie: string;
  let token: string;
  const media = () => join(s.dir, 'media');
  beforeAll(async () => {
    s = await startStorageApp({
      routes: albumRoutes,
      models: [Genre, Album],
      modules: [auth(), views({ static: false })],
    });
    await getAuth(s.app).createUser(s.app.db!, { email: 'owner@example.com', password: PASSWORD });
    const login = await s.fetch('/auth/session/login', {
      method: 'POST',
      body: JSON.stringify({ email: 'owner@example.com', password: PASSWORD }),
      headers: { 'content-type': 'application/json', origin: s.url },
    });
    expect(login.status).toBe(204);
    cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('basalt_session='))!
      .split(';', 1)[0]!;
    token = login.headers.get('x-csrf-token')!;
    expect(token).toBeTruthy();
  });
  afterAll(() => s.close());

  const BOUNDARY = 'basalt-test-boundary';
  const field = (name: string, value: string) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const filePart = () =>
    Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="cover"; filename="c.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      Buffer.from(PNG_1X1),
      Buffer.from('\r\n'),
    ]);

  /**
   * Posts `head` and holds the rest of the body back until the server answers: a server that
   * stored the file and waited for the token would never answer (the deadline fails the test).
   */
  function postHolding(head: Buffer, rest: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; storedWhileOpen: string[] }>((resolve, reject) => {
      const url = new URL('/albums/new', s.url);
      const request = httpRequest(url, {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          cookie,
          origin: s.url,
          accept: 'text/html',
          ...headers,
        },
      });
      const deadline = setTimeout(
        () => reject(new Error('no answer while the rest of the body was held back')),
        10_000,
      );
      request.on('response', (res) => {
        clearTimeout(deadline);
        void stored(media()).then((files) => {
          res.resume();
          request.end(rest);
          resolve({ status: res.statusCode!, storedWhileOpen: files });
        }, reject);
      });
      request.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      request.write(head);
    });
  }

  it('refuses a forged post whose file comes before the token: 403 before anything is stored', async () => {
    const before = await stored(media());
    const cases: [string, Buffer, string][] = [
      [
        'token after the file',
        Buffer.concat([Buffer.from(field('title', 'Forged')), filePart(), Buffer.from(`--${BOUNDARY}\r\n`)]),
        `Content-Disposition: form-data; name="csrf_token"\r\n\r\n${token}\r\n--${BOUNDARY}--\r\n`,
      ],
      [
        'wrong token first',
        Buffer.concat([
          Buffer.from(field('csrf_token', 'forged-token') + field('title', 'Forged')),
          filePart(),
          Buffer.from(`--${BOUNDARY}\r\n`),
        ]),
        `Content-Disposition: form-data; name="genres"\r\n\r\n1\r\n--${BOUNDARY}--\r\n`,
      ],
    ];
    for (const [label, head, rest] of cases) {
      const res = await postHolding(head, rest);
      expect(res.status, label).toBe(403);
      expect(res.storedWhileOpen, label).toEqual(before);
    }
    expect(await stored(media())).toEqual(before);
    expect(await s.app.db!.query(Album).where({ title: 'Forged' }).count()).toBe(0);
  });

  it('stores the file when the token comes first, or in the X-CSRF-Token header', async () => {
    const body = (withToken: boolean) =>
      Buffer.concat([
        Buffer.from(
          (withToken ? field('csrf_token', token) : '') + field('title', withToken ? 'First' : 'Header'),
        ),
        filePart(),
        Buffer.from(`--${BOUNDARY}--\r\n`),
      ]);
    const headers = (extra: Record<string, string> = {}) => ({
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      cookie,
      origin: s.url,
      ...extra,
    });
    const first = await s.fetch('/albums/new', {
      method: 'POST',
      body: body(true),
      headers: headers(),
      redirect: 'manual',
    });
    expect(first.status, await first.clone().text()).toBe(303);
    const header = await s.fetch('/albums/new', {
      method: 'POST',
      body: body(false),
      headers: headers({ 'x-csrf-token': token }),
      redirect: 'manual',
    });
    expect(header.status, await header.clone().text()).toBe(303);
    for (const title of ['First', 'Header']) {
      const album = await s.app.db!.query(Album).where({ title }).first();
      expect(album?.cover?.contentType, title).toBe('image/png');
      expect(await stored(media())).toContain(album!.cover!.key);
    }
  });
});
