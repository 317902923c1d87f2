import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineModel, f } from '../../src/db/index.js';
import { post, t } from '../../src/http/index.js';
import { createWorker, getJobs, type Jobs, jobs } from '../../src/jobs/index.js';
import { type StoredFile, type ThumbnailJobResult, thumbnailTask } from '../../src/storage/index.js';
import { type StorageTestApp, startStorageApp } from './support/app.js';
import { png } from './support/files.js';

const Painting = defineModel('thumbjob_painting', {
  title: f.string({ max: 100 }),
  picture: f.image({ optional: true }),
});

const SIZES = ['64x64', '120x80-inside'];
const silent = pino({ level: 'silent' });

const uploadPicture = post(
  '/paintings/:id/picture',
  { params: t.Object({ id: t.Integer() }), streamBody: true },
  async (ctx) => {
    const { file } = await ctx.storage.upload(ctx, { for: Painting.fields.picture });
    const row = await ctx.storage.records.update(ctx.db, Painting, ctx.params.id, { picture: file });
    return { picture: row.picture };
  },
);

async function form(content: Buffer, type = 'image/png'): Promise<RequestInit> {
  const body = new FormData();
  body.append('file', new Blob([content], { type }), 'picture.png');
  return { method: 'POST', body };
}

const thumbs = (file: StoredFile) => [
  `thumbs/${file.key}/64x64-cover.webp`,
  `thumbs/${file.key}/120x80-inside.webp`,
];

describe('thumbnails made by a background job (thumbnailTask in jobs())', () => {
  let s: StorageTestApp;
  let client: Jobs;

  beforeAll(async () => {
    s = await startStorageApp({
      storage: { thumbnailSizes: SIZES },
      modules: [jobs({ tasks: [thumbnailTask], prefix: false })],
      models: [Painting],
      routes: [uploadPicture],
      env: { JOBS_POLL_INTERVAL: '20' },
    });
    client = await getJobs(s.app);
  });
  afterAll(() => s?.close());

  const newPainting = () => s.app.db!.create(Painting, { title: 'Untitled' });
  const upload = async (id: number, content: Buffer) => {
    const res = await s.fetch(`/paintings/${id}/picture`, await form(content));
    expect(res.status).toBe(201);
    return ((await res.json()) as { picture: StoredFile }).picture;
  };
  const exists = (key: string) => s.storage.get().backend.exists(key);
  const jobFor = async (file: StoredFile) =>
    (await client.list({ task: thumbnailTask.name })).find(
      (job) => (job.input as { key: string }).key === file.key,
    );

  it('enqueues a job on upload, and a worker makes every configured size without any request', async () => {
    const painting = await newPainting();
    const picture = await upload(painting.id, await png(300, 200));
    const job = await jobFor(picture);
    expect(job).toMatchObject({
      state: 'queued',
      queue: 'storage',
      input: { storage: 'default', key: picture.key, sizes: SIZES },
    });
    for (const key of thumbs(picture)) expect(await exists(key)).toBe(false);

    const worker = createWorker(client, { log: silent, statsInterval: 0 });
    try {
      const result = await client.handle<ThumbnailJobResult>(job!.id).result({ timeout: 20_000 });
      expect(result).toEqual({ storage: 'default', key: picture.key, thumbnails: thumbs(picture) });
    } finally {
      await worker.stop();
    }
    for (const key of thumbs(picture)) {
      const stat = await s.storage.get().backend.stat(key);
      expect(stat.contentType).toBe('image/webp');
    }
    const sharp = (await import('sharp')).default;
    const { stream } = await s.storage.get().open(thumbs(picture)[1]!);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(await sharp(Buffer.concat(chunks)).metadata()).toMatchObject({ width: 120, height: 80 });

    // The route now serves what the job made, unchanged.
    const before = await s.storage.get().backend.stat(thumbs(picture)[0]!);
    const res = await s.fetch(s.storage.thumbnailUrl(picture, '64x64'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect((await s.storage.get().backend.stat(thumbs(picture)[0]!)).etag).toBe(before.etag);
  });

  it('serves (and keeps) a thumbnail on request when its job has not run yet', async () => {
    const painting = await newPainting();
    const picture = await upload(painting.id, await png(200, 200));
    expect((await jobFor(picture))?.state).toBe('queued');
    const res = await s.fetch(s.storage.thumbnailUrl(picture, '64x64'));
    expect(res.status).toBe(200);
    expect(await exists(thumbs(picture)[0]!)).toBe(true);

    const worker = createWorker(client, { log: silent, statsInterval: 0 });
    try {
      const result = await client.handle<ThumbnailJobResult>((await jobFor(picture))!.id).result();
      expect(result.thumbnails).toEqual(thumbs(picture));
    } finally {
      await worker.stop();
    }
    expect(await exists(thumbs(picture)[1]!)).toBe(true);
  });

  it('completes the job of an image replaced or deleted before it ran, leaving no thumbnails', async () => {
    const painting = await newPainting();
    const first = await upload(painting.id, await png(300, 300));
    const second = await upload(painting.id, await png(310, 300)); // replaces (and removes) the first
    const other = await newPainting();
    const third = await upload(other.id, await png(100, 100));
    await s.storage.records.delete(s.app.db!, Painting, other.id);
    expect(await exists(first.key)).toBe(false);
    expect(await exists(third.key)).toBe(false);

    const worker = createWorker(client, { log: silent, statsInterval: 0 });
    try {
      for (const [file, expected] of [
        [first, { thumbnails: [], skipped: 'missing' }],
        [third, { thumbnails: [], skipped: 'missing' }],
        [second, { thumbnails: thumbs(second) }],
      ] as const) {
        const job = await jobFor(file);
        expect(await client.handle(job!.id).result()).toEqual({
          storage: 'default',
          key: file.key,
          ...expected,
        });
        expect((await client.get(job!.id))?.attempts).toBe(1);
      }
    } finally {
      await worker.stop();
    }
    for (const key of [...thumbs(first), ...thumbs(third)]) expect(await exists(key)).toBe(false);
  });

  it('completes, without retrying, the job of an object that is not a decodable image', async () => {
    const backend = s.storage.get().backend;
    await backend.put('broken/not-really.png', Buffer.from('<html>not an image</html>'), {
      contentType: 'image/png',
    });
    const handle = await client.enqueue(thumbnailTask, {
      storage: 'default',
      key: 'broken/not-really.png',
      sizes: SIZES,
    });
    const worker = createWorker(client, { log: silent, statsInterval: 0 });
    try {
      expect(await handle.result()).toEqual({
        storage: 'default',
        key: 'broken/not-really.png',
        thumbnails: [],
        skipped: 'not-an-image',
      });
    } finally {
      await worker.stop();
    }
    expect((await handle.get())?.attempts).toBe(1);
    const left: string[] = [];
    for await (const object of backend.list('thumbs/broken/')) left.push(object.key);
    expect(left).toEqual([]);
  });
});

describe('thumbnails without the thumbnail job', () => {
  it('enqueues nothing when jobs() does not list thumbnailTask, and the route still makes them', async () => {
    const s = await startStorageApp({
      modules: [jobs({ tasks: [], prefix: false })],
      models: [Painting],
      routes: [uploadPicture],
    });
    try {
      const painting = await s.app.db!.create(Painting, { title: 'Plain' });
      const res = await s.fetch(`/paintings/${painting.id}/picture`, await form(await png(90, 90)));
      expect(res.status).toBe(201);
      const { picture } = (await res.json()) as { picture: StoredFile };
      expect(await (await getJobs(s.app)).list()).toEqual([]);
      expect((await s.fetch(s.storage.thumbnailUrl(picture, '64x64'))).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
