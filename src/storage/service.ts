import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { AnyField } from '../db/index.js';
import type { RequestContext } from '../http/index.js';
import { isAccepted, SNIFF_BYTES, sniffContentType } from './content-type.js';
import { FileTooLargeError, FileTypeNotAcceptedError, StorageError } from './errors.js';
import type { FileRecords } from './files.js';
import { parseThumbnailSize, type ThumbnailSpec } from './images.js';
import { cleanFileName, generateKey } from './keys.js';
import { type ServeOptions, serveFile } from './serve.js';
import type { Storage, StoredFile } from './storage.js';
import { receiveUpload, type UploadOptions, type UploadResult } from './uploads.js';

/** Options of {@link StorageService.upload}: a file field's rules, or explicit ones. */
export interface UploadRequestOptions extends UploadOptions {
  /** The named storage; default the field's, else `default`. */
  storage?: string;
  /** A model's file field (`Book.fields.cover`): its storage, accept, maxSize and image flag apply. */
  for?: AnyField;
}

/** Options of {@link StorageService.presignUpload}. */
export interface PresignUploadOptions {
  storage?: string;
  /** The content type the client will send (it is part of the signature). */
  contentType: string;
  /** The client's file name (only its extension is used in the key). */
  name?: string;
  prefix?: string;
  /** Lifetime of the URL, seconds; default 900. */
  expiresIn?: number;
}

/** A presigned direct upload: the client PUTs the file to `url` with `headers`. */
export interface PresignedUpload {
  key: string;
  storage: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

/** The app's storages and what handlers do with files; `ctx.storage` in handlers. */
export interface StorageService {
  /** Names of the configured storages (`default` first). */
  readonly names: readonly string[];
  /** A named storage; `BASALT_STORAGE_UNKNOWN_STORAGE` for a name not configured. */
  get(name?: string): Storage;
  /** Streams the multipart file of the request into a storage: sniffed, size-limited, under a generated key. */
  upload(ctx: RequestContext, options?: UploadRequestOptions): Promise<UploadResult>;
  /** Answers with a stored file (Content-Type, Content-Disposition, ranges); return its result. */
  serve(ctx: RequestContext, file: StoredFile, options?: ServeOptions): Promise<Readable | string>;
  /** The URL a client downloads a file from: public, or signed for private storages. */
  url(file: StoredFile, options?: { expiresIn?: number; download?: boolean }): Promise<string>;
  /** The URL of a thumbnail of an image in a public storage (made on first request, then cached). */
  thumbnailUrl(file: StoredFile, size: string): string;
  /** Makes (or finds) a thumbnail and returns its key. */
  thumbnail(file: StoredFile, spec: ThumbnailSpec): Promise<string>;
  /** Create, update and delete rows with file fields, cleaning files up on commit and rollback. */
  readonly records: FileRecords;
  /** A URL the client uploads one file to directly (S3 presigned PUT; Basalt's own route for local). */
  presignUpload(options: PresignUploadOptions): Promise<PresignedUpload>;
  /**
   * Checks a directly uploaded object (its magic bytes against `accept`, its size against
   * `maxSize`) and returns its file value; a refused object is deleted.
   */
  confirmUpload(
    key: string,
    options: { storage?: string; name?: string; accept?: readonly string[]; maxSize?: number },
  ): Promise<StoredFile>;
}

/** What {@link createStorageService} is built from (by the `storage()` module). */
export interface StorageServiceParts {
  storages: ReadonlyMap<string, Storage>;
  records: FileRecords;
  maxUpload: number;
  thumbnailPath: (storage: string, size: string, key: string) => string;
  thumbnail: (storage: Storage, file: StoredFile, spec: ThumbnailSpec) => Promise<string>;
  track: (request: FastifyRequest, storage: Storage, file: StoredFile) => void;
}

/** Builds the {@link StorageService} (internal to the module). */
export function createStorageService(parts: StorageServiceParts): StorageService {
  const get = (name = 'default'): Storage => {
    const storage = parts.storages.get(name);
    if (!storage)
      throw new StorageError(
        'BASALT_STORAGE_UNKNOWN_STORAGE',
        `No storage is named '${name}' (configured: ${[...parts.storages.keys()].join(', ')})`,
      );
    return storage;
  };
  return {
    names: [...parts.storages.keys()],
    get,
    records: parts.records,

    async upload(ctx, options = {}) {
      const config = options.for?.config;
      const storage = get(options.storage ?? config?.storage ?? 'default');
      const result = await receiveUpload(ctx.request, storage, {
        ...options,
        ...(options.accept === undefined && config?.accept ? { accept: config.accept } : {}),
        ...(options.image === undefined && config?.image ? { image: true } : {}),
        maxSize: options.maxSize ?? config?.maxSize ?? parts.maxUpload,
      });
      parts.track(ctx.request, storage, result.file);
      return result;
    },

    serve(ctx, file, options) {
      return serveFile(ctx.request, ctx.reply, get(file.storage), file, options);
    },

    url(file, options) {
      return get(file.storage).url(file, options);
    },

    thumbnailUrl(file, size) {
      if (!parseThumbnailSize(size)) throw new TypeError(`'${size}' is not a thumbnail size like 200x300`);
      return parts.thumbnailPath(file.storage ?? 'default', size, file.key);
    },

    thumbnail(file, spec) {
      return parts.thumbnail(get(file.storage), file, spec);
    },

    async presignUpload(options) {
      const name = options.storage ?? 'default';
      const storage = get(name);
      const key = generateKey({ prefix: options.prefix, name: options.name });
      const expiresIn = options.expiresIn ?? 900;
      const url = await storage.backend.signedUrl(key, {
        method: 'PUT',
        contentType: options.contentType,
        expiresIn,
      });
      return {
        key,
        storage: name,
        url,
        method: 'PUT',
        headers: { 'content-type': options.contentType },
        expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
      };
    },

    async confirmUpload(key, options) {
      const storage = get(options.storage);
      const stat = await storage.stat(key);
      const refuse = async (error: Error) => {
        await storage.delete(key).catch(() => undefined);
        throw error;
      };
      if (options.maxSize !== undefined && stat.size > options.maxSize)
        return refuse(new FileTooLargeError(options.maxSize));
      const head = await storage.open(
        key,
        stat.size > 0 ? { range: { start: 0, end: SNIFF_BYTES - 1 } } : {},
      );
      const chunks: Buffer[] = [];
      for await (const chunk of head.stream) chunks.push(chunk as Buffer);
      const contentType = await sniffContentType(Buffer.concat(chunks), stat.contentType);
      if (!isAccepted(contentType, options.accept))
        return refuse(new FileTypeNotAcceptedError(contentType, options.accept ?? []));
      const name = cleanFileName(options.name);
      return {
        key,
        storage: storage.name,
        ...(name ? { name } : {}),
        size: stat.size,
        contentType,
      };
    },
  };
}
