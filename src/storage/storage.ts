import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GetOptions, GetResult, ObjectStat, StorageBackend } from './backends/backend.js';
import { isAccepted, SNIFF_BYTES, sniffContentType } from './content-type.js';
import { FileTooLargeError, FileTypeNotAcceptedError } from './errors.js';
import { cleanFileName, generateKey } from './keys.js';

/** What a file field stores: where the object is, and what it is. */
export interface StoredFile {
  /** The object's key in its storage (generated, never from the client). */
  key: string;
  /** The storage's name (`default` when omitted). */
  storage?: string;
  /** The client's file name, cleaned (for Content-Disposition). */
  name?: string;
  size?: number;
  /** The type found from the content's magic bytes. */
  contentType?: string;
  /** SHA-256 of the content, hex. */
  checksum?: string;
  /** Images: pixel dimensions. */
  width?: number;
  height?: number;
}

/** Options of {@link Storage.save}. */
export interface SaveOptions {
  /** The client's file name: only a sanitised extension goes into the key. */
  name?: string;
  /** The type the client declared (used only for text formats magic bytes cannot tell apart). */
  declaredType?: string;
  /** Accepted types (`image/*`, `application/pdf`); checked against the magic bytes (415). */
  accept?: readonly string[];
  /** Largest accepted size in bytes, enforced while streaming (413). */
  maxSize?: number;
  /** A key prefix (`covers`); default none. */
  prefix?: string;
  /** Read width and height (and refuse what sharp cannot decode). */
  image?: boolean;
}

/** One named storage: its backend plus the operations file fields and uploads use. */
export interface Storage {
  readonly name: string;
  /** Public storages are served by URL to anyone; private ones through signed URLs or endpoints. */
  readonly public: boolean;
  readonly backend: StorageBackend;
  /**
   * How `ctx.storage.serve` answers for this storage unless the call passes
   * `redirect`: `redirect` (the default on S3) answers 302 to a short-lived presigned URL,
   * `stream` sends the bytes through the app. Local and memory storages always stream.
   */
  readonly serve: StorageServeMode;
  /**
   * Streams `body` into a new object under a generated key: the type is checked from the
   * magic bytes against `accept`, the size against `maxSize` while streaming, and on any
   * failure nothing is left behind.
   */
  save(body: Readable | Uint8Array, options?: SaveOptions): Promise<StoredFile>;
  open(file: StoredFile | string, options?: GetOptions): Promise<GetResult>;
  stat(file: StoredFile | string): Promise<ObjectStat>;
  exists(file: StoredFile | string): Promise<boolean>;
  /** Removes the object and its cached thumbnails. */
  delete(file: StoredFile | string): Promise<void>;
  /**
   * Where a client downloads the file: the public URL of a public storage, a signed URL
   * (default 15 minutes) of a private one.
   */
  url(file: StoredFile | string, options?: { expiresIn?: number; download?: boolean }): Promise<string>;
}

/** How a storage's files are served by `ctx.storage.serve`: see {@link Storage.serve}. */
export type StorageServeMode = 'redirect' | 'stream';

const keyOf = (file: StoredFile | string) => (typeof file === 'string' ? file : file.key);

/** Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(type: 'inline' | 'attachment', name: string | undefined): string {
  if (!name) return type;
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function* limited(
  source: AsyncIterable<Buffer>,
  head: Buffer,
  state: { size: number; hash: ReturnType<typeof createHash> },
  maxSize: number | undefined,
  sink?: (chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  const pass = (chunk: Buffer) => {
    state.size += chunk.length;
    if (maxSize !== undefined && state.size > maxSize) throw new FileTooLargeError(maxSize);
    state.hash.update(chunk);
    sink?.(chunk);
    return chunk;
  };
  if (head.length > 0) yield pass(head);
  for await (const chunk of source) yield pass(chunk);
}

/** Reads up to SNIFF_BYTES from the iterator, keeping the rest for later. */
async function readHead(iterator: AsyncIterator<Buffer>): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) return { head: Buffer.concat(parts), done: true };
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    parts.push(chunk);
    length += chunk.length;
  }
  return { head: Buffer.concat(parts), done: false };
}

/** Wraps a backend as a named {@link Storage}. */
export function createStorage(
  name: string,
  backend: StorageBackend,
  options: { public?: boolean; thumbnailPrefix?: string; serve?: StorageServeMode } = {},
): Storage {
  const isPublic = options.public ?? name === 'default';
  const thumbs = options.thumbnailPrefix ?? 'thumbs/';
  return {
    name,
    public: isPublic,
    backend,
    // Only S3 has a server of its own to send clients to; Basalt is the server of the others.
    serve: backend.kind === 's3' ? (options.serve ?? 'redirect') : 'stream',

    async save(body, opts = {}) {
      const source: AsyncIterable<Buffer> =
        body instanceof Readable ? body : Readable.from([Buffer.from(body)]);
      const iterator = source[Symbol.asyncIterator]();
      const { head, done } = await readHead(iterator);
      const contentType = await sniffContentType(head, opts.declaredType);
      if (!isAccepted(contentType, opts.accept)) {
        if (body instanceof Readable) body.resume();
        throw new FileTypeNotAcceptedError(contentType, opts.accept ?? []);
      }
      if (opts.maxSize !== undefined && head.length > opts.maxSize) {
        if (body instanceof Readable) body.resume();
        throw new FileTooLargeError(opts.maxSize);
      }
      const rest: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: () => (done ? [][Symbol.iterator]() : iterator) as AsyncIterator<Buffer>,
      };
      const state = { size: 0, hash: createHash('sha256') };
      const probe = opts.image ? await imageProbe() : undefined;
      const key = generateKey({
        prefix: opts.prefix,
        name: opts.name,
        extension: extensionFor(contentType, opts.name),
      });
      const stream = Readable.from(limited(rest, head, state, opts.maxSize, probe?.write));
      let stat: ObjectStat;
      try {
        stat = await backend.put(key, stream, { contentType });
      } catch (error) {
        probe?.abort();
        // Backends leave nothing behind on a failed write; this covers a store that does.
        await backend.delete(key).catch(() => undefined);
        if (body instanceof Readable && !body.readableEnded) body.resume();
        throw error;
      }
      const file: StoredFile = {
        key,
        storage: name,
        ...(cleanFileName(opts.name) ? { name: cleanFileName(opts.name) } : {}),
        size: stat.size,
        contentType,
        checksum: state.hash.digest('hex'),
      };
      if (probe) {
        try {
          Object.assign(file, await probe.finish());
        } catch {
          await backend.delete(key).catch(() => undefined);
          throw new FileTypeNotAcceptedError(
            `${contentType} that cannot be decoded`,
            opts.accept ?? ['image/*'],
          );
        }
      }
      return file;
    },

    open: (file, opts) => backend.get(keyOf(file), opts),
    stat: (file) => backend.stat(keyOf(file)),
    exists: (file) => backend.exists(keyOf(file)),

    async delete(file) {
      const key = keyOf(file);
      await backend.delete(key);
      for await (const thumb of backend.list(`${thumbs}${key}/`)) await backend.delete(thumb.key);
    },

    async url(file, opts = {}) {
      const key = keyOf(file);
      if (isPublic && !opts.download) return backend.url(key);
      const name = typeof file === 'string' ? undefined : file.name;
      return backend.signedUrl(key, {
        expiresIn: opts.expiresIn ?? 900,
        ...(opts.download ? { contentDisposition: contentDisposition('attachment', name) } : {}),
      });
    },
  };
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/avif': '.avif',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/csv': '.csv',
};

/** The key's extension follows the detected type, so a key never claims a type it is not. */
function extensionFor(type: string, name: string | undefined): string | undefined {
  return EXTENSIONS[type] ?? (name ? undefined : '');
}

interface ImageProbe {
  write(chunk: Buffer): void;
  finish(): Promise<{ width: number; height: number }>;
  abort(): void;
}

async function imageProbe(): Promise<ImageProbe> {
  const { default: sharp } = await import('sharp');
  const image = sharp({ failOn: 'error' });
  const metadata = image.metadata();
  metadata.catch(() => undefined);
  return {
    write: (chunk) => {
      image.write(chunk);
    },
    async finish() {
      image.end();
      const meta = await metadata;
      if (!meta.width || !meta.height) throw new Error('no dimensions');
      return { width: meta.autoOrient?.width ?? meta.width, height: meta.autoOrient?.height ?? meta.height };
    },
    abort: () => image.destroy(),
  };
}
