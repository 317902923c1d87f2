import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG_1X1 } from '../storage/support/files.js';
import { extrasApp, Poster } from './extras-app.js';
import { cookieOf, decode, fieldError, PASSWORD, postForm, tokenOf } from './helpers.js';

describe('file fields in the admin’s forms', () => {
  let client: TestClient<typeof extrasApp.routes>;
  let cookie: string;
  let token: string;
  let dir: string;
  const media = () => join(dir, 'media');
  const stored = async () =>
    existsSync(media())
      ? (await readdir(media(), { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('.basalt'))
          .map((e) => e.name)
      : [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'basalt-admin-uploads-'));
    client = await createTestClient(extrasApp, { env: { STORAGE_URL: `file:${media()}` } });
    await getAuth(client.app).createUser(client.db!, {
      email: 'uploader@example.com',
      password: PASSWORD,
      isStaff: true,
      isSuperuser: true,
    });
    const login = await postForm(client as never, '/admin/login', {
      username: 'uploader@example.com',
      password: PASSWORD,
      next: '/admin/',
    });
    cookie = cookieOf(login)!;
    token = tokenOf((await get('/admin/')).text);
  });
  afterAll(async () => {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  function get(url: string) {
    return client.request({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
  }

  /** Posts a multipart form as a browser does, with one file (or an empty file input). */
  async function postMultipart(
    url: string,
    fields: Record<string, string>,
    file?: { bytes: Uint8Array; name: string; type: string },
  ) {
    const data = new FormData();
    data.append('csrf_token', token);
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    if (file) data.append('image', new Blob([file.bytes], { type: file.type }), file.name);
    else data.append('image', new Blob([], { type: 'application/octet-stream' }), '');
    const request = new Request('http://localhost/', { method: 'POST', body: data });
    return client.request({
      method: 'POST',
      url,
      payload: Buffer.from(await request.arrayBuffer()),
      headers: {
        cookie,
        accept: 'text/html',
        origin: 'http://localhost',
        'content-type': request.headers.get('content-type')!,
      },
    });
  }

  it('renders a file input in a multipart form', async () => {
    const add = await get('/admin/poster/add');
    expect(add.text).toContain('enctype="multipart/form-data"');
    expect(add.text).toContain('<input type="file" id="id_image" name="image" accept="image/*">');
  });

  it('stores an uploaded PNG through storage, links it and previews it; then removes it', async () => {
    const res = await postMultipart(
      '/admin/poster/add',
      { title: 'Dune' },
      {
        bytes: PNG_1X1,
        name: 'dune.png',
        type: 'image/png',
      },
    );
    expect(res.status, res.text).toBe(303);
    const change = res.headers.location as string;
    const id = Number(change.split('/')[3]);
    const poster = await client.db!.query(Poster).get(id);
    expect(poster.image).toMatchObject({ contentType: 'image/png', name: 'dune.png' });
    expect(await stored()).toContain(poster.image!.key.split('/').pop());
    const form = await get(change);
    const url = `/admin/poster/${id}/file/image`;
    expect(form.text).toContain(`<a href="${url}">dune.png</a>`);
    expect(form.text).toContain(`<img class="preview" src="${url}" alt="dune.png">`);
    const image = await client.request({ method: 'GET', url, headers: { cookie } });
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['content-length']).toBe(String(PNG_1X1.length));
    // Saving without a new file keeps the file; ticking "remove" empties the field.
    const version = decode(/name="_version" value="([^"]+)"/.exec(form.text)![1]!);
    const kept = await postMultipart(change, { title: 'Dune (2nd ed.)', _version: version });
    expect(kept.status, kept.text).toBe(303);
    expect((await client.db!.query(Poster).get(id)).image).toMatchObject({ name: 'dune.png' });
    const again = await get(change);
    const version2 = decode(/name="_version" value="([^"]+)"/.exec(again.text)![1]!);
    const cleared = await postMultipart(change, { title: 'Dune', _version: version2, image__clear: 'on' });
    expect(cleared.status, cleared.text).toBe(303);
    expect((await client.db!.query(Poster).get(id)).image).toBeNull();
    // Anonymous visitors get no file.
    expect((await client.request({ method: 'GET', url })).status).toBe(401);
  });

  it('refuses a file whose bytes are not an image, beside the field, and writes nothing', async () => {
    const before = await stored();
    const count = await client.db!.query(Poster).count();
    const res = await postMultipart(
      '/admin/poster/add',
      { title: 'Fake' },
      {
        bytes: new TextEncoder().encode('<script>alert(1)</script>'),
        name: 'evil.png',
        type: 'image/png',
      },
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'image')).toMatch(/not accepted/);
    expect(await client.db!.query(Poster).count()).toBe(count);
    expect(await stored()).toEqual(before);
  });
});
