import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, defineApp } from '../../src/app/index.js';
import { defineModel, f } from '../../src/db/index.js';
import { createBackendFromUrl, getStorage, storage } from '../../src/storage/index.js';
import { createUrlSigner } from '../../src/storage/signing.js';
import { type StorageTestApp, startStorageApp } from './support/app.js';
import { png, tinyPdf } from './support/files.js';

const Poster = defineModel('module_poster', {
  title: f.string({ max: 100 }),
  image: f.image({ optional: true }),
  scan: f.file({ optional: true, storage: 'private' }),
});

describe('STORAGE_URL', () => {
  it('opens local folders from file: URLs, relative or absolute', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'basalt-url-'));
    try {
      for (const url of [`file:${dir}/a`, `file://${dir}/b`]) {
        const backend = await createBackendFromUrl(url, { name: 'x' });
        expect(backend.kind).toBe('local');
        await backend.put('k.txt', Buffer.from('1'));
        expect(await backend.exists('k.txt')).toBe(true);
      }
      const relative = await createBackendFromUrl('file:./rel', { name: 'x', cwd: dir });
      await relative.put('k.txt', Buffer.from('1'));
      const check = await createBackendFromUrl(`file:${dir}/rel`, { name: 'x' });
      expect(await check.exists('k.txt')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens S3 from s3:// URLs with region, endpoint, path style, prefix and credentials', async () => {
    const backend = await createBackendFromUrl(
      's3://KEY:SECRET@my-bucket/media/public?region=eu-west-3&endpoint=http://127.0.0.1:9000&forcePathStyle=true',
      { name: 'x' },
    );
    expect(backend.kind).toBe('s3');
    expect(backend.url('a/b.png')).toBe('http://127.0.0.1:9000/my-bucket/media/public/a/b.png');
    const signed = new URL(await backend.signedUrl('a/b.png', { expiresIn: 60 }));
    expect(signed.pathname).toBe('/my-bucket/media/public/a/b.png');
    expect(signed.searchParams.get('X-Amz-Credential')).toMatch(/^KEY\/\d{8}\/eu-west-3\/s3\/aws4_request$/);
    expect(signed.searchParams.get('X-Amz-Expires')).toBe('60');
    await backend.close?.();
    const aws = await createBackendFromUrl('s3://assets?region=eu-west-1', { name: 'x' });
    expect(aws.url('k.png')).toBe('https://assets.s3.eu-west-1.amazonaws.com/k.png');
    await aws.close?.();
  });

  it('refuses unknown schemes and URLs naming nothing with BASALT_STORAGE_UNSUPPORTED_URL, hiding credentials', async () => {
    for (const url of ['ftp://user:pw@host/x', 'file:', 's3://']) {
      const error = await createBackendFromUrl(url, { name: 'x' }).catch((e: unknown) => e);
      expect(error, url).toMatchObject({ code: 'BASALT_STORAGE_UNSUPPORTED_URL' });
      expect(String((error as Error).message)).not.toContain('pw');
    }
  });

  it("reads each storage's serving mode: redirect by default on S3, serve= in the URL over the option, stream elsewhere", async () => {
    const start = (env: Record<string, string>) =>
      createApp(
        defineApp({
          name: 'serving',
          modules: [storage({ storages: { private: { public: false, serve: 'stream' }, reports: {} } })],
        }),
        {
          envFile: false,
          env: {
            NODE_ENV: 'test',
            SECRET_KEY: 'a-test-secret-key-of-reasonable-length-0123456789',
            STORAGE_URL: 's3://KEY:SECRET@media?endpoint=http://127.0.0.1:9',
            ...env,
          },
        },
      );
    const app = await start({
      STORAGE_PRIVATE_URL: 's3://KEY:SECRET@docs?endpoint=http://127.0.0.1:9',
      STORAGE_REPORTS_URL: 'memory:',
    });
    const storages = getStorage(app);
    expect(storages.get().serve).toBe('redirect');
    expect(storages.get('private').serve).toBe('stream');
    expect(storages.get('reports').serve).toBe('stream');
    await app.stop();
    const fromUrl = await start({
      STORAGE_URL: 's3://KEY:SECRET@media?endpoint=http://127.0.0.1:9&serve=stream',
      STORAGE_PRIVATE_URL: 's3://KEY:SECRET@docs?endpoint=http://127.0.0.1:9&serve=redirect',
      STORAGE_REPORTS_URL: 'memory:',
    });
    expect(getStorage(fromUrl).get().serve).toBe('stream');
    expect(getStorage(fromUrl).get('private').serve).toBe('redirect');
    await fromUrl.stop();
    const error = await start({ STORAGE_URL: 's3://media?serve=proxy' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BASALT_STORAGE_UNSUPPORTED_URL' });
    expect((error as Error).message).toContain('serve=proxy');
  });

  it('refuses a storage folder inside another at start-up', async () => {
    const error = await createApp(
      defineApp({ name: 'nested', modules: [storage({ storages: { private: {} } })] }),
      {
        envFile: false,
        env: {
          NODE_ENV: 'test',
          STORAGE_URL: 'file:/tmp/basalt-media',
          STORAGE_PRIVATE_URL: 'file:/tmp/basalt-media/private',
        },
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
    expect((error as Error).message).toContain("lies inside storage 'default'");
  });
});

describe('signed URL signer', () => {
  const grant = { storage: 'private', key: 'a/b.pdf', method: 'GET' as const, expires: 2_000 };
  const query = (text: string) => Object.fromEntries(new URLSearchParams(text));

  it('verifies its own signature until the expiry, then answers BASALT_STORAGE_SIGNATURE_EXPIRED', () => {
    let now = 1_000_000;
    const signer = createUrlSigner('a-secret-key-of-reasonable-length-012345', () => now);
    const signed = query(signer.sign(grant));
    expect(signer.verify('private', 'a/b.pdf', 'GET', signed)).toMatchObject(grant);
    now = 2_000_001;
    expect(() => signer.verify('private', 'a/b.pdf', 'GET', signed)).toThrow(
      expect.objectContaining({ code: 'BASALT_STORAGE_SIGNATURE_EXPIRED', status: 403 }),
    );
  });

  it('refuses another key, storage, method, expiry, disposition or secret with BASALT_STORAGE_SIGNATURE_INVALID', () => {
    const signer = createUrlSigner('a-secret-key-of-reasonable-length-012345', () => 0);
    const signed = query(signer.sign({ ...grant, contentDisposition: 'attachment' }));
    const invalid = expect.objectContaining({ code: 'BASALT_STORAGE_SIGNATURE_INVALID', status: 403 });
    expect(() => signer.verify('private', 'a/c.pdf', 'GET', signed)).toThrow(invalid);
    expect(() => signer.verify('default', 'a/b.pdf', 'GET', signed)).toThrow(invalid);
    expect(() => signer.verify('private', 'a/b.pdf', 'PUT', signed)).toThrow(invalid);
    expect(() => signer.verify('private', 'a/b.pdf', 'GET', { ...signed, expires: '99999999' })).toThrow(
      invalid,
    );
    expect(() => signer.verify('private', 'a/b.pdf', 'GET', { ...signed, disposition: 'inline' })).toThrow(
      invalid,
    );
    expect(() => signer.verify('private', 'a/b.pdf', 'GET', { ...signed, sig: undefined })).toThrow(invalid);
    const other = createUrlSigner('another-secret-key-of-reasonable-length-9', () => 0);
    expect(() => other.verify('private', 'a/b.pdf', 'GET', signed)).toThrow(invalid);
  });
});

describe('storage() in an app', () => {
  let s: StorageTestApp;
  beforeAll(async () => {
    s = await startStorageApp({ models: [Poster], storage: { storages: { private: { public: false } } } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('names its storages and refuses an unknown one with BASALT_STORAGE_UNKNOWN_STORAGE', () => {
    expect(s.storage.names).toEqual(['default', 'private']);
    expect(s.storage.get().public).toBe(true);
    expect(s.storage.get('private').public).toBe(false);
    expect(() => s.storage.get('archive')).toThrow(
      expect.objectContaining({ code: 'BASALT_STORAGE_UNKNOWN_STORAGE' }),
    );
  });

  it('presigns a direct upload, then confirms it by its magic bytes (refusing and deleting a wrong type)', async () => {
    const presigned = await s.storage.presignUpload({
      storage: 'private',
      contentType: 'application/pdf',
      name: 'scan.pdf',
      prefix: 'scans',
    });
    expect(presigned).toMatchObject({
      storage: 'private',
      method: 'PUT',
      headers: { 'content-type': 'application/pdf' },
    });
    expect(presigned.key).toMatch(/^scans\/\d{4}\/\d{2}\/[0-9a-f]{32}\.pdf$/);
    const wrongType = await s.fetch(presigned.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(wrongType.status).toBe(403);
    const put = await s.fetch(presigned.url, { method: 'PUT', headers: presigned.headers, body: tinyPdf() });
    expect(put.status).toBe(204);
    const file = await s.storage.confirmUpload(presigned.key, {
      storage: 'private',
      name: 'scan.pdf',
      accept: ['application/pdf'],
    });
    expect(file).toMatchObject({
      key: presigned.key,
      storage: 'private',
      name: 'scan.pdf',
      contentType: 'application/pdf',
      size: tinyPdf().length,
    });

    const lying = await s.storage.presignUpload({ storage: 'private', contentType: 'application/pdf' });
    await s.fetch(lying.url, {
      method: 'PUT',
      headers: lying.headers,
      body: '<html><script>x</script></html>',
    });
    await expect(
      s.storage.confirmUpload(lying.key, { storage: 'private', accept: ['application/pdf'] }),
    ).rejects.toMatchObject({
      code: 'BASALT_STORAGE_TYPE_NOT_ACCEPTED',
    });
    expect(await s.storage.get('private').exists(lying.key)).toBe(false);
  });

  it('storage orphans lists, then deletes, objects no row points at (thumbnails of kept images stay)', async () => {
    const db = s.app.db!;
    const kept = await s.storage.get().save(await png(20, 20), { image: true });
    const scan = await s.storage.get('private').save(tinyPdf(), {});
    await db.create(Poster, { title: 'kept', image: kept, scan });
    await s.storage.thumbnail(kept, { width: 64, height: 64 });
    const orphanA = await s.storage.get().save(Buffer.from('nobody'), {});
    const orphanB = await s.storage.get('private').save(Buffer.from('nobody either'), {});

    const command = s.app.commands.find((c) => c.name === 'storage')!;
    const runCommand = async (values: Record<string, string | boolean>) => {
      let out = '';
      const stdout = new Writable({
        write(chunk, _encoding, done) {
          out += String(chunk);
          done();
        },
      });
      const code = await command.run({
        values,
        positionals: ['orphans'],
        loadApp: async () => s.app,
        stdout,
        stderr: stdout,
        cwd: s.dir,
      });
      return { code, out };
    };
    const listed = await runCommand({ 'older-than': '0' });
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`orphan default ${orphanA.key}`);
    expect(listed.out).toContain(`orphan private ${orphanB.key}`);
    expect(listed.out).not.toContain(kept.key);
    expect(listed.out).not.toContain(scan.key);
    const count = listed.out.split('\n').filter((line) => line.startsWith('orphan ')).length;
    expect(listed.out).toContain(`\n${count} orphans\n`);
    expect(await s.storage.get().exists(orphanA)).toBe(true);

    const recent = await runCommand({});
    expect(recent.out).toMatch(/^0 orphans$/m);

    const deleted = await runCommand({ 'older-than': '0', delete: true });
    expect(deleted.out).toContain(`\n${count} orphans deleted\n`);
    expect((await runCommand({ 'older-than': '0' })).out).toBe('0 orphans\n');
    expect(await s.storage.get().exists(orphanA)).toBe(false);
    expect(await s.storage.get('private').exists(orphanB)).toBe(false);
    expect(await s.storage.get().exists(kept)).toBe(true);
    expect(await s.storage.get('private').exists(scan)).toBe(true);
    expect(await s.storage.get().backend.exists(`thumbs/${kept.key}/64x64-cover.webp`)).toBe(true);
  });

  it('refuses an unknown storage action with exit code 2', async () => {
    const command = s.app.commands.find((c) => c.name === 'storage')!;
    let err = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        err += String(chunk);
        done();
      },
    });
    const code = await command.run({
      values: {},
      positionals: ['sweep'],
      loadApp: async () => s.app,
      stdout: sink,
      stderr: sink,
      cwd: s.dir,
    });
    expect(code).toBe(2);
    expect(err).toContain('basalt storage orphans');
  });
});
