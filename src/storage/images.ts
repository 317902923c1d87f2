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
 * The key of a WebP thumbnail of an image, made with sharp on first request and kept in the
 * same storage (later requests read it back). Deleting the image through the storage
 * deletes its thumbnails. Once `basalt/jobs` lands, generation moves to a background job
 * enqueued after upload; this on-request path stays as the fallback.
 */
export async function ensureThumbnail(
  storage: Storage,
  file: StoredFile | string,
  spec: ThumbnailSpec,
): Promise<string> {
  const key = typeof file === 'string' ? file : file.key;
  const target = thumbnailKey(key, spec);
  if (await storage.backend.exists(target)) return target;
  const { default: sharp } = await import('sharp');
  const source = await storage.open(key);
  const transform = sharp({ failOn: 'error', limitInputPixels: 100_000_000 })
    .rotate()
    .resize(spec.width, spec.height, { fit: spec.fit ?? 'cover', withoutEnlargement: true })
    .webp({ quality: 80 });
  source.stream.on('error', (error) => transform.destroy(error));
  source.stream.pipe(transform);
  try {
    await storage.backend.put(target, transform, { contentType: 'image/webp' });
  } catch (error) {
    source.stream.destroy();
    throw new StorageError('BASALT_STORAGE_TYPE_NOT_ACCEPTED', `'${key}' is not an image sharp can read`, {
      cause: error,
    });
  }
  return target;
}
