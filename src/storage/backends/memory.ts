import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { RangeNotSatisfiableError, StorageNotFoundError } from '../errors.js';
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

/** Options of {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /** The storage's name, part of what signed URLs grant. */
  name?: string;
  /** Prefix of public URLs; default `/media/`. */
  baseUrl?: string;
  /** Where Basalt serves signed URLs of this storage. */
  signedBaseUrl?: string;
  signer?: UrlSigner;
}

interface Entry {
  data: Buffer;
  stat: ObjectStat;
}

/**
 * A backend in process memory (`STORAGE_URL=memory:`), for tests and throwaway runs: the
 * same contract as the others, nothing on disk, gone when the process ends. A put buffers
 * the object (it is memory), but stores it only once the stream has ended without error.
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): StorageBackend {
  const objects = new Map<string, Entry>();
  const name = options.name ?? 'default';
  const base = options.baseUrl ?? '/media/';
  const publicPrefix = base.endsWith('/') ? base : `${base}/`;
  const entry = (key: string): Entry => {
    assertValidKey(key);
    const found = objects.get(key);
    if (!found) throw new StorageNotFoundError(key);
    return found;
  };
  return {
    kind: 'memory',

    async put(key: string, body: Readable | Uint8Array, opts: PutOptions = {}): Promise<ObjectStat> {
      assertValidKey(key);
      const chunks: Buffer[] = [];
      if (body instanceof Readable) for await (const chunk of body) chunks.push(chunk as Buffer);
      else chunks.push(Buffer.from(body));
      const data = Buffer.concat(chunks);
      const stat: ObjectStat = {
        key,
        size: data.length,
        contentType: opts.contentType ?? 'application/octet-stream',
        etag: `"${createHash('md5').update(data).digest('hex')}"`,
        modified: new Date(),
      };
      objects.set(key, { data, stat });
      return { ...stat };
    },

    async get(key: string, opts: GetOptions = {}): Promise<GetResult> {
      const { data, stat } = entry(key);
      let start = 0;
      let end = data.length - 1;
      if (opts.range) {
        start = opts.range.start;
        end = Math.min(opts.range.end ?? data.length - 1, data.length - 1);
        if (start < 0 || start >= data.length || end < start) throw new RangeNotSatisfiableError(data.length);
      }
      const slice = data.length === 0 ? data : data.subarray(start, end + 1);
      return { stream: Readable.from([slice]), stat: { ...stat }, start, end: Math.max(end, start - 1) };
    },

    async delete(key: string): Promise<void> {
      assertValidKey(key);
      objects.delete(key);
    },

    async exists(key: string): Promise<boolean> {
      assertValidKey(key);
      return objects.has(key);
    },

    async stat(key: string): Promise<ObjectStat> {
      return { ...entry(key).stat };
    },

    async *list(prefix = ''): AsyncIterable<ObjectSummary> {
      assertValidPrefix(prefix);
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        const found = objects.get(key);
        if (!found) continue;
        const { contentType: _, ...summary } = found.stat;
        yield summary;
      }
    },

    url(key: string): string {
      assertValidKey(key);
      return publicPrefix + encodeKey(key);
    },

    async signedUrl(key: string, opts: SignedUrlOptions = {}): Promise<string> {
      assertValidKey(key);
      return servedSignedUrl(
        { name, signer: options.signer, baseUrl: options.signedBaseUrl, now: Date.now() },
        key,
        opts,
      );
    },
  };
}
