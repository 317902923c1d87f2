import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseRangeHeader } from './backends/backend.js';
import { isInlineSafe } from './content-type.js';
import { RangeNotSatisfiableError } from './errors.js';
import { contentDisposition, type Storage, type StoredFile } from './storage.js';

/** Options of `ctx.storage.serve(ctx, file, options)`. */
export interface ServeOptions {
  /**
   * `inline` (default) shows images, PDFs and plain text in the browser; every other type
   * is always sent as an `attachment`, so uploaded markup never runs on your origin.
   */
  disposition?: 'inline' | 'attachment';
  /** The download's file name; default the stored original name. */
  name?: string;
  /** A Content-Disposition to send as-is (a signed URL's). */
  contentDisposition?: string;
  /** Cache-Control; default `private, max-age=0, must-revalidate` for private storages, a day for public ones. */
  cacheControl?: string;
  /**
   * S3 storages: `true` or `{ expiresIn }` answers `302` to a presigned URL of the object
   * (valid `expiresIn` seconds, default 60) instead of streaming it through the app, once the
   * endpoint's checks have passed: the client downloads straight from the bucket, ranges and
   * conditional requests included. `false` streams the bytes through the app. Default: the
   * storage's `serve` setting (`redirect` unless configured `stream`). Ignored for local and
   * memory storages, which Basalt serves itself.
   */
  redirect?: boolean | { expiresIn?: number };
}

/**
 * Answers with a stored file. On S3, by default (see {@link ServeOptions.redirect}), a `302`
 * to a short-lived presigned URL of the object. Otherwise it streams the file: Content-Type from the store, Content-Disposition,
 * ETag/Last-Modified with `If-None-Match` (304), and byte ranges (`Range` → 206, a range
 * past the end → 416 with `Content-Range: bytes *\/size`). Return its result from a handler
 * (an empty string for a 304).
 */
export async function serveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  storage: Storage,
  file: StoredFile | string,
  options: ServeOptions = {},
): Promise<Readable | string> {
  const key = typeof file === 'string' ? file : file.key;
  const redirect = options.redirect ?? storage.serve === 'redirect';
  if (redirect && storage.backend.kind === 's3') {
    const name = options.name ?? (typeof file === 'string' ? undefined : file.name);
    const expiresIn = (typeof redirect === 'object' ? redirect.expiresIn : undefined) ?? 60;
    const wantsInline = (options.disposition ?? 'inline') === 'inline' && !options.contentDisposition;
    // The file value's type decides inline; a bare key costs a HEAD (which also makes a
    // missing object a 404 here rather than at the bucket).
    const type =
      typeof file !== 'string'
        ? file.contentType
        : wantsInline
          ? (await storage.stat(key)).contentType
          : undefined;
    const inline = wantsInline && type !== undefined && isInlineSafe(type);
    const location = await storage.backend.signedUrl(key, {
      expiresIn,
      contentDisposition:
        options.contentDisposition ?? contentDisposition(inline ? 'inline' : 'attachment', name),
    });
    reply.code(302).headers({ location, 'cache-control': 'private, no-store' });
    return '';
  }
  const header = request.headers.range;
  let range: { start: number; end: number } | undefined;
  if (header) {
    const stat = await storage.stat(key);
    const parsed = parseRangeHeader(header, stat.size);
    if (parsed === 'unsatisfiable') throw new RangeNotSatisfiableError(stat.size);
    if (parsed) range = { start: parsed.start, end: parsed.end ?? stat.size - 1 };
  }
  const result = await storage.open(key, range ? { range } : {});
  const { stat } = result;
  if (!range && request.headers['if-none-match'] === stat.etag) {
    result.stream.destroy();
    reply.code(304).header('etag', stat.etag);
    return '';
  }
  const name = options.name ?? (typeof file === 'string' ? undefined : file.name);
  const inline = (options.disposition ?? 'inline') === 'inline' && isInlineSafe(stat.contentType);
  const length = stat.size === 0 ? 0 : result.end - result.start + 1;
  reply.headers({
    'content-type': stat.contentType,
    'content-length': String(length),
    'content-disposition':
      options.contentDisposition ?? contentDisposition(inline ? 'inline' : 'attachment', name),
    'accept-ranges': 'bytes',
    etag: stat.etag,
    'last-modified': stat.modified.toUTCString(),
    'cache-control':
      options.cacheControl ??
      (storage.public ? 'public, max-age=86400' : 'private, max-age=0, must-revalidate'),
    'x-content-type-options': 'nosniff',
    // Whatever the file holds, it cannot script this origin.
    'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
  });
  if (range) {
    reply.code(206).header('content-range', `bytes ${result.start}-${result.end}/${stat.size}`);
  } else reply.code(200);
  return result.stream;
}
