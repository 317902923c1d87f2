import type { StorageBackend } from './backends/backend.js';
import type { StorageService } from './service.js';

/** One storage call as {@link StorageCallWrapper} sees it. */
export interface StorageCall {
  operation: 'put' | 'get' | 'delete' | 'exists' | 'stat' | 'signedUrl';
  /** The storage's name (`default`, …). */
  storage: string;
  /** The backend's kind (`local`, `s3`, `memory`). */
  backend: string;
  key: string;
}

/** Runs around every call a storage makes to its backend (tracing); answers what `run` answers. */
export type StorageCallWrapper = <T>(call: StorageCall, run: () => Promise<T>) => Promise<T>;

const OPERATIONS = ['put', 'get', 'delete', 'exists', 'stat', 'signedUrl'] as const;
const wrappers = new WeakMap<StorageBackend, { wrap: StorageCallWrapper | undefined }>();

/**
 * Runs every call of the app's storages to their backends (the ones that reach the store)
 * through `wrap`, or as they are again with undefined. The backends are patched in place on
 * the first call, since the storages and their operations hold them directly.
 */
export function wrapStorageCalls(service: StorageService, wrap: StorageCallWrapper | undefined): void {
  for (const name of service.names) {
    const backend = service.get(name).backend;
    const hooks = wrappers.get(backend);
    if (hooks) {
      hooks.wrap = wrap;
      continue;
    }
    if (wrap === undefined) continue;
    const state = { wrap: wrap as StorageCallWrapper | undefined };
    wrappers.set(backend, state);
    const patched = backend as unknown as Record<
      string,
      (key: string, ...rest: unknown[]) => Promise<unknown>
    >;
    for (const operation of OPERATIONS) {
      const original = patched[operation]!.bind(backend);
      patched[operation] = (key, ...rest) => {
        const current = state.wrap;
        return current === undefined
          ? original(key, ...rest)
          : current({ operation, storage: name, backend: backend.kind, key }, () => original(key, ...rest));
      };
    }
  }
}
