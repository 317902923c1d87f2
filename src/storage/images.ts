import { StorageError } from './errors.js';
import type { Storage, StoredFile } from './storage.js';

/** A thumbnail's size and shape. */
export interface ThumbnailSpec {
  width: number;
  height: number;
  /** How the image fits the box: `cover` (crop, the default) or `inside` (letterbox-free shrink). */
  fit?: 'cover' | 'inside';
}

/** Where the thumbnails of `key` live: `thumbs/<key>/<w>x<h>-<fit>.webp`. */
export function thumbnailKey(key: string, spec: ThumbnailSpec): string {
  return `thumbs/${key}/${spec.width}x${spec.height}-${spec.fit ?? 'cover'}.webp`;
}

/** Parses `200x300` (and an optional `-inside`), or undefined. */
export function parseThumbnailSize(text: string): ThumbnailSpec | undefined {
  const match = /^(\d{1,4})x(\d{1,4})(?:-(cover|inside))?$/.exec(text);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 1 || height < 1 || width > 4096 || height > 4096) return undefined;
  return { width, height, fit: (match[3] as ThumbnailSpec['fit']) ?? 'cover' };
}

/**
 * The keys of WebP thumbnails of an image, one per spec, in the same storage. Those missing
 * are made with sharp from a single read of the image (rotated per EXIF, never enlarged);
 * those already stored are left as they are. Deleting the image through the storage deletes
 * its thumbnails. An image sharp cannot decode is `BASALT_STORAGE_TYPE_NOT_ACCEPTED`, a
 * missing one `BASALT_STORAGE_NOT_FOUND`; a backend failure is passed on as it is.
 */
export async function ensureThumbnails(
  storage: Storage,
  file: StoredFile | string,
  specs: readonly ThumbnailSpec[],
): Promise<string[]> {
  const key = typeof file === 'string' ? file : file.key;
  const targets = specs.map((spec) => ({ spec, target: thumbnailKey(key, spec) }));
  const missing: typeof targets = [];
  for (const entry of targets) if (!(await storage.backend.exists(entry.target))) missing.push(entry);
  if (missing.length === 0) return targets.map((entry) => entry.target);
  const { default: sharp } = await import('sharp');
  const source = await storage.open(key);
  // One decoder fed once; each size is a clone of it, written as it is encoded.
  const decoder = sharp({ failOn: 'error', limitInputPixels: 100_000_000 });
  let decodeError: unknown;
  const outputs = missing.map(({ spec }) =>
    decoder
      .clone()
      .rotate()
      .resize(spec.width, spec.height, { fit: spec.fit ?? 'cover', withoutEnlargement: true })
      .webp({ quality: 80 }),
  );
  const writes = outputs.map((output, i) => {
    output.once('error', (error) => {
      decodeError ??= error;
    });
    return storage.backend.put(missing[i]!.target, output, { contentType: 'image/webp' });
  });
  // A clone starts once the decoder's input ends; a failed read must end the clones too.
  source.stream.once('error', (error) => {
    decoder.destroy(error);
    for (const output of outputs) output.destroy(error);
  });
  source.stream.pipe(decoder);
  const results = await Promise.allSettled(writes);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) {
    source.stream.destroy();
    if (decodeError !== undefined && !source.stream.errored)
      throw new StorageError('BASALT_STORAGE_TYPE_NOT_ACCEPTED', `'${key}' is not an image sharp can read`, {
        cause: decodeError,
      });
    throw failed.reason;
  }
  return targets.map((entry) => entry.target);
}

/**
 * The key of one WebP thumbnail of an image (see {@link ensureThumbnails}): made on first
 * call, read back afterwards. With `basalt/jobs` and `thumbnailTask`, the sizes of
 * `storage({ thumbnailSizes })` are made in the background after each image is saved.
 */
export async function ensureThumbnail(
  storage: Storage,
  file: StoredFile | string,
  spec: ThumbnailSpec,
): Promise<string> {
  const [key] = await ensureThumbnails(storage, file, [spec]);
  return key!;
}
