import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAuth, type TokenPair, User } from 'basalt/auth';
import { createWorker, getJobs } from 'basalt/jobs';
import { getStorage, type ThumbnailJobResult, thumbnailTask } from 'basalt/storage';
import { createTestClient, type TestClient, type TestResponse } from 'basalt/testing';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Order } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';

const PASSWORD = 'a long enough bookshop password';

/** A multipart/form-data body with one file, as the test client's raw payload. */
async function multipart(content: Buffer | string, type: string, name: string) {
  const form = new FormData();
  form.append('file', new Blob([content], { type }), name);
  const request = new Request('http://bookshop.test', { method: 'POST', body: form });
  return {
    headers: { 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

describe('bookshop: book covers and order invoices', () => {
  let client: TestClient<typeof bookshop.routes>;
  let dir: string;
  let staff: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookshop-storage-'));
    client = await createTestClient(bookshop, {
      env: { STORAGE_URL: `file:${dir}/media`, STORAGE_PRIVATE_URL: `file:${dir}/private` },
    });
    const auth = getAuth(client.app);
    await seed(client.app.db!, auth);
    staff = await signIn('clerk@bookshop.test');
    const clerk = await client.db!.query(User).where({ email: 'clerk@bookshop.test' }).first();
    await auth.grantPermissions(client.db!, { user: clerk!.id }, ['change_book', 'view_order']);
  });
  afterAll(async () => {
    await client?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(email: string): Promise<Record<string, string>> {
    await getAuth(client.app).createUser(client.db!, { email, password: PASSWORD });
    const res = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email, password: PASSWORD },
    });
    return { authorization: `Bearer ${(res.body as TokenPair).access}` };
  }

  const uploadCover = async (bookId: number, file: Awaited<ReturnType<typeof multipart>>, headers = staff) =>
    client.request({
      method: 'POST',
      url: `/api/books/${bookId}/cover`,
      headers: { ...headers, ...file.headers },
      payload: file.payload,
    });

  const coverPng = (width: number) =>
    sharp({ create: { width, height: 600, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();

  it('lets staff upload a cover: a public image with its size, a public URL and a thumbnail', async () => {
    const res = await uploadCover(1, await multipart(await coverPng(400), 'image/png', 'earthsea.png'));
    expect(res.status).toBe(200);
    const body = res.body as {
      cover: { key: string; width: number; height: number };
      url: string;
      thumbnail: string;
    };
    expect(body.cover).toMatchObject({ width: 400, height: 600 });
    expect(body.cover.key).toMatch(/^covers\//);
    expect((await client.request({ method: 'GET', url: body.url })).status).toBe(200);
    const thumb = await client.request({ method: 'GET', url: body.thumbnail });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    const book = await client.request({ method: 'GET', url: '/api/books/1' });
    expect((book.body as { cover: { key: string } }).cover.key).toBe(body.cover.key);
  });

  it("makes a new cover's thumbnails in a background job, before anyone asks for them", async () => {
    const res = await uploadCover(5, await multipart(await coverPng(500), 'image/png', 'tombs.png'));
    expect(res.status).toBe(200);
    const { key } = (res.body as { cover: { key: string } }).cover;
    const jobs = await getJobs(client.app);
    const job = (await jobs.list({ task: thumbnailTask.name })).find(
      (j) => (j.input as { key: string }).key === key,
    );
    expect(job).toMatchObject({ state: 'queued', queue: 'storage', input: { storage: 'default', key } });
    const storage = getStorage(client.app).get();
    const sizes = ['64x64', '128x128', '256x256', '512x512'];
    for (const size of sizes) expect(await storage.exists(`thumbs/${key}/${size}-cover.webp`)).toBe(false);

    const worker = createWorker(jobs, {
      queues: ['storage'],
      log: pino({ level: 'silent' }),
      statsInterval: 0,
    });
    try {
      const result = await jobs.handle<ThumbnailJobResult>(job!.id).result({ timeout: 20_000 });
      expect(result.thumbnails).toEqual(sizes.map((size) => `thumbs/${key}/${size}-cover.webp`));
    } finally {
      await worker.stop();
    }
    const stat = await storage.stat(`thumbs/${key}/256x256-cover.webp`);
    expect(stat.contentType).toBe('image/webp');
    const thumb = await client.request({ method: 'GET', url: (res.body as { thumbnail: string }).thumbnail });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.etag).toBe(stat.etag);
  });

  it('removes the previous cover once a new one is saved', async () => {
    const first = (await uploadCover(2, await multipart(await coverPng(300), 'image/png', 'a.png'))).body as {
      cover: { key: string };
    };
    const second = await uploadCover(2, await multipart(await coverPng(310), 'image/png', 'b.png'));
    expect(second.status).toBe(200);
    const storage = getStorage(client.app).get();
    expect(await storage.exists(first.cover.key)).toBe(false);
    expect((await client.db!.get(Book, 2)).cover?.width).toBe(310);
  });

  it('refuses covers that are not images (415), from non-staff (403) and anonymous users (401)', async () => {
    const html = await multipart('<html><script>alert(1)</script></html>', 'image/png', 'x.png');
    const refused: TestResponse = await uploadCover(3, html);
    expect(refused.status).toBe(415);
    expect((refused.body as { code: string }).code).toBe('BASALT_STORAGE_TYPE_NOT_ACCEPTED');
    const reader = await signIn('reader@bookshop.test');
    expect(
      (await uploadCover(3, await multipart(await coverPng(100), 'image/png', 'c.png'), reader)).status,
    ).toBe(403);
    expect(
      (await uploadCover(3, await multipart(await coverPng(100), 'image/png', 'c.png'), {})).status,
    ).toBe(401);
    expect((await client.db!.get(Book, 3)).cover).toBeNull();
  });

  it('does not accept a cover through the JSON API (it is read-only there)', async () => {
    const res = await client.request({
      method: 'PATCH',
      url: '/api/books/4',
      headers: staff,
      payload: { cover: { key: 'private/invoices/someone-else.pdf' } },
    });
    expect(res.status).toBe(400);
    expect((await client.db!.get(Book, 4)).cover).toBeNull();
  });

  it("serves an order's invoice PDF to its customer and to staff, privately, and answers anyone else 404", async () => {
    const signed = await client.request({
      method: 'POST',
      url: '/api/signup',
      payload: { name: 'Ivy', email: 'ivy@shop.test', password: PASSWORD },
      remoteAddress: '10.9.0.1',
    });
    expect(signed.status).toBe(201);
    const ivy = {
      authorization: `Bearer ${((await client.request({ method: 'POST', url: '/auth/token', payload: { email: 'ivy@shop.test', password: PASSWORD } })).body as TokenPair).access}`,
    };
    const placed = await client.request({
      method: 'POST',
      url: '/api/orders',
      headers: ivy,
      payload: { lines: [{ bookId: 1, quantity: 2 }] },
    });
    expect(placed.status).toBe(201);
    const orderId = (placed.body as { id: number }).id;

    const mine = await client.request({ method: 'GET', url: `/api/orders/${orderId}/invoice`, headers: ivy });
    expect(mine.status).toBe(200);
    expect(mine.headers['content-type']).toBe('application/pdf');
    expect(mine.headers['content-disposition']).toContain(`attachment; filename="invoice-${orderId}.pdf"`);
    expect(mine.headers['cache-control']).toBe('private, max-age=0, must-revalidate');
    expect(mine.text.startsWith('%PDF-1.4')).toBe(true);
    expect(mine.text).toContain(`order ${orderId}`);

    const invoice = (await client.db!.get(Order, orderId)).invoice!;
    expect(invoice).toMatchObject({ storage: 'private', contentType: 'application/pdf' });
    // Private: not under the public media URL, and made once.
    expect((await client.request({ method: 'GET', url: `/media/${invoice.key}` })).status).toBe(404);
    const byStaff = await client.request({
      method: 'GET',
      url: `/api/orders/${orderId}/invoice`,
      headers: staff,
    });
    expect(byStaff.status).toBe(200);
    expect((await client.db!.get(Order, orderId)).invoice!.key).toBe(invoice.key);

    // Another customer's invoice answers like a missing one: the order's existence does not leak.
    const stranger = await signIn('stranger@bookshop.test');
    const refused = await client.request({
      method: 'GET',
      url: `/api/orders/${orderId}/invoice`,
      headers: stranger,
    });
    const missing = await client.request({
      method: 'GET',
      url: '/api/orders/999999/invoice',
      headers: stranger,
    });
    expect([refused.status, missing.status]).toEqual([404, 404]);
    const problem = (body: unknown) => {
      const { code, detail, title } = body as Record<string, unknown>;
      return { code, detail, title };
    };
    expect(problem(refused.body)).toEqual(problem(missing.body));
    expect((await client.request({ method: 'GET', url: `/api/orders/${orderId}/invoice` })).status).toBe(401);
  });
});
