import { createHash } from 'node:crypto';
import { t } from '../http/index.js';
import { defineTask } from '../jobs/index.js';
import { StorageError, StorageNotFoundError } from './errors.js';
import { getStorage } from './get-storage.js';
import { ensureThumbnails, parseThumbnailSize, type ThumbnailSpec } from './images.js';

/** What a {@link thumbnailTask} job did: the thumbnails it holds, or why it made none. */
export interface ThumbnailJobResult {
  storage: string;
  key: string;
  thumbnails: string[];
  /** Set when nothing was made: the image is gone (deleted or replaced), or is not decodable. */
  skipped?: 'missing' | 'not-an-image';
}

/**
 * The background job making the thumbnails of an image. List it in `jobs({ tasks })` and
 * every image saved into an `f.image()` field through `ctx.storage.records` gets the sizes
 * of `storage({ thumbnailSizes })` made by a worker once the transaction commits, so no
 * visitor waits for them; the thumbnail route still makes (and keeps) any size a request
 * reaches first. An image deleted or replaced before the job runs, or one sharp cannot
 * decode, completes the job with `skipped` (retrying would not help); a storage failure
 * fails it, to be retried.
 *
 * @example
 * jobs({ tasks: [sendReceipt, thumbnailTask] })
 */
export const thumbnailTask = defineTask(
  'basalt.storage.thumbnails',
  {
    input: t.Object({
      storage: t.String({ minLength: 1, maxLength: 100 }),
      key: t.String({ minLength: 1, maxLength: 1024 }),
      sizes: t.Array(t.String({ maxLength: 20 }), { minItems: 1, maxItems: 32 }),
    }),
    retries: 3,
    backoff: 'exponential',
    timeout: 120_000,
    queue: 'storage',
    // The same image and sizes enqueued twice (by hand, say) make one job.
    unique: (input) =>
      createHash('sha256')
        .update(JSON.stringify([input.storage, input.key, input.sizes]))
        .digest('hex'),
  },
  async ({ input, app, log }): Promise<ThumbnailJobResult> => {
    const storage = getStorage(app).get(input.storage);
    const specs = input.sizes
      .map((size) => parseThumbnailSize(size))
      .filter((spec): spec is ThumbnailSpec => spec !== undefined);
    const done = (thumbnails: string[], skipped?: ThumbnailJobResult['skipped']): ThumbnailJobResult => ({
      storage: input.storage,
      key: input.key,
      thumbnails,
      ...(skipped ? { skipped } : {}),
    });
    let made: string[];
    try {
      made = await ensureThumbnails(storage, input.key, specs);
    } catch (error) {
      if (error instanceof StorageNotFoundError) return done([], 'missing');
      if (error instanceof StorageError && error.code === 'BASALT_STORAGE_TYPE_NOT_ACCEPTED') {
        log.warn({ err: error, key: input.key }, 'no thumbnails: the image cannot be decoded');
        return done([], 'not-an-image');
      }
      throw error;
    }
    // Deleted while its thumbnails were being made: they would outlive it as orphans.
    if (!(await storage.exists(input.key))) {
      await storage.delete(input.key);
      return done([], 'missing');
    }
    return done(made);
  },
);
