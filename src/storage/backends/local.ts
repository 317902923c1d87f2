import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RangeNotSatisfiableError, StorageError, StorageNotFoundError } from '../errors.js';
import { assertValidKey, assertValidPrefix } from '../keys.js';
import { encodeKey, servedSignedUrl, type UrlSigner } from '../signing.js';
import type {
  GetOptions,
  GetResult,
  ObjectStat,
  ObjectSummary,
  PutOptions,
  SignedUrlOptions,
  StorageBackend,
} from './backend.js';

/** Options of {@link createLocalBackend}. */
export interface LocalBackendOptions {
  /** The folder objects live in (created on first write). */
  root: string;
  /** The storage's name, part of what signed URLs grant. */
  name?: string;
  /** Prefix of public URLs, e.g. `/media/` or `https://cdn.example.com/media/`. */
  baseUrl?: string;
  /** Where Basalt serves signed URLs of this storage, e.g. `/storage/private`. */
  signedBaseUrl?: string;
  /** Signs those URLs (the `storage()` module passes one keyed from SECRET_KEY). */
  signer?: UrlSigner;
  /** Clock for signed URL expiry, seconds-resolution; for tests. */
  now?: () => number;
}

interface Sidecar {
  contentType: string;
  etag: string;
  contentDisposition?: string;
}

const OCTET = 'application/octet-stream';
const RESERVED = '.basalt';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/**
 * The local-folder backend (the embedded default): objects are files under `root`, their
 * content type and etag are kept in `root/.basalt/meta`. Writes go to a temporary file and
 * are renamed into place, so a failed upload leaves nothing behind. Signed URLs are served
 * by Basalt itself (the `storage()` module's route) and checked with an HMAC.
 */
export function createLocalBackend(options: LocalBackendOptions): StorageBackend {
  const root = resolve(options.root);
  const name = options.name ?? 'default';
  const now = options.now ?? Date.now;
  const baseUrl = options.baseUrl ?? '/media/';
  const publicPrefix = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;

  const pathOf = (key: string): string => {
    assertValidKey(key);
    const path = join(root, ...key.split('/'));
    if (!path.startsWith(root + sep)) throw new StorageError('BASALT_STORAGE_INVALID_KEY');
    return path;
  };
  const metaOf = (key: string): string => join(root, RESERVED, 'meta', ...key.split('/')) + '.json';

  async function readSidecar(key: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(metaOf(key), 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
  }

  async function statOf(key: string): Promise<ObjectStat> {
    const path = pathOf(key);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      if (isMissing(error)) throw new StorageNotFoundError(key);
      throw error;
    }
    if (!info.isFile()) throw new StorageNotFoundError(key);
    const sidecar = await readSidecar(key);
    return {
      key,
      size: info.size,
      contentType: sidecar?.contentType ?? OCTET,
      etag: sidecar?.etag ?? `"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`,
      modified: info.mtime,
    };
  }

  async function prune(dir: string, stop: string): Promise<void> {
    // Removes folders left empty by a delete, up to (not including) the storage root.
    while (dir.startsWith(stop + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  async function* walk(dir: string, prefix: string): AsyncGenerator<string> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (prefix === '' && entry.name === RESERVED) continue;
      const key = prefix + entry.name;
      if (entry.isDirectory()) yield* walk(join(dir, entry.name), `${key}/`);
      else if (entry.isFile()) yield key;
    }
  }

  return {
    kind: 'local',

    async put(key: string, body: Readable | Uint8Array, opts: PutOptions = {}): Promise<ObjectStat> {
      const target = pathOf(key);
      const tmpDir = join(root, RESERVED, 'tmp');
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, randomBytes(12).toString('hex'));
      const hash = createHash('md5');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      const source = body instanceof Readable ? body : Readable.from([Buffer.from(body)]);
      try {
        await pipeline(source, measure, createWriteStream(tmp, { flags: 'wx' }));
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      const sidecar: Sidecar = {
        contentType: opts.contentType ?? OCTET,
        etag: `"${hash.digest('hex')}"`,
        ...(opts.contentDisposition ? { contentDisposition: opts.contentDisposition } : {}),
      };
      const meta = metaOf(key);
      await mkdir(dirname(meta), { recursive: true });
      await writeFile(meta, JSON.stringify(sidecar));
      const info = await stat(target);
      return { key, size, contentType: sidecar.contentType, etag: sidecar.etag, modified: info.mtime };
    },

    async get(key: string, opts: GetOptions = {}): Promise<GetResult> {
      const objectStat = await statOf(key);
      let start = 0;
      let end = objectStat.size - 1;
      if (opts.range) {
        start = opts.range.start;
        end = Math.min(opts.range.end ?? objectStat.size - 1, objectStat.size - 1);
        if (start < 0 || start >= objectStat.size || end < start)
          throw new RangeNotSatisfiableError(objectStat.size);
      }
      const stream =
        objectStat.size === 0 ? Readable.from([]) : createReadStream(pathOf(key), { start, end });
      return { stream, stat: objectStat, start, end: Math.max(end, start - 1) };
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      for (const file of [path, metaOf(key)]) {
        try {
          await unlink(file);
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
      await prune(dirname(path), root);
      await prune(dirname(metaOf(key)), join(root, RESERVED, 'meta'));
    },

    async exists(key: string): Promise<boolean> {
      try {
        await statOf(key);
        return true;
      } catch (error) {
        if (error instanceof StorageNotFoundError) return false;
        throw error;
      }
    },

    stat: statOf,

    async *list(prefix = ''): AsyncIterable<ObjectSummary> {
      assertValidPrefix(prefix);
      // Walk only the deepest folder the prefix names, then filter by the rest of it.
      const cut = prefix.lastIndexOf('/');
      const folder = cut < 0 ? '' : prefix.slice(0, cut + 1);
      const keys: string[] = [];
      for await (const key of walk(join(root, ...folder.split('/').filter(Boolean)), folder))
        if (key.startsWith(prefix)) keys.push(key);
      keys.sort();
      for (const key of keys) {
        try {
          const { contentType: _, ...summary } = await statOf(key);
          yield summary;
        } catch (error) {
          if (!(error instanceof StorageNotFoundError)) throw error;
        }
      }
    },

    url(key: string): string {
      assertValidKey(key);
      return publicPrefix + encodeKey(key);
    },

    async signedUrl(key: string, opts: SignedUrlOptions = {}): Promise<string> {
      assertValidKey(key);
      return servedSignedUrl(
        { name, signer: options.signer, baseUrl: options.signedBaseUrl, now: now() },
        key,
        opts,
      );
    },
  };
}
