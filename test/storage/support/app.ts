import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleDefinition } from '../../../src/app/index.js';
import { type BasaltApp, createApp, defineApp } from '../../../src/app/index.js';
import type { Database } from '../../../src/db/index.js';
import type { AnyEndpoint } from '../../../src/http/index.js';
import { getStorage, type StorageModuleOptions, storage } from '../../../src/storage/index.js';

/** A test app using storage(), listening on 127.0.0.1, with its storages in a temporary folder. */
export interface StorageTestApp {
  app: BasaltApp;
  url: string;
  dir: string;
  storage: ReturnType<typeof getStorage>;
  /** Fetches a path or URL of the app over real HTTP. */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Starts an app with `storage(options)` plus routes/modules, STORAGE_URL a temporary folder unless given. */
export async function startStorageApp(
  options: {
    storage?: StorageModuleOptions;
    routes?: AnyEndpoint[];
    modules?: ModuleDefinition[];
    models?: unknown[];
    env?: Record<string, string>;
  } = {},
): Promise<StorageTestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'basalt-storage-app-'));
  const app = await createApp(
    defineApp({
      name: 'storage-test',
      modules: [storage(options.storage), ...(options.modules ?? [])],
      routes: options.routes ?? [],
      models: (options.models ?? []) as never,
    }),
    {
      envFile: false,
      env: {
        NODE_ENV: 'test',
        SECRET_KEY: 'a-test-secret-key-of-reasonable-length-0123456789',
        STORAGE_URL: `file:${join(dir, 'media')}`,
        STORAGE_PRIVATE_URL: `file:${join(dir, 'private')}`,
        DATABASE_URL: 'sqlite::memory:',
        ...options.env,
      },
    },
  );
  if (app.db) await (app.db as Database).createTables();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url: address.url,
    dir,
    storage: getStorage(app),
    fetch: (pathOrUrl, init) => fetch(new URL(pathOrUrl, address.url), init),
    async close() {
      await app.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
