import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, defineModel, f } from '../../src/db/index.js';
import { createFileRecords } from '../../src/storage/files.js';
import type { Storage, StorageBackend, StoredFile } from '../../src/storage/index.js';
import { createStorage } from '../../src/storage/storage.js';
import { PNG_1X1 } from './support/files.js';

const Document = defineModel('contract_document', {
  title: f.string({ max: 100 }),
  attachment: f.file({ optional: true }),
});

/** What the contract suite needs from a backend under test. */
export interface ContractHarness {
  backend: StorageBackend;
  /** Fetches a URL the backend produced (signed URLs): real HTTP, or the app for local. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /**
   * Whether the server checks signatures, so tampering can be tested. s3rver checks the
   * expiry of SigV4 URLs but not their signature: there, tampering is AWS's own guarantee.
   */
  verifiesSignatures: boolean;
  close(): Promise<void>;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function failingStream(after: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(after);
      } else this.destroy(new Error('client went away'));
    },
  });
}

/**
 * One suite for every storage backend: each method of the contract, ranges, listing,
 * signed URLs (expiry and tampering), bad keys and failed writes.
 */
export function backendContract(name: string, setup: () => Promise<ContractHarness>): void {
  describe(`storage backend contract: ${name}`, () => {
    let h: ContractHarness;
    let backend: StorageBackend;
    const run = randomBytes(4).toString('hex');
    const k = (key: string) => `contract-${run}/${key}`;

    beforeAll(async () => {
      h = await setup();
      backend = h.backend;
    });
    afterAll(async () => {
      await h?.close();
    });

    it('puts from a stream and reads it back with stat', async () => {
      const body = 'hello, storage';
      const stat = await backend.put(
        k('a.txt'),
        Readable.from([Buffer.from('hello, '), Buffer.from('storage')]),
        {
          contentType: 'text/plain',
        },
      );
      expect(stat).toMatchObject({ key: k('a.txt'), size: body.length, contentType: 'text/plain' });
      const read = await backend.get(k('a.txt'));
      expect(await text(read.stream)).toBe(body);
      expect(read.stat.size).toBe(body.length);
      expect(read.stat.contentType).toBe('text/plain');
      const again = await backend.stat(k('a.txt'));
      expect(again.size).toBe(body.length);
      expect(again.etag).toMatch(/^".+"$/);
      expect(again.etag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
      expect(again.modified).toBeInstanceOf(Date);
      expect(Math.abs(again.modified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    });

    it('puts from bytes and replaces an existing object', async () => {
      await backend.put(k('r.bin'), new Uint8Array([1, 2, 3]));
      await backend.put(k('r.bin'), new Uint8Array([9, 9]), { contentType: 'application/x-test' });
      const stat = await backend.stat(k('r.bin'));
      expect(stat).toMatchObject({ size: 2, contentType: 'application/x-test' });
      expect((await backend.stat(k('r.bin'))).etag).not.toBe(
        `"${createHash('md5')
          .update(Buffer.from([1, 2, 3]))
          .digest('hex')}"`,
      );
    });

    it('defaults the content type to application/octet-stream', async () => {
      await backend.put(k('plain'), Buffer.from('x'));
      expect((await backend.stat(k('plain'))).contentType).toBe('application/octet-stream');
    });

    it('reads byte ranges', async () => {
      await backend.put(k('digits'), Buffer.from('0123456789'));
      const mid = await backend.get(k('digits'), { range: { start: 2, end: 5 } });
      expect(await text(mid.stream)).toBe('2345');
      expect([mid.start, mid.end, mid.stat.size]).toEqual([2, 5, 10]);
      const tail = await backend.get(k('digits'), { range: { start: 7 } });
      expect(await text(tail.stream)).toBe('789');
      const past = await backend.get(k('digits'), { range: { start: 8, end: 100 } });
      expect(await text(past.stream)).toBe('89');
      expect(past.end).toBe(9);
    });

    it('refuses a range past the end with BASALT_STORAGE_RANGE_NOT_SATISFIABLE and the size', async () => {
      await backend.put(k('short'), Buffer.from('abc'));
      const error = await backend.get(k('short'), { range: { start: 3 } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BASALT_STORAGE_RANGE_NOT_SATISFIABLE', status: 416, size: 3 });
    });

    it('reports missing objects: get and stat throw BASALT_STORAGE_NOT_FOUND, exists is false', async () => {
      await expect(backend.get(k('missing'))).rejects.toMatchObject({
        code: 'BASALT_STORAGE_NOT_FOUND',
        status: 404,
      });
      await expect(backend.stat(k('missing'))).rejects.toMatchObject({ code: 'BASALT_STORAGE_NOT_FOUND' });
      expect(await backend.exists(k('missing'))).toBe(false);
    });

    it('deletes, and deleting a missing object is not an error', async () => {
      await backend.put(k('gone.txt'), Buffer.from('bye'));
      expect(await backend.exists(k('gone.txt'))).toBe(true);
      await backend.delete(k('gone.txt'));
      expect(await backend.exists(k('gone.txt'))).toBe(false);
      await expect(backend.delete(k('gone.txt'))).resolves.toBeUndefined();
    });

    it('lists by prefix in key order, with sizes', async () => {
      await backend.put(k('list/b/2.txt'), Buffer.from('22'));
      await backend.put(k('list/a.txt'), Buffer.from('1'));
      await backend.put(k('list/b/1.txt'), Buffer.from('333'));
      await backend.put(k('listed-not.txt'), Buffer.from('x'));
      const all = await collect(backend.list(k('list/')));
      expect(all.map((o) => [o.key, o.size])).toEqual([
        [k('list/a.txt'), 1],
        [k('list/b/1.txt'), 3],
        [k('list/b/2.txt'), 2],
      ]);
      const partial = await collect(backend.list(k('list/b/1')));
      expect(partial.map((o) => o.key)).toEqual([k('list/b/1.txt')]);
      expect(await collect(backend.list(k('nothing-here/')))).toEqual([]);
    });

    it('refuses traversal and unsafe keys with BASALT_STORAGE_INVALID_KEY', async () => {
      for (const key of [
        '../../etc/passwd',
        '/etc/passwd',
        'a/../../b',
        'a//b',
        'a\\b',
        'a/./b',
        '',
        'nul\u0000x',
        '.basalt/meta/x',
      ]) {
        await expect(backend.put(key, Buffer.from('x')), key).rejects.toMatchObject({
          code: 'BASALT_STORAGE_INVALID_KEY',
          status: 400,
        });
        await expect(backend.get(key), key).rejects.toMatchObject({ code: 'BASALT_STORAGE_INVALID_KEY' });
        await expect(backend.delete(key), key).rejects.toMatchObject({ code: 'BASALT_STORAGE_INVALID_KEY' });
      }
      expect(() => backend.url('../x')).toThrow(
        expect.objectContaining({ code: 'BASALT_STORAGE_INVALID_KEY' }),
      );
    });

    it('leaves nothing behind when the source stream fails mid-way', async () => {
      const error = await backend
        .put(k('broken.bin'), failingStream(randomBytes(64 * 1024)))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(await backend.exists(k('broken.bin'))).toBe(false);
      expect(await collect(backend.list(k('broken')))).toEqual([]);
    });

    it('gives a public URL that names the key', () => {
      const url = backend.url(k('pics/cover~1.png'));
      expect(url).toContain(`contract-${run}/pics/cover~1.png`);
    });

    it('signs download URLs that work until they expire', async () => {
      await backend.put(k('signed.txt'), Buffer.from('secret text'), { contentType: 'text/plain' });
      const url = await backend.signedUrl(k('signed.txt'), { expiresIn: 60 });
      const response = await h.fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('secret text');
      const ranged = await h.fetch(url, { headers: { range: 'bytes=7-' } });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe('text');
    });

    it('refuses a tampered signed URL', async (context) => {
      if (!h.verifiesSignatures) context.skip();
      await backend.put(k('other.txt'), Buffer.from('other'));
      const signed = await backend.signedUrl(k('signed.txt'), { expiresIn: 60 });
      // Local signed URLs are paths of the app; keep them relative when altering them.
      const url = new URL(signed, 'http://relative.invalid');
      const out = (u: URL) => (u.origin === 'http://relative.invalid' ? u.pathname + u.search : u.toString());
      const swapped = new URL(url);
      swapped.pathname = url.pathname.replace('signed.txt', 'other.txt');
      expect((await h.fetch(out(swapped))).status).toBe(403);
      const params = [...url.searchParams.keys()].filter((p) => /sig|expires|date|signature/i.test(p));
      expect(params.length).toBeGreaterThan(0);
      for (const param of params) {
        const altered = new URL(url);
        const value = altered.searchParams.get(param)!;
        altered.searchParams.set(param, value.slice(0, -2) + (value.endsWith('0') ? '11' : '00'));
        const response = await h.fetch(out(altered));
        expect(response.status, param).toBe(403);
      }
      // The untouched URL still works: the refusals above are the tampering's doing.
      expect((await h.fetch(signed)).status).toBe(200);
    });

    it('refuses an expired signed URL', async () => {
      const url = await backend.signedUrl(k('signed.txt'), { expiresIn: 1 });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await h.fetch(url)).status).toBe(403);
    });

    it('signs upload URLs: a PUT stores the object', async () => {
      const url = await backend.signedUrl(k('direct.txt'), {
        method: 'PUT',
        contentType: 'text/plain',
        expiresIn: 60,
      });
      const response = await h.fetch(url, {
        method: 'PUT',
        body: 'uploaded directly',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBeLessThan(300);
      expect(await text((await backend.get(k('direct.txt'))).stream)).toBe('uploaded directly');
      // The grant is for PUT on that key only: a GET with it is refused.
      if (h.verifiesSignatures) expect((await h.fetch(url)).status).toBe(403);
    });
  });

  describe(`storage on ${name}: uploads and file records`, () => {
    let h: ContractHarness;
    let store: Storage;
    let db: Database;
    const run = randomBytes(4).toString('hex');
    const prefix = `records-${run}`;
    const objects = async () => (await collect(h.backend.list(`${prefix}/`))).map((o) => o.key);
    const records = () =>
      createFileRecords({ storage: () => store, claim: () => undefined, onCleanupError: () => undefined });
    const upload = (text: string) => store.save(Buffer.from(text), { prefix, name: 'notes.txt' });

    beforeAll(async () => {
      h = await setup();
      store = createStorage('default', h.backend);
      db = createDatabase({ url: 'sqlite::memory:', models: [Document] });
      await db.createTables();
    });
    afterAll(async () => {
      await db?.close();
      await h?.close();
    });

    it('saves under a generated key with size, sniffed type and checksum', async () => {
      const file = await store.save(Readable.from([PNG_1X1]), {
        prefix,
        name: '../../etc/passwd.png',
        accept: ['image/*'],
      });
      expect(file.key).toMatch(new RegExp(`^${prefix}/\\d{4}/\\d{2}/[0-9a-f]{32}\\.png$`));
      expect(file).toMatchObject({
        size: PNG_1X1.length,
        contentType: 'image/png',
        name: 'passwd.png',
        checksum: createHash('sha256').update(PNG_1X1).digest('hex'),
      });
      expect((await h.backend.stat(file.key)).contentType).toBe('image/png');
      await store.delete(file);
    });

    it('refuses an oversized file while streaming and leaves nothing behind', async () => {
      const big = Readable.from(
        (function* () {
          for (let i = 0; i < 64; i += 1) yield randomBytes(16 * 1024);
        })(),
      );
      const error = await store.save(big, { prefix, maxSize: 100_000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BASALT_STORAGE_FILE_TOO_LARGE', status: 413 });
      expect(await objects()).toEqual([]);
    });

    it('refuses a .png that is really HTML (magic bytes, not the name) and leaves nothing behind', async () => {
      const html = Buffer.from('<!doctype html><script>alert(1)</script>');
      const error = await store
        .save(html, { prefix, name: 'cover.png', declaredType: 'image/png', accept: ['image/*'] })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'BASALT_STORAGE_TYPE_NOT_ACCEPTED',
        status: 415,
        detected: 'text/html',
      });
      expect(await objects()).toEqual([]);
    });

    it('removes a new file when the transaction that stores it rolls back', async () => {
      const file = await upload('draft');
      await expect(
        db.transaction(async (tx) => {
          await records().create(tx, Document, { title: 'draft', attachment: file });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await h.backend.exists(file.key)).toBe(false);
    });

    it('removes a new file when the row fails validation', async () => {
      const file = await upload('invalid');
      const error = await records()
        .create(db, Document, { title: 'x'.repeat(200), attachment: file })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400 });
      expect(await h.backend.exists(file.key)).toBe(false);
    });

    it('removes the replaced file only once the transaction commits', async () => {
      const first = await upload('v1');
      const row = await records().create(db, Document, { title: 'doc', attachment: first });
      const second = await upload('v2');
      await db.transaction(async (tx) => {
        await records().update(tx, Document, row.id, { attachment: second });
        // Not committed yet: the old file must still be readable.
        expect(await h.backend.exists(first.key)).toBe(true);
      });
      expect(await h.backend.exists(first.key)).toBe(false);
      expect(await h.backend.exists(second.key)).toBe(true);
      expect((await db.get(Document, row.id)).attachment?.key).toBe(second.key);
    });

    it('keeps the old file and removes the new one when a replacement rolls back', async () => {
      const first = await upload('keep me');
      const row = await records().create(db, Document, { title: 'doc', attachment: first });
      const second = await upload('never mind');
      await expect(
        db.transaction(async (tx) => {
          await records().update(tx, Document, row.id, { attachment: second });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await h.backend.exists(first.key)).toBe(true);
      expect(await h.backend.exists(second.key)).toBe(false);
      expect((await db.get(Document, row.id)).attachment?.key).toBe(first.key);
    });

    it('removes the file of a cleared field and of a deleted row after commit, not after rollback', async () => {
      const a = await upload('a');
      const b = await upload('b');
      const rowA = await records().create(db, Document, { title: 'a', attachment: a });
      const rowB = await records().create(db, Document, { title: 'b', attachment: b });
      await expect(
        db.transaction(async (tx) => {
          await records().update(tx, Document, rowA.id, { attachment: null });
          await records().delete(tx, Document, rowB.id);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect([await h.backend.exists(a.key), await h.backend.exists(b.key)]).toEqual([true, true]);
      await records().update(db, Document, rowA.id, { attachment: null });
      await records().delete(db, Document, rowB.id);
      expect([await h.backend.exists(a.key), await h.backend.exists(b.key)]).toEqual([false, false]);
    });

    it('keeps a file that is stored again unchanged', async () => {
      const file: StoredFile = await upload('same');
      const row = await records().create(db, Document, { title: 'same', attachment: file });
      await records().update(db, Document, row.id, { title: 'renamed', attachment: file });
      expect(await h.backend.exists(file.key)).toBe(true);
    });
  });
}
