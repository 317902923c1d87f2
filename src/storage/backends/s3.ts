import { Readable, Transform } from 'node:stream';
import type {
  GetObjectCommandOutput,
  ListObjectsV2CommandOutput,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import { RangeNotSatisfiableError, StorageError, StorageNotFoundError } from '../errors.js';
import { assertValidKey, assertValidPrefix } from '../keys.js';
import type {
  GetOptions,
  GetResult,
  ObjectStat,
  ObjectSummary,
  PutOptions,
  SignedUrlOptions,
  StorageBackend,
} from './backend.js';

/** Options of {@link createS3Backend}. */
export interface S3BackendOptions {
  bucket: string;
  /** A key prefix inside the bucket (`media/`), so several storages can share one bucket. */
  prefix?: string;
  region?: string;
  /** An S3-compatible endpoint (MinIO, R2, s3rver, …); AWS when omitted. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Static credentials; the AWS default chain (env, profile, role) when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prefix of public URLs (a CDN); default the bucket's own URL. */
  publicUrl?: string;
  /** Multipart part size in bytes (default 5 MiB, the S3 minimum) and parts in flight (default 2): memory ≈ their product. */
  partSize?: number;
  queueSize?: number;
  /**
   * Whether uploads (PutObject, UploadPart) carry the SHA-256 of their bytes in the SigV4
   * signature. Default `false`: parts are sent as `UNSIGNED-PAYLOAD`, as the AWS SDK sends any
   * streamed PutObject, which saves hashing every byte a second time (Basalt already hashes it
   * for the file's `checksum`); S3 still checks each part against the SDK's CRC32 checksum
   * (a signed header), and TLS protects it on `https:`. `true` signs every part's SHA-256,
   * which only adds protection on a plain `http:` endpoint across a network you do not trust.
   */
  signPayload?: boolean;
  /** Extra client configuration. */
  client?: Partial<S3ClientConfig>;
}

const OCTET = 'application/octet-stream';
const UPLOADS = new Set(['PutObjectCommand', 'UploadPartCommand']);

interface AwsError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  return (error as AwsError).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const e = error as AwsError;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || statusOf(error) === 404;
}

function backendFailed(error: unknown, action: string): StorageError {
  return new StorageError('BASALT_STORAGE_BACKEND_FAILED', `S3 ${action} failed`, { cause: error });
}

/**
 * The S3 backend, for AWS S3 and S3-compatible stores, on the AWS SDK v3 (loaded only when
 * this backend is created). Uploads stream through `@aws-sdk/lib-storage` (multipart above
 * one part, at most `partSize × queueSize` bytes in memory); signed URLs come from
 * `@aws-sdk/s3-request-presigner`.
 */
export async function createS3Backend(options: S3BackendOptions): Promise<StorageBackend> {
  const sdk = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const client: S3Client = new sdk.S3Client({
    region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...options.client,
  });
  if (!options.signPayload)
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string> } | undefined;
        // The signer uses a payload hash it finds in the request instead of computing one;
        // a streamed body already has its own (aws-chunked with a checksum trailer).
        const headers = request?.headers;
        if (headers && UPLOADS.has(context.commandName ?? '') && !headers['x-amz-content-sha256'])
          headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'basaltUnsignedPayload' },
    );
  const bucket = options.bucket;
  const prefix = options.prefix ? options.prefix.replace(/^\/+|\/+$/g, '') + '/' : '';
  const partSize = options.partSize ?? 5 * 1024 * 1024;
  const queueSize = options.queueSize ?? 2;
  const objectKey = (key: string) => {
    assertValidKey(key);
    return prefix + key;
  };
  const encode = (key: string) => key.split('/').map(encodeURIComponent).join('/');
  const publicBase = (() => {
    if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
    if (options.endpoint) return `${options.endpoint.replace(/\/+$/, '')}/${bucket}`;
    return `https://${bucket}.s3.${region}.amazonaws.com`;
  })();

  async function stat(key: string): Promise<ObjectStat> {
    const Key = objectKey(key);
    try {
      const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
      return {
        key,
        size: head.ContentLength ?? 0,
        contentType: head.ContentType ?? OCTET,
        etag: head.ETag ?? '""',
        modified: head.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) throw new StorageNotFoundError(key);
      throw backendFailed(error, 'HeadObject');
    }
  }

  return {
    kind: 's3',

    async put(key: string, body: Readable | Uint8Array, opts: PutOptions = {}): Promise<ObjectStat> {
      const Key = objectKey(key);
      let size = body instanceof Readable ? 0 : body.byteLength;
      // Counts bytes on their way to the SDK, without changing how the source is read.
      const counted =
        body instanceof Readable
          ? body.pipe(
              new Transform({
                transform(chunk: Buffer, _encoding, done) {
                  size += chunk.length;
                  done(null, chunk);
                },
              }),
            )
          : body;
      if (body instanceof Readable) body.once('error', (error) => (counted as Transform).destroy(error));
      const upload = new Upload({
        client,
        partSize,
        queueSize,
        leavePartsOnError: false,
        params: {
          Bucket: bucket,
          Key,
          Body: counted,
          ContentType: opts.contentType ?? OCTET,
          ...(opts.contentDisposition ? { ContentDisposition: opts.contentDisposition } : {}),
        },
      });
      let result: Awaited<ReturnType<typeof upload.done>>;
      try {
        result = await upload.done();
      } catch (error) {
        // A failed single-part upload stores nothing; a failed multipart one is aborted above.
        if (body instanceof Readable && !body.destroyed) body.destroy();
        if (error instanceof StorageError) throw error;
        const cause = body instanceof Readable ? (body.errored ?? error) : error;
        if (cause instanceof StorageError) throw cause;
        throw backendFailed(cause, 'upload');
      }
      return {
        key,
        size,
        contentType: opts.contentType ?? OCTET,
        etag: result.ETag ?? '""',
        modified: new Date(),
      };
    },

    async get(key: string, opts: GetOptions = {}): Promise<GetResult> {
      const range = opts.range;
      const Key = objectKey(key);
      if (range && range.start < 0) throw new RangeNotSatisfiableError((await stat(key)).size);
      let out: GetObjectCommandOutput;
      try {
        out = await client.send(
          new sdk.GetObjectCommand({
            Bucket: bucket,
            Key,
            ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
          }),
        );
      } catch (error) {
        if (isNotFound(error)) throw new StorageNotFoundError(key);
        if (statusOf(error) === 416) throw new RangeNotSatisfiableError((await stat(key)).size);
        throw backendFailed(error, 'GetObject');
      }
      const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
      const size = total !== undefined ? Number(total) : (out.ContentLength ?? 0);
      const match = /bytes (\d+)-(\d+)\//.exec(out.ContentRange ?? '');
      const start = match ? Number(match[1]) : 0;
      const end = match ? Number(match[2]) : size - 1;
      if (range && !match && range.start >= size) {
        // Some servers ignore an unsatisfiable range and send the whole object.
        (out.Body as Readable | undefined)?.destroy();
        throw new RangeNotSatisfiableError(size);
      }
      const stream = (out.Body as Readable | undefined) ?? Readable.from([]);
      if (range && !match && (range.start > 0 || (range.end ?? size - 1) < size - 1)) {
        stream.destroy();
        throw backendFailed(new Error('the server ignored the Range header'), 'GetObject');
      }
      return {
        stream,
        stat: {
          key,
          size,
          contentType: out.ContentType ?? OCTET,
          etag: out.ETag ?? '""',
          modified: out.LastModified ?? new Date(0),
        },
        start,
        end,
      };
    },

    async delete(key: string): Promise<void> {
      const Key = objectKey(key);
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (error) {
        if (!isNotFound(error)) throw backendFailed(error, 'DeleteObject');
      }
    },

    async exists(key: string): Promise<boolean> {
      try {
        await stat(key);
        return true;
      } catch (error) {
        if (error instanceof StorageNotFoundError) return false;
        throw error;
      }
    },

    stat,

    async *list(keyPrefix = ''): AsyncIterable<ObjectSummary> {
      assertValidPrefix(keyPrefix);
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new sdk.ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix + keyPrefix,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
        } catch (error) {
          throw backendFailed(error, 'ListObjectsV2');
        }
        for (const item of page.Contents ?? []) {
          if (!item.Key) continue;
          yield {
            key: item.Key.slice(prefix.length),
            size: item.Size ?? 0,
            etag: item.ETag ?? '""',
            modified: item.LastModified ?? new Date(0),
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    url(key: string): string {
      return `${publicBase}/${encode(objectKey(key))}`;
    },

    async signedUrl(key: string, opts: SignedUrlOptions = {}): Promise<string> {
      const Key = objectKey(key);
      const expiresIn = opts.expiresIn ?? 900;
      const command =
        opts.method === 'PUT'
          ? new sdk.PutObjectCommand({
              Bucket: bucket,
              Key,
              ...(opts.contentType ? { ContentType: opts.contentType } : {}),
            })
          : new sdk.GetObjectCommand({
              Bucket: bucket,
              Key,
              ...(opts.contentDisposition ? { ResponseContentDisposition: opts.contentDisposition } : {}),
            });
      return getSignedUrl(client, command, { expiresIn });
    },

    async close(): Promise<void> {
      client.destroy();
    },

    async ping(signal?: AbortSignal): Promise<void> {
      await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }), signal ? { abortSignal: signal } : {});
    },
  };
}
