// The admin's media browser: a storage's files by key, previewed and served as storage serves
// them, deleted behind the CSRF token; superusers only. A local storage in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { getStorage, storage } from 'basalt/storage';
import { createTestClient, type TestClient } from 'basalt/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { adminApp } from './admin-app.js';
import { makeUser, signIn } from './helpers.js';

const app = defineApp({
  name: 'files',
  models: [],
  modules: [auth({ rateLimits: { ip: { max: 1000, window: '1m' } } }), storage(), admin()],
});

describe('the admin’s media browser', () => {
  let client: TestClient<typeof app.routes>;
  let folder: string;
  const as = () => client as unknown as TestClient<typeof adminApp.routes>;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'basalt-admin-media-'));
    client = await createTestClient(app, { env: { STORAGE_URL: `file:${folder}` } });
  });
  afterAll(async () => {
    await client.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('lists, previews, serves and deletes files, for superusers only', async () => {
    const files = getStorage(client.app);
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const image = await files.get().save(png, { name: 'red.png', prefix: 'covers' });
    const text = await files.get().save(Buffer.from('<script>alert(1)</script>'), { name: 'x.html' });
    const su = await signIn(as(), (await makeUser(as(), { superuser: true })).email);
    expect((await su.get('/admin/')).text).toContain('<a href="/admin/media/">Media</a>');
    const list = await su.get('/admin/media/default/');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`<img src="/admin/media/default/file?key=${encodeURIComponent(image.key)}"`);
    expect(list.text).toContain(text.key);
    const served = await su.get(`/admin/media/default/file?key=${encodeURIComponent(image.key)}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    // Markup is never shown as a page of this site: a download, with no script allowed.
    const other = await su.get(`/admin/media/default/file?key=${encodeURIComponent(text.key)}`);
    expect(String(other.headers['content-disposition'])).toMatch(/^attachment/);
    expect(other.headers['x-content-type-options']).toBe('nosniff');
    expect(String(other.headers['content-security-policy'])).toContain("default-src 'none'");
    const prefixed = await su.get('/admin/media/default/?prefix=covers');
    expect(prefixed.text).toContain(image.key);
    expect(prefixed.text).not.toContain(text.key);
    expect((await su.get('/admin/media/default/?prefix=%00')).status).toBe(400);
    expect((await su.get('/admin/media/nowhere/')).status).toBe(404);
    const forged = await su.post('/admin/media/default/delete', { key: image.key }, { token: null });
    expect(forged.status).toBe(403);
    expect(await files.get().exists(image.key)).toBe(true);
    const deleted = await su.post('/admin/media/default/delete', { key: image.key });
    expect(deleted.status).toBe(303);
    expect(await files.get().exists(image.key)).toBe(false);
    const staff = await signIn(as(), (await makeUser(as())).email);
    expect((await staff.get('/admin/media/default/')).status).toBe(403);
    expect((await staff.get(`/admin/media/default/file?key=${encodeURIComponent(text.key)}`)).status).toBe(
      403,
    );
  });
});
