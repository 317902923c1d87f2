import { resolve, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { BasaltApp, ModuleDefinition, ModuleSetupApi } from '../app/index.js';
import { BasaltError, defineConfig, NotFoundError } from '../core/index.js';
import { type AnyEndpoint, get, put, type TSchema, t } from '../http/index.js';
import { getJobs } from '../jobs/index.js';
import { storageCommands } from './commands.js';
import { FileTooLargeError, StorageError } from './errors.js';
import { createFileRecords } from './files.js';
import { registerStorage } from './get-storage.js';
import { ensureThumbnail, parseThumbnailSize } from './images.js';
import { serveFile } from './serve.js';
import { createStorageService, type StorageService } from './service.js';
import { createUrlSigner } from './signing.js';
import { createStorage, type Storage, type StorageServeMode, type StoredFile } from './storage.js';
import { createBackendFromUrl, serveModeFromUrl } from './storage-url.js';
import { thumbnailTask } from './thumbnail-task.js';

declare module '../http/context.js' {
  interface RequestContextExtensions {
    /** The app's storages, uploads and file serving (present when the app uses `storage()`). */
    storage: StorageService;
  }
}

/** One named storage of {@link storage}. */
export interface NamedStorageOptions {
  /** Its URL when its variable (`STORAGE_<NAME>_URL`) is unset; default `file:./storage/<name>`. */
  url?: string;
  /** Served to anyone by URL (default for `default`), or private: signed URLs and your endpoints. */
  public?: boolean;
  /** Local public storages: the URL prefix Basalt serves them under; default `/media-<name>/`. */
  baseUrl?: string;
  /**
   * S3 storages: how `ctx.storage.serve` answers unless the call passes `redirect`:
   * `redirect` (default) is a 302 to a presigned URL valid 60 seconds, `stream` sends the bytes
   * through the app (a bucket clients cannot reach). `serve=` in the storage's URL overrides it.
   */
  serve?: StorageServeMode;
}

/** Options of {@link storage}. */
export interface StorageModuleOptions {
  /** Storages besides `default` (which STORAGE_URL configures), e.g. `{ private: { public: false } }`. */
  storages?: Record<string, NamedStorageOptions>;
  /** Where signed URLs of local storages and thumbnails are served; default `/storage`. */
  prefix?: string;
  /**
   * Thumbnail sizes of images (`WxH` or `WxH-inside`); default 64, 128, 256, 512 squares. The
   * thumbnail route makes only these; with `thumbnailTask` in `jobs({ tasks })`, a background
   * job makes all of them after each image is saved through `ctx.storage.records`.
   */
  thumbnailSizes?: readonly string[];
  /** Largest direct (signed PUT) upload to a local storage, bytes; default 1 GiB. */
  maxDirectUpload?: number;
}

/** Backends whose public and signed URLs Basalt serves itself (S3 serves its own). */
const SERVED_BY_BASALT = new Set(['local', 'memory']);

const envName = (name: string) => `STORAGE_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;

function storageConfig(names: readonly string[]) {
  const properties: Record<string, TSchema> = {
    STORAGE_URL: t.String({
      default: 'file:./media',
      description: 'The default storage: file:./folder or s3://bucket/prefix?region=…&endpoint=…',
    }),
    MEDIA_URL: t.String({
      default: '/media/',
      description: 'Public URL prefix of the default storage when it is a local folder',
    }),
    STORAGE_MAX_UPLOAD: t.Integer({
      minimum: 1,
      default: 10 * 1024 * 1024,
      description: 'Largest accepted upload in bytes, unless a file field or upload says otherwise',
    }),
  };
  for (const name of names)
    properties[envName(name)] = t.Optional(t.String({ description: `The '${name}' storage's URL` }));
  return defineConfig(properties);
}

function limit(source: Readable, max: number): Readable {
  let size = 0;
  return source.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > max) done(new FileTooLargeError(max));
        else done(null, chunk);
      },
    }),
  );
}

/** Refuses local roots inside one another: a public folder must never expose a private one. */
function assertSeparateRoots(urls: ReadonlyMap<string, string>): void {
  const roots = [...urls]
    .filter(([, url]) => url.startsWith('file:') && !url.startsWith('file://'))
    .map(([name, url]) => [name, resolve(url.slice('file:'.length))] as const);
  for (const [a, rootA] of roots)
    for (const [b, rootB] of roots)
      if (a !== b && (rootA === rootB || rootB.startsWith(rootA + sep)))
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          `Storage '${b}' (${rootB}) lies inside storage '${a}' (${rootA}); give each its own folder`,
        );
}

/**
 * The storage capability: named storages from STORAGE_URL (`file:` folders or `s3://`
 * buckets), `ctx.storage` in handlers (uploads, serving, signed URLs, file-field records),
 * the route serving signed URLs and public files of local storages, thumbnails, and the
 * `basalt storage orphans` command.
 *
 * @example
 * export default defineApp({ modules: [auth(), storage({ storages: { private: { public: false } } })] });
 */
export function storage(options: StorageModuleOptions = {}): ModuleDefinition {
  const extra = Object.keys(options.storages ?? {}).filter((n) => n !== 'default');
  // At most 63 characters: a file field's metadata declares (and validates) that bound.
  for (const name of extra)
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
      throw new TypeError(`Storage name '${name}': use at most 63 lowercase letters, digits and '-'`);
  const prefix = (options.prefix ?? '/storage').replace(/\/+$/, '');
  const sizes = new Set(options.thumbnailSizes ?? ['64x64', '128x128', '256x256', '512x512']);
  const maxDirect = options.maxDirectUpload ?? 1024 ** 3;
  return {
    name: 'storage',
    config: storageConfig(extra),
    commands: storageCommands,
    async setup(api: ModuleSetupApi) {
      const config = api.config as Record<string, unknown> & {
        SECRET_KEY: string;
        STORAGE_URL: string;
        MEDIA_URL: string;
        STORAGE_MAX_UPLOAD: number;
      };
      const signer = createUrlSigner(config.SECRET_KEY);
      const urls = new Map<string, string>([['default', config.STORAGE_URL]]);
      for (const name of extra)
        urls.set(
          name,
          (config[envName(name)] as string | undefined) ??
            options.storages?.[name]?.url ??
            `file:./storage/${name}`,
        );
      assertSeparateRoots(urls);
      const storages = new Map<string, Storage>();
      const publicRoutes: Array<{ path: string; storage: Storage }> = [];
      for (const [name, url] of urls) {
        const named = options.storages?.[name];
        const isPublic = named?.public ?? name === 'default';
        const baseUrl = name === 'default' ? config.MEDIA_URL : (named?.baseUrl ?? `/media-${name}/`);
        const serve = serveModeFromUrl(url, name) ?? named?.serve;
        const backend = await createBackendFromUrl(url, {
          name,
          baseUrl,
          signedBaseUrl: `${prefix}/${name}`,
          signer,
        });
        const created = createStorage(name, backend, { public: isPublic, ...(serve ? { serve } : {}) });
        storages.set(name, created);
        if (backend.close) api.onStop(() => backend.close!());
        if (backend.ping) {
          // Bounded like every probe (SERVICE_TIMEOUT); the request itself is then aborted.
          const timeoutMs = Number(config.SERVICE_TIMEOUT ?? 5) * 1000;
          api.addReadinessProbe(`storage ${name} (${backend.kind})`, () =>
            backend.ping!(AbortSignal.timeout(timeoutMs)),
          );
        }
        if (isPublic && SERVED_BY_BASALT.has(backend.kind) && baseUrl.startsWith('/'))
          publicRoutes.push({ path: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, storage: created });
      }

      // Files uploaded during a request and not (yet) stored in a row; removed when the
      // request fails, so an upload whose handler errs leaves nothing behind.
      const pending = new WeakMap<FastifyRequest, Map<string, { storage: Storage; file: StoredFile }>>();
      const pendingKeys = new Map<string, FastifyRequest>();
      // Thumbnails go to a background job when the app runs jobs() with thumbnailTask listed.
      let started: BasaltApp | undefined;
      api.onStart((app) => {
        started = app;
      });
      const thumbnailJobs = async () => {
        if (!started) return undefined;
        let client: Awaited<ReturnType<typeof getJobs>>;
        try {
          client = await getJobs(started);
        } catch {
          return undefined; // no jobs(): thumbnails are made on request
        }
        return client.tasks.get(thumbnailTask.name) === thumbnailTask ? client : undefined;
      };
      const records = createFileRecords({
        storage: (name) => service.get(name),
        async imageSaved(file, storageName) {
          try {
            const client = await thumbnailJobs();
            await client?.enqueue(thumbnailTask, { storage: storageName, key: file.key, sizes: [...sizes] });
          } catch (error) {
            api.log.warn(
              { err: error, key: file.key },
              'the thumbnail job could not be enqueued (thumbnails will be made on request)',
            );
          }
        },
        claim: (file) => {
          const request = pendingKeys.get(file.key);
          if (!request) return;
          pendingKeys.delete(file.key);
          pending.get(request)?.delete(file.key);
        },
        onCleanupError: (error, file) =>
          api.log.warn(
            { err: error, key: file.key },
            'a replaced file could not be removed (see storage orphans)',
          ),
      });
      const service: StorageService = createStorageService({
        storages,
        records,
        maxUpload: config.STORAGE_MAX_UPLOAD,
        thumbnailPath: (name, size, key) => `${prefix}/_thumbs/${name}/${size}/${key}`,
        thumbnail: ensureThumbnail,
        track(request, storage, file) {
          const files = pending.get(request) ?? new Map<string, { storage: Storage; file: StoredFile }>();
          pending.set(request, files);
          files.set(file.key, { storage, file });
          pendingKeys.set(file.key, request);
        },
      });
      registerStorage(api.config, service);
      api.provideContext((ctx) => {
        ctx.storage = service;
      });
      api.addRequestHook('onResponse', async (request, reply) => {
        const files = pending.get(request);
        if (!files) return;
        pending.delete(request);
        for (const [key, { storage }] of files) {
          pendingKeys.delete(key);
          if (reply.statusCode >= 400) await storage.delete(key).catch(() => undefined);
        }
      });

      const local = (name: string): Storage => {
        const found = storages.get(name);
        if (!found || !SERVED_BY_BASALT.has(found.backend.kind))
          throw new NotFoundError(`No storage '${name}' is served here`);
        return found;
      };
      const params = t.Object({ storage: t.String(), '*': t.String() });
      const routes: AnyEndpoint[] = [
        get(`${prefix}/:storage/*`, { params, hidden: true }, async (ctx) => {
          const name = ctx.params.storage;
          const key = ctx.params['*'];
          const grant = signer.verify(name, key, 'GET', ctx.query);
          return serveFile(ctx.request, ctx.reply, local(name), key, {
            ...(grant.contentDisposition ? { contentDisposition: grant.contentDisposition } : {}),
          });
        }),
        put(`${prefix}/:storage/*`, { params, hidden: true, streamBody: true }, async (ctx) => {
          const name = ctx.params.storage;
          const key = ctx.params['*'];
          const grant = signer.verify(name, key, 'PUT', ctx.query);
          const type = ctx.request.headers['content-type']?.split(';')[0]?.trim();
          if (grant.contentType && type !== grant.contentType)
            throw new StorageError(
              'BASALT_STORAGE_SIGNATURE_INVALID',
              `This upload URL is for content type ${grant.contentType}`,
            );
          await local(name).backend.put(key, limit(ctx.request.raw, maxDirect), {
            contentType: grant.contentType ?? type ?? 'application/octet-stream',
          });
          return undefined;
        }),
        get(
          `${prefix}/_thumbs/:storage/:size/*`,
          { params: t.Object({ storage: t.String(), size: t.String(), '*': t.String() }), hidden: true },
          async (ctx) => {
            const found = storages.get(ctx.params.storage);
            const spec = parseThumbnailSize(ctx.params.size);
            if (!found || !found.public || !spec || !sizes.has(ctx.params.size))
              throw new NotFoundError('No such thumbnail');
            const key = await ensureThumbnail(found, ctx.params['*'], spec);
            // Small and public: streamed with a day's caching, where a redirect to a fresh
            // presigned URL on every request could never be cached.
            return serveFile(ctx.request, ctx.reply, found, key, { redirect: false });
          },
        ),
      ];
      for (const { path, storage: served } of publicRoutes)
        routes.push(
          get(`${path}*`, { params: t.Object({ '*': t.String() }), hidden: true }, async (ctx) =>
            serveFile(ctx.request, ctx.reply, served, ctx.params['*']),
          ),
        );
      api.addRoutes(...routes);
    },
  };
}
