import type { BasaltApp } from '../app/index.js';
import type { StorageService } from './service.js';

const services = new WeakMap<object, StorageService>();

/** Records the storage service of an app being created (by the `storage()` module). */
export function registerStorage(config: object, service: StorageService): void {
  services.set(config, service);
}

/** The storage service of a created app (for commands, seeds, tasks and tests). */
export function getStorage(app: Pick<BasaltApp, 'config'>): StorageService {
  const service = services.get(app.config);
  if (!service) throw new TypeError('This app does not use storage() from basalt/storage');
  return service;
}
