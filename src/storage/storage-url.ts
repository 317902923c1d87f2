import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StorageBackend } from './backends/backend.js';
import { createLocalBackend } from './backends/local.js';
import { createMemoryBackend } from './backends/memory.js';
import { StorageError } from './errors.js';
import type { UrlSigner } from './signing.js';
import type { StorageServeMode } from './storage.js';

/** What {@link createBackendFromUrl} needs besides the URL. */
export interface BackendUrlOptions {
  /** The storage's name (signed URLs grant access to one storage). */
  name: string;
  /** Local: prefix of public URLs (`/media/`). */
  baseUrl?: string;
  /** Local: where signed URLs are served (`/storage/<name>`). */
  signedBaseUrl?: string;
  signer?: UrlSigner;
  /** Folder relative `file:` paths start from; default the working directory. */
  cwd?: string;
}

const truthy = (value: string | null) => value === '1' || value === 'true' || value === 'yes';

/**
 * Opens the backend a STORAGE_URL names:
 * - `memory:`: in process memory (tests);
 * - `file:./media`, `file:/srv/media` or `file:///srv/media`: a local folder;
 * - `s3://bucket/optional/prefix?region=eu-west-1&endpoint=http://127.0.0.1:9000&forcePathStyle=true&publicUrl=https://cdn.example.com&signPayload=false`:
 *   S3 or an S3-compatible store; credentials from `s3://KEY:SECRET@bucket` or the AWS
 *   default chain (AWS_ACCESS_KEY_ID, profiles, roles). The AWS SDK loads only here.
 *   `serve=stream` is read by the storage() module (see {@link serveModeFromUrl}), not here.
 */
export async function createBackendFromUrl(url: string, options: BackendUrlOptions): Promise<StorageBackend> {
  const unsupported = (why: string) =>
    new StorageError(
      'BASALT_STORAGE_UNSUPPORTED_URL',
      `Storage '${options.name}': ${why} (use file:./folder, s3://bucket?region=… or memory:)`,
    );
  if (url === 'memory:' || url.startsWith('memory:')) {
    return createMemoryBackend({
      name: options.name,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.signedBaseUrl ? { signedBaseUrl: options.signedBaseUrl } : {}),
      ...(options.signer ? { signer: options.signer } : {}),
    });
  }
  if (url.startsWith('file:')) {
    const rest = url.slice('file:'.length);
    const path = rest.startsWith('//') ? fileURLToPath(url) : rest;
    if (path === '') throw unsupported(`'${url}' names no folder`);
    const root = isAbsolute(path) ? path : resolve(options.cwd ?? process.cwd(), path);
    return createLocalBackend({
      root,
      name: options.name,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.signedBaseUrl ? { signedBaseUrl: options.signedBaseUrl } : {}),
      ...(options.signer ? { signer: options.signer } : {}),
    });
  }
  if (url.startsWith('s3://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw unsupported(`'${url}' is not a valid URL`);
    }
    const bucket = parsed.hostname;
    if (!bucket) throw unsupported('the URL names no bucket');
    const q = parsed.searchParams;
    const { createS3Backend } = await import('./backends/s3.js');
    const prefix = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
    return createS3Backend({
      bucket,
      ...(prefix ? { prefix } : {}),
      ...(q.get('region') ? { region: q.get('region')! } : {}),
      ...(q.get('endpoint') ? { endpoint: q.get('endpoint')! } : {}),
      ...(q.has('forcePathStyle') ? { forcePathStyle: truthy(q.get('forcePathStyle')) } : {}),
      ...(q.get('publicUrl') ? { publicUrl: q.get('publicUrl')! } : {}),
      ...(q.has('signPayload') ? { signPayload: truthy(q.get('signPayload')) } : {}),
      ...(parsed.username
        ? {
            credentials: {
              accessKeyId: decodeURIComponent(parsed.username),
              secretAccessKey: decodeURIComponent(parsed.password),
            },
          }
        : {}),
    });
  }
  throw unsupported(`'${url.replace(/\/\/[^@/]*@/, '//***@')}' has an unknown scheme`);
}

/**
 * The `serve` setting of an `s3://` STORAGE_URL (`serve=redirect` or `serve=stream`), or
 * undefined when it has none. Other URLs have no such setting (their files are streamed).
 */
export function serveModeFromUrl(url: string, name: string): StorageServeMode | undefined {
  if (!url.startsWith('s3://')) return undefined;
  let value: string | null;
  try {
    value = new URL(url).searchParams.get('serve');
  } catch {
    return undefined; // createBackendFromUrl reports the invalid URL
  }
  if (value === null) return undefined;
  if (value === 'redirect' || value === 'stream') return value;
  throw new StorageError(
    'BASALT_STORAGE_UNSUPPORTED_URL',
    `Storage '${name}': serve=${value} is not a serving mode (use serve=redirect or serve=stream)`,
  );
}
