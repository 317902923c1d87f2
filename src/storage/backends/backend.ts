import type { Readable } from 'node:stream';

/** What a backend knows about a stored object. */
export interface ObjectStat {
  key: string;
  /** Length in bytes. */
  size: number;
  /** The content type given when it was stored (`application/octet-stream` when none was). */
  contentType: string;
  /** An opaque version tag (quoted, as in HTTP `ETag`). */
  etag: string;
  /** When it was last written. */
  modified: Date;
}

/** One entry of {@link StorageBackend.list} (listing does not read content types). */
export type ObjectSummary = Omit<ObjectStat, 'contentType'>;

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** Options of {@link StorageBackend.put}. */
export interface PutOptions {
  contentType?: string;
  /** Known length, when the caller has it (lets S3 skip multipart for small bodies). */
  size?: number;
  /** `Content-Disposition` to store with the object (served as-is by S3). */
  contentDisposition?: string;
}

/** Options of {@link StorageBackend.get}. */
export interface GetOptions {
  range?: ByteRange;
}

/** An object being read: its content stream, its stat and the bytes the stream covers. */
export interface GetResult {
  stream: Readable;
  stat: ObjectStat;
  /** The inclusive range the stream holds (the whole object without `range`). */
  start: number;
  end: number;
}

/** Options of {@link StorageBackend.signedUrl}. */
export interface SignedUrlOptions {
  /** `GET` to download (default), `PUT` to upload directly to the storage. */
  method?: 'GET' | 'PUT';
  /** Lifetime in seconds; default 900 (15 minutes). */
  expiresIn?: number;
  /** PUT: the content type the upload must declare. */
  contentType?: string;
  /** GET: the `Content-Disposition` the download is served with. */
  contentDisposition?: string;
}

/**
 * The contract every storage backend fulfils (`local`, `s3`): streamed writes and reads,
 * byte ranges, listing by prefix, public and signed URLs. Keys are relative paths; every
 * backend refuses one that could leave the storage (`..`, a leading `/`) with
 * `BASALT_STORAGE_INVALID_KEY`. The same contract suite (test/storage/backend.contract.ts)
 * runs against each implementation.
 */
export interface StorageBackend {
  /** `local` or `s3`. */
  readonly kind: string;
  /** Streams `body` into the object `key` (replacing it); nothing is left behind if the stream fails. */
  put(key: string, body: Readable | Uint8Array, options?: PutOptions): Promise<ObjectStat>;
  /** Opens the object (or a byte range of it) as a stream; `StorageNotFoundError` when missing. */
  get(key: string, options?: GetOptions): Promise<GetResult>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Size, content type, etag and modification time; `StorageNotFoundError` when missing. */
  stat(key: string): Promise<ObjectStat>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix?: string): AsyncIterable<ObjectSummary>;
  /** The public URL of the object (meaningful for storages served publicly). */
  url(key: string): string;
  /** A URL that grants GET (or PUT) on one object until it expires. */
  signedUrl(key: string, options?: SignedUrlOptions): Promise<string>;
  /** Releases connections. */
  close?(): Promise<void>;
  /**
   * A cheap check that the remote store answers (S3: HeadBucket), run by `/health/ready`;
   * absent for local stores. Rejects when it is unreachable or refuses.
   */
  ping?(signal?: AbortSignal): Promise<void>;
}

/** Parses `bytes=a-b` / `bytes=a-` / `bytes=-n` against a size; `undefined` for a header to ignore. */
export function parseRangeHeader(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: serve the whole object, as RFC 9110 allows.
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || (to !== '' && Number(to) < start)) return 'unsatisfiable';
  return { start, end };
}
