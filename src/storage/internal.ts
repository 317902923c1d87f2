// Names Basalt's own capabilities need from storage (tracing in basalt/server). Not a package
// subpath: apps never import them (see "Public and internal names" in docs/architecture.md).

export { type StorageCall, type StorageCallWrapper, wrapStorageCalls } from './call-hooks.js';
